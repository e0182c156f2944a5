package synth

import (
	"strconv"
	"strings"
	"time"
)

// The logs written, in the order of logNames.
const (
	logConn = iota
	logHTTP
	logDNS
	logSSL
	logFiles
	numLogs
)

var logNames = [numLogs]string{"conn", "http", "dns", "ssl", "files"}

// schema is the #fields and #types of one log, as Zeek 6 writes them with the default
// `local` policy (zeekctl's local.zeek: validate-certs adds ssl's validation_status,
// hash-all-files fills files' md5/sha1/sha256).
type schema struct {
	fields, types []string
}

var schemas = [numLogs]schema{
	logConn: {
		fields: strings.Fields("ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes resp_bytes conn_state local_orig local_resp missed_bytes history orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes tunnel_parents"),
		types:  strings.Fields("time string addr port addr port enum string interval count count string bool bool count string count count count count set[string]"),
	},
	logHTTP: {
		fields: strings.Fields("ts uid id.orig_h id.orig_p id.resp_h id.resp_p trans_depth method host uri referrer version user_agent origin request_body_len response_body_len status_code status_msg info_code info_msg tags username password proxied orig_fuids orig_filenames orig_mime_types resp_fuids resp_filenames resp_mime_types"),
		types:  strings.Fields("time string addr port addr port count string string string string string string string count count count string count string set[enum] string string set[string] vector[string] vector[string] vector[string] vector[string] vector[string] vector[string]"),
	},
	logDNS: {
		fields: strings.Fields("ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto trans_id rtt query qclass qclass_name qtype qtype_name rcode rcode_name AA TC RD RA Z answers TTLs rejected"),
		types:  strings.Fields("time string addr port addr port enum count interval string count string count string count string bool bool bool bool count vector[string] vector[interval] bool"),
	},
	logSSL: {
		fields: strings.Fields("ts uid id.orig_h id.orig_p id.resp_h id.resp_p version cipher curve server_name resumed last_alert next_protocol established ssl_history cert_chain_fps client_cert_chain_fps sni_matches_cert validation_status"),
		types:  strings.Fields("time string addr port addr port string string string string bool string string bool string vector[string] vector[string] bool string"),
	},
	logFiles: {
		fields: strings.Fields("ts fuid uid id.orig_h id.orig_p id.resp_h id.resp_p source depth analyzers mime_type filename duration local_orig is_orig seen_bytes total_bytes missing_bytes overflow_bytes timedout parent_fuid md5 sha1 sha256 extracted extracted_cutoff extracted_size"),
		types:  strings.Fields("time string string addr port addr port string count set[string] string string interval bool bool count count count count bool string string string string string bool count"),
	},
}

// zeekStamp is the format of #open and #close.
const zeekStamp = "2006-01-02-15-04-05"

// header returns the lines Zeek writes at the top of a log.
func header(log int, open time.Time) []byte {
	s := schemas[log]
	b := []byte("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t")
	b = append(b, logNames[log]...)
	b = append(b, "\n#open\t"...)
	b = open.UTC().AppendFormat(b, zeekStamp)
	b = append(b, "\n#fields"...)
	for _, f := range s.fields {
		b = append(b, '\t')
		b = append(b, f...)
	}
	b = append(b, "\n#types"...)
	for _, t := range s.types {
		b = append(b, '\t')
		b = append(b, t...)
	}
	return append(b, '\n')
}

// footer returns the #close line.
func footer(close time.Time) []byte {
	b := []byte("#close\t")
	b = close.UTC().AppendFormat(b, zeekStamp)
	return append(b, '\n')
}

// appendTime writes microseconds since the epoch as Zeek does: seconds, a dot, six digits.
func appendTime(b []byte, us int64) []byte {
	if us < 0 {
		b = append(b, '-')
		us = -us
	}
	b = strconv.AppendInt(b, us/1e6, 10)
	return appendFrac(b, us%1e6)
}

func appendFrac(b []byte, f int64) []byte {
	return append(b, '.',
		byte('0'+f/100000), byte('0'+f/10000%10), byte('0'+f/1000%10),
		byte('0'+f/100%10), byte('0'+f/10%10), byte('0'+f%10))
}

// appendInterval writes a span of microseconds, or "-" when negative (unset).
func appendInterval(b []byte, us int64) []byte {
	if us < 0 {
		return append(b, '-')
	}
	return appendTime(b, us)
}

// appendCount writes n, or "-" when negative (unset).
func appendCount(b []byte, n int64) []byte {
	if n < 0 {
		return append(b, '-')
	}
	return strconv.AppendInt(b, n, 10)
}

// octets holds the decimal text of 0..255.
var octets = func() (o [256]string) {
	for i := range o {
		o[i] = strconv.Itoa(i)
	}
	return o
}()

func appendIP(b []byte, ip uint32) []byte {
	b = append(b, octets[ip>>24]...)
	b = append(b, '.')
	b = append(b, octets[ip>>16&0xff]...)
	b = append(b, '.')
	b = append(b, octets[ip>>8&0xff]...)
	b = append(b, '.')
	return append(b, octets[ip&0xff]...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 'T')
	}
	return append(b, 'F')
}

// appendStr writes s, or "-" when empty.
func appendStr(b []byte, s string) []byte {
	if s == "" {
		return append(b, '-')
	}
	return append(b, s...)
}

func ip4(a, b, c, d byte) uint32 { return uint32(a)<<24 | uint32(b)<<16 | uint32(c)<<8 | uint32(d) }

func ipString(ip uint32) string { return string(appendIP(nil, ip)) }

// isPrivate reports RFC 1918 addresses, the networks a zeekctl networks.cfg lists as local.
func isPrivate(ip uint32) bool {
	return ip>>24 == 10 || ip>>20 == 0xac1 || ip>>16 == 0xc0a8
}

// id is a Zeek connection or file id: a letter and a base62 number of 96 random bits.
type id struct {
	hi uint64
	lo uint32
}

const base62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

func (r *rng) id() id { return id{r.u64(), uint32(r.u64())} }

// appendID writes the id with its prefix ('C' for connections, 'F' for files).
func appendID(b []byte, prefix byte, v id) []byte {
	var tmp [20]byte
	i := len(tmp)
	hi, lo := v.hi, uint64(v.lo)
	for hi != 0 || lo != 0 {
		// Divide the 96-bit number hi:lo (lo holds 32 bits) by 62.
		qhi := hi / 62
		r := hi % 62
		cur := r<<32 | lo
		qlo := cur / 62
		d := cur % 62
		hi, lo = qhi, qlo
		i--
		tmp[i] = base62[d]
	}
	b = append(b, prefix)
	return append(b, tmp[i:]...)
}
