// Package zeek reads Zeek logs: the TSV format with its # headers (several header blocks in
// one file, escaped separators, sets and vectors, (empty) vs unset) and one-object-a-line JSON,
// with Zeek's dotted field names or the underscore spelling HELK/OTRF pipelines write. Log
// types conn, http, dns, ssl, files, smtp, ftp, x509 and notice become events; the records of
// other log types are counted and skipped.
//
// TSV parsing is hand-written over []byte: a record's strings are views into the read buffer,
// and fields no event holds are skipped without conversion. JSON lines go through the
// allocation-free scanner of package jsonl.
package zeek

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
	"github.com/sluice-hunt/sluice/source/jsonl"
)

func init() {
	source.Register(source.Format{Name: "zeek-tsv", Sniff: SniffTSV, Read: ReadTSV})
	source.Register(source.Format{Name: "zeek-json", Sniff: SniffJSON, Read: ReadJSON})
}

// SniffTSV reports Zeek's TSV header.
func SniffTSV(head []byte, _ string) bool {
	return bytes.HasPrefix(head, []byte("#separator "))
}

// SniffJSON reports a first line that is a JSON object with Zeek's fields.
func SniffJSON(head []byte, _ string) bool {
	head = bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf")
	if len(head) == 0 || head[0] != '{' {
		return false
	}
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	if !bytes.Contains(head, []byte(`"ts":`)) {
		return false
	}
	for _, k := range []string{`"uid":`, `"id.orig_h":`, `"id_orig_h":`, `"_path":`, `"@stream":`, `"fuid":`, `"certificate.`, `"id":{`} {
		if bytes.Contains(head, []byte(k)) {
			return true
		}
	}
	return false
}

// PathFromName guesses a log type from a file name: conn.log, conn.00:00:00-01:00:00.log.gz,
// NASHUA_conn.log, zeek-json__dns.json.gz all name theirs. It returns the longest Zeek log name
// the name ends with (so smb_files.log is smb_files, not files), or "" when none is known.
func PathFromName(name string) string {
	base := strings.ToLower(filepath.Base(name))
	for _, ext := range []string{".gz", ".bz2", ".zst", ".log", ".json", ".jsonl", ".ndjson", ".txt"} {
		base = strings.TrimSuffix(base, ext)
	}
	tokens := strings.FieldsFunc(base, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_')
	})
	for _, t := range tokens {
		if p := knownSuffix(t); p != "" {
			return p
		}
	}
	return ""
}

// knownSuffix returns the longest "_"-separated suffix of t that is a Zeek log name.
func knownSuffix(t string) string {
	for i := 0; i < len(t); i++ {
		if i > 0 && t[i-1] != '_' {
			continue
		}
		if _, ok := zeekLogs[t[i:]]; ok {
			return t[i:]
		}
	}
	return ""
}

// zeekLogs names the logs Zeek and common packages write, read by sluice or not, so that a
// file of one is never taken for another (smb_files for files, conn_long for conn).
var zeekLogs = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`conn conn_long open_conn dce_rpc dhcp dnp3 dns dpd files ftp http irc kerberos
		modbus modbus_register_change mysql ntlm ntp ocsp pe radius rdp rfb sip smb_cmd smb_files smb_mapping smtp
		snmp socks software ssh ssl syslog tunnel weird weird_stats x509 notice notice_alarm known_hosts
		known_services known_certs known_devices capture_loss stats packet_filter reporter loaded_scripts intel
		signatures traceroute quic analyzer broker cluster netcontrol openflow ldap ldap_search websocket
		telemetry unified2 mqtt_connect mqtt_publish mqtt_subscribe ssh_auth spicy`) {
		zeekLogs[n] = true
	}
}

// header is the state the # lines of a TSV file set.
type header struct {
	sep    byte
	setSep byte
	empty  []byte
	unset  []byte
	path   string
	fields []string
	types  []string
}

func newHeader() *header {
	return &header{sep: '\t', setSep: ',', empty: []byte("(empty)"), unset: []byte("-")}
}

// apply reads one # line.
func (h *header) apply(line []byte) error {
	line = bytes.TrimRight(line, "\r")
	if bytes.HasPrefix(line, []byte("#separator ")) {
		v := unescapeTSV(bytes.TrimPrefix(line, []byte("#separator ")))
		if len(v) != 1 {
			return fmt.Errorf("#separator must be one byte, got %q", v)
		}
		h.sep = v[0]
		return nil
	}
	key, val, ok := bytes.Cut(line[1:], []byte{h.sep})
	if !ok {
		if len(line) > 1 && bytes.Equal(line, []byte("#close")) {
			return nil
		}
		return fmt.Errorf("header line without a value: %q", truncate(line, 60))
	}
	switch string(key) {
	case "set_separator":
		v := unescapeTSV(val)
		if len(v) != 1 {
			return fmt.Errorf("#set_separator must be one byte, got %q", v)
		}
		h.setSep = v[0]
	case "empty_field":
		h.empty = bytes.Clone(unescapeTSV(val))
	case "unset_field":
		h.unset = bytes.Clone(unescapeTSV(val))
	case "path":
		h.path = string(val)
		h.fields, h.types = nil, nil
	case "fields":
		h.fields = strings.Split(string(val), string(h.sep))
	case "types":
		h.types = strings.Split(string(val), string(h.sep))
	case "open", "close":
	default:
		// other # lines are comments
	}
	return nil
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// tsvJob parses a block of data lines under one header.
type tsvJob struct {
	h     *header
	lt    logType
	path  string
	block []byte
	first uint32
	f     source.FileInfo
}

func (j *tsvJob) Run(sink event.Sink, st *source.Stats) {
	p := j.lt.newParser()
	p.bind(j.h.fields)
	line := j.first
	block := j.block
	var read int64
	for len(block) > 0 {
		i := bytes.IndexByte(block, '\n')
		l := block
		if i >= 0 {
			l, block = block[:i], block[i+1:]
		} else {
			block = nil
		}
		if len(l) > 0 && l[len(l)-1] == '\r' {
			l = l[:len(l)-1]
		}
		if len(l) == 0 {
			line++
			continue
		}
		if err := p.tsvLine(l, j.h, j.f.Ref(line), sink); err != nil {
			reason := "bad value"
			if _, ok := err.(errFieldCount); ok {
				reason = "wrong number of fields"
			}
			st.Skip(j.f, line, j.path+": "+reason, err.Error())
		} else {
			read++
		}
		line++
	}
	st.Read[j.path] += read
}

func countLines(b []byte) int {
	n := bytes.Count(b, []byte{'\n'})
	if len(b) > 0 && b[len(b)-1] != '\n' {
		n++
	}
	return n
}

// ReadTSV reads a Zeek TSV log, splitting it into jobs at header changes and block ends.
func ReadTSV(ctx context.Context, r io.Reader, f source.FileInfo, st *source.Stats, emit func(source.Job) error) error {
	h := newHeader()
	var cur *header // the header the data lines now read under; nil after a change
	namePath := PathFromName(f.Name)
	return source.Lines(r, source.BlockSize, source.MaxLine, func(block []byte, first uint32) (bool, error) {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		kept := false
		for len(block) > 0 {
			if block[0] == '#' {
				i := bytes.IndexByte(block, '\n')
				l := block
				if i >= 0 {
					l, block = block[:i], block[i+1:]
				} else {
					block = nil
				}
				if err := h.apply(l); err != nil {
					st.Skip(f, first, "bad header", err.Error())
				}
				cur = nil
				first++
				continue
			}
			data := block
			if k := bytes.Index(block, []byte("\n#")); k >= 0 {
				data = block[:k+1]
			}
			block = block[len(data):]
			n := countLines(data)
			if cur == nil {
				c := *h
				cur = &c
			}
			if len(cur.fields) == 0 {
				st.Skip(f, first, "data before a #fields header", fmt.Sprintf("%d lines of data before any #fields header (not a Zeek TSV log, or its header is missing)", n))
				st.Skipped["data before a #fields header"] += int64(n - 1)
			} else {
				path := cur.path
				if path == "" {
					path = namePath
				}
				lt := types[path]
				switch {
				case lt == nil: // a log type sluice does not read: counted
					if path == "" {
						path = "(no #path)"
					}
					st.Ignored[path] += int64(n)
				case f.Skip.Has(lt.Kind()): // no detection of the run reads it: counted
					st.Read[path] += int64(n)
				default:
					if err := emit(&tsvJob{h: cur, lt: lt, path: path, block: data, first: first, f: f}); err != nil {
						return kept, err
					}
					kept = true
				}
			}
			first += uint32(n)
		}
		return kept, nil
	}, func(line uint32, n int64) {
		st.Skip(f, line, "line too long", source.LongLineError(n, source.MaxLine))
	})
}

// jsonJob parses a block of JSON lines.
type jsonJob struct {
	defPath string // the log type when a record does not say (from the name or first record)
	block   []byte
	first   uint32
	f       source.FileInfo
}

func (j *jsonJob) Run(sink event.Sink, st *source.Stats) {
	var sc jsonl.Scanner
	parsers := map[string]parser{}
	line := j.first
	block := j.block
	for len(block) > 0 {
		i := bytes.IndexByte(block, '\n')
		l := block
		if i >= 0 {
			l, block = block[:i], block[i+1:]
		} else {
			block = nil
		}
		l = bytes.TrimSpace(l)
		if len(l) == 0 {
			line++
			continue
		}
		kvs, err := sc.Scan(l)
		if err != nil {
			st.Skip(j.f, line, "invalid JSON", err.Error())
			line++
			continue
		}
		path := recordPath(kvs)
		if path == "" {
			path = j.defPath
		}
		lt := types[path]
		if lt == nil {
			if path == "" {
				path = "(unknown type)"
			}
			st.Ignored[path]++
			line++
			continue
		}
		if j.f.Skip.Has(lt.Kind()) {
			st.Read[path]++
			line++
			continue
		}
		p := parsers[path]
		if p == nil {
			p = lt.newParser()
			parsers[path] = p
		}
		if err := p.jsonRecord(kvs, j.f.Ref(line), sink); err != nil {
			st.Skip(j.f, line, path+": bad value", err.Error())
		} else {
			st.Read[path]++
		}
		line++
	}
}

// recordPath returns the log type a JSON record names (_path, or HELK's @stream).
func recordPath(kvs []jsonl.KV) string {
	for i := range kvs {
		switch str(kvs[i].Key) {
		case "_path", "@stream", "log_type":
			return normalizePath(kvs[i].Val)
		}
	}
	return ""
}

func normalizePath(v []byte) string {
	s := str(v)
	if _, ok := types[s]; ok {
		return s
	}
	// names like "zeek_conn" or "bro-dns"; never "smb_files" for files
	low := strings.ToLower(strings.ReplaceAll(s, "-", "_"))
	if p := knownSuffix(low); p != "" {
		return p
	}
	return strings.Clone(s)
}

// pathFromFields guesses a log type from the fields of a record.
func pathFromFields(kvs []jsonl.KV) string {
	has := func(name string) bool {
		for i := range kvs {
			k := str(kvs[i].Key)
			if k == name || strings.ReplaceAll(name, ".", "_") == k {
				return true
			}
		}
		return false
	}
	switch {
	case has("conn_state") || has("orig_bytes") && has("history"):
		return "conn"
	case has("method") && has("uri") || has("status_code") && has("user_agent"):
		return "http"
	case has("qtype") || has("query") && has("rcode"):
		return "dns"
	case has("cipher") || has("server_name") && has("established"):
		return "ssl"
	case has("fuid") && (has("mime_type") || has("seen_bytes")):
		return "files"
	case has("mailfrom") || has("rcptto"):
		return "smtp"
	case has("command") && has("reply_code"):
		return "ftp"
	case has("certificate.subject") || has("certificate.version"):
		return "x509"
	case has("note") && has("msg"):
		return "notice"
	}
	return ""
}

// ReadJSON reads a Zeek JSON log (one object a line).
func ReadJSON(ctx context.Context, r io.Reader, f source.FileInfo, st *source.Stats, emit func(source.Job) error) error {
	defPath := PathFromName(f.Name)
	firstBlock := true
	return source.Lines(r, source.BlockSize, source.MaxLine, func(block []byte, first uint32) (bool, error) {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if firstBlock {
			firstBlock = false
			if defPath == "" {
				// no type in the name: take it from the first record's fields
				l := block
				if i := bytes.IndexByte(l, '\n'); i >= 0 {
					l = l[:i]
				}
				var sc jsonl.Scanner
				if kvs, err := sc.Scan(bytes.TrimSpace(l)); err == nil {
					defPath = pathFromFields(kvs)
				}
			}
		}
		return true, emit(&jsonJob{defPath: defPath, block: block, first: first, f: f})
	}, func(line uint32, n int64) {
		st.Skip(f, line, "line too long", source.LongLineError(n, source.MaxLine))
	})
}
