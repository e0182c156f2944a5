// Package stream reads Splunk Stream HTTP events (sourcetype stream:http): the wire-data
// records that the Splunk Stream forwarder writes for each HTTP request/response pair it sees
// on the network. Each becomes an event.HTTP.
//
// # Shapes
//
// One JSON object a line, in any of three shapes (a file may mix them):
//
//  1. Stream's own event, as the forwarder sends it and as Splunk keeps it in _raw:
//     {"timestamp":"2021-04-21T18:12:31.123456Z","src_ip":"10.0.0.5","dest_ip":...}.
//     Numbers are JSON numbers.
//  2. Splunk's search export (the search REST API or CLI with output_mode=json):
//     {"preview":false,"offset":0,"result":{...the event's fields...}}. Values are strings
//     ("bytes_in":"177") and a field that holds several values is an array.
//  3. An event that carries the Stream JSON as a string in _raw, alone
//     ({"_time":"...","sourcetype":"stream:http","_raw":"{\"src_ip\":...}"}) or inside
//     result. The fields of _raw take precedence over the fields beside it, which only fill
//     in what _raw lacks (_time, sourcetype, host).
//
// Sniff claims a first record in any of these shapes: one that names a stream: sourcetype, or
// holds src_ip, dest_ip and an HTTP field (at the top, in result or in _raw). It never claims
// Zeek JSON ("ts" with "uid", "id.orig_h" or "_path") nor Suricata EVE ("event_type").
// Export lines that hold no result (preview, offset, lastrow, messages) are passed over.
//
// # Field mapping
//
// Stream's HTTP fields, with the event field each fills. Sources: the Splunk App for Stream
// protocol reference (the flow fields src_ip ... bytes_out, with bytes_in "the number of bytes
// sent from client to server", and time_taken in microseconds), the sample stream:http event
// of Splunk's detection content, and the fields its stream:http detections read (form_data,
// cs_content_type, uri_path, url).
//
//	Stream field          event.HTTP            notes
//	timestamp             Meta.TS               start of the request, ISO 8601 (µs); else _time
//	_time                 Meta.TS               Splunk's time: epoch seconds or ISO with an offset
//	flow_id               Meta.UID              the flow's id (a UUID)
//	host                  Meta.Sensor           Splunk's host: the capturing forwarder
//	src_ip, src_port      Flow.Src, SrcPort     the client (required: a record without is skipped)
//	dest_ip, dest_port    Flow.Dst, DstPort     the server (required)
//	http_method           Method
//	site                  Host                  the Host header; a ":port" is stripped
//	uri                   URI                   else uri_path, plus "?" and uri_query when set
//	url                   URL                   the full URL as Stream built it
//	http_referrer         Referrer
//	http_user_agent       UserAgent
//	status                StatusCode
//	http_comment          Version, StatusMsg    the status line: "HTTP/1.1 200 OK"
//	bytes_in              ReqBytes              bytes client to server (flow.cs-bytes)
//	bytes_out             RespBytes             bytes server to client (flow.sc-bytes)
//	form_data             Body                  the request body Stream captured, JSON-unescaped
//	cs_content_type       ContentType           the request's Content-Type header
//	sourcetype            -                     a record of another sourcetype is skipped
//
// Not mapped: bytes (bytes_in + bytes_out), time_taken, endtime, packets_*, src_mac/dest_mac,
// src_headers/dest_headers, and http_content_type and http_content_length, which describe the
// response (in Stream's sample event http_content_length is the reply's Content-Length), not
// what the client sent. No Stream field is known to hold the request body's length, so
// RequestBodyLen stays event.Unset, like ResponseBodyLen and TransDepth. Stream writes a field
// that repeats in a message (two User-Agent headers, the status of a 100 Continue and of the
// final reply) as an array: the first value is taken (status 100 then, not the final 201).
//
// # Problems
//
// A line that is not a JSON object (cut short, binary junk), a _raw that is not, a record
// without src_ip, dest_ip or a time, a value of the wrong type (a word where a number belongs)
// and a line longer than source.MaxLine are skipped and reported as file:line: reason.
//
// Strings in the events alias the read block (see package event): form_data and other
// escaped strings alias the scanner's unescaped copies, which are never reused.
package stream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
	"github.com/sluice-hunt/sluice/source/jsonl"
)

func init() {
	source.Register(source.Format{Name: "splunk-stream-http", Sniff: Sniff, Read: Read})
}

// logType is the log type events are counted under, as Zeek's http.log.
const logType = "http"

// The fields the reader uses.
type fieldID uint8

const (
	fNone fieldID = iota
	fSrcIP
	fSrcPort
	fDestIP
	fDestPort
	fMethod
	fUserAgent
	fURI
	fURIPath
	fURIQuery
	fURL
	fSite
	fStatus
	fComment
	fBytesIn
	fBytesOut
	fFormData
	fContentType
	fReferrer
	fTimestamp
	fTime
	fFlowID
	fHost
	fSourcetype
	fRaw
	numFields
)

var fieldNames = [numFields]string{
	fSrcIP: "src_ip", fSrcPort: "src_port", fDestIP: "dest_ip", fDestPort: "dest_port",
	fMethod: "http_method", fUserAgent: "http_user_agent", fURI: "uri", fURIPath: "uri_path",
	fURIQuery: "uri_query", fURL: "url", fSite: "site", fStatus: "status", fComment: "http_comment",
	fBytesIn: "bytes_in", fBytesOut: "bytes_out", fFormData: "form_data", fContentType: "cs_content_type",
	fReferrer: "http_referrer", fTimestamp: "timestamp", fTime: "_time", fFlowID: "flow_id",
	fHost: "host", fSourcetype: "sourcetype", fRaw: "_raw",
}

// lookup maps a key to the field it names.
func lookup(key string) fieldID {
	switch key {
	case "src_ip":
		return fSrcIP
	case "src_port":
		return fSrcPort
	case "dest_ip":
		return fDestIP
	case "dest_port":
		return fDestPort
	case "http_method":
		return fMethod
	case "http_user_agent":
		return fUserAgent
	case "uri":
		return fURI
	case "uri_path":
		return fURIPath
	case "uri_query":
		return fURIQuery
	case "url":
		return fURL
	case "site":
		return fSite
	case "status":
		return fStatus
	case "http_comment":
		return fComment
	case "bytes_in":
		return fBytesIn
	case "bytes_out":
		return fBytesOut
	case "form_data":
		return fFormData
	case "cs_content_type":
		return fContentType
	case "http_referrer":
		return fReferrer
	case "timestamp":
		return fTimestamp
	case "_time":
		return fTime
	case "flow_id":
		return fFlowID
	case "host":
		return fHost
	case "sourcetype":
		return fSourcetype
	case "_raw":
		return fRaw
	}
	return fNone
}

// exportMeta reports the keys of Splunk's export envelope that are not part of a record.
func exportMeta(key string) bool {
	switch key {
	case "preview", "offset", "init_offset", "lastrow":
		return true
	}
	return strings.HasPrefix(key, "messages")
}

const resultPrefix = "result."

// Sniff reports a first record in one of the shapes the package doc lists. Blank lines and
// the metadata lines of Splunk's export before it are passed over.
func Sniff(head []byte, _ string) bool {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	var sc jsonl.Scanner
	for n := 0; n < 8 && len(head) > 0; n++ {
		line := head
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line, head = line[:i], head[i+1:]
		} else {
			head = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if line[0] != '{' {
			return false
		}
		kvs, err := sc.Scan(line)
		if err != nil {
			// cut at the sniff size, or not quite JSON: judge by the text
			return sniffText(line)
		}
		if envelopeOnly(kvs) {
			continue
		}
		return sniffKVs(kvs, true)
	}
	return false
}

// envelopeOnly reports a line of Splunk's export that holds no result.
func envelopeOnly(kvs []jsonl.KV) bool {
	preview := false
	for i := range kvs {
		k := jsonl.Str(kvs[i].Key)
		if !exportMeta(k) {
			return false
		}
		preview = preview || k == "preview"
	}
	return preview
}

func sniffKVs(kvs []jsonl.KV, outer bool) bool {
	var has [numFields]bool
	var ts, zeek, eve, streamType bool
	var raw []byte
	for i := range kvs {
		k := strings.TrimPrefix(jsonl.Str(kvs[i].Key), resultPrefix)
		switch k {
		case "ts":
			ts = true
		case "uid", "id.orig_h", "id_orig_h", "_path":
			zeek = true
		case "event_type":
			eve = true
		}
		id := lookup(k)
		has[id] = true
		switch id {
		case fSourcetype:
			streamType = streamType || bytes.HasPrefix(kvs[i].First(), []byte("stream:"))
		case fRaw:
			raw = kvs[i].First()
		}
	}
	if ts && zeek || eve {
		return false
	}
	if streamType {
		return true
	}
	if has[fSrcIP] && has[fDestIP] && (has[fMethod] || has[fURIPath] || has[fURI] || has[fSite] || has[fUserAgent] || has[fURL]) {
		return true
	}
	if raw = bytes.TrimSpace(raw); outer && len(raw) > 0 && raw[0] == '{' {
		var sc jsonl.Scanner
		if inner, err := sc.Scan(raw); err == nil {
			return sniffKVs(inner, false)
		}
		return sniffText(raw)
	}
	return false
}

// sniffText judges a first line that does not scan (cut at the sniff size) by its text.
func sniffText(line []byte) bool {
	if bytes.Contains(line, []byte(`"ts":`)) && (bytes.Contains(line, []byte(`"uid":`)) || bytes.Contains(line, []byte(`"_path":`)) ||
		bytes.Contains(line, []byte(`"id.orig_h":`))) || bytes.Contains(line, []byte(`"event_type":`)) {
		return false
	}
	if bytes.Contains(line, []byte(`"sourcetype":"stream:`)) || bytes.Contains(line, []byte(`"sourcetype": "stream:`)) {
		return true
	}
	return bytes.Contains(line, []byte(`src_ip`)) && bytes.Contains(line, []byte(`dest_ip`)) &&
		(bytes.Contains(line, []byte(`http_method`)) || bytes.Contains(line, []byte(`uri_path`)))
}

// Read reads Splunk Stream HTTP events, one JSON object a line, in blocks of whole lines.
func Read(ctx context.Context, r io.Reader, f source.FileInfo, st *source.Stats, emit func(source.Job) error) error {
	return source.Lines(r, source.BlockSize, source.MaxLine, func(block []byte, first uint32) (bool, error) {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if f.Skip.Has(event.KindHTTP) { // no detection of the run reads HTTP: counted
			st.Read[logType] += int64(countRecords(block))
			return false, nil
		}
		return true, emit(&job{block: block, first: first, f: f})
	}, func(line uint32, n int64) {
		st.Skip(f, line, "line too long", source.LongLineError(n, source.MaxLine))
	})
}

// countRecords counts the lines of a block that hold something.
func countRecords(b []byte) int {
	n := 0
	for len(b) > 0 {
		l := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			l, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(bytes.TrimSpace(l)) > 0 {
			n++
		}
	}
	return n
}

// job parses a block of lines.
type job struct {
	block []byte
	first uint32
	f     source.FileInfo
}

func (j *job) Run(sink event.Sink, st *source.Stats) {
	var p parser
	line := j.first
	block := j.block
	var read int64
	for len(block) > 0 {
		l := block
		if i := bytes.IndexByte(block, '\n'); i >= 0 {
			l, block = block[:i], block[i+1:]
		} else {
			block = nil
		}
		l = bytes.TrimPrefix(bytes.TrimSpace(l), []byte("\xef\xbb\xbf"))
		if len(l) > 0 {
			switch reason, msg := p.record(l, j.f.Ref(line), sink); reason {
			case "":
				read++
			case passOver:
			default:
				st.Skip(j.f, line, reason, msg)
			}
		}
		line++
	}
	st.Read[logType] += read
}

// passOver is the reason record returns for a line that holds no record (export metadata).
const passOver = "-"

// parser turns lines into events, reusing its scanners and event.
type parser struct {
	outer, inner jsonl.Scanner
	v            [numFields]*jsonl.KV
	e            event.HTTP
}

var blank = event.HTTP{TransDepth: event.Unset, RequestBodyLen: event.Unset, ResponseBodyLen: event.Unset,
	StatusCode: event.Unset, ReqBytes: event.Unset, RespBytes: event.Unset}

// record parses one line and hands its event to sink. It returns "" when it did, passOver for
// a line that holds no record, or the reason and message of a problem.
func (p *parser) record(line []byte, ref event.Ref, sink event.Sink) (reason, msg string) {
	kvs, err := p.outer.Scan(line)
	if err != nil {
		return "invalid JSON", err.Error()
	}
	p.v = [numFields]*jsonl.KV{}
	content := false
	for i := range kvs {
		k := jsonl.Str(kvs[i].Key)
		if len(k) > len(resultPrefix) && k[:len(resultPrefix)] == resultPrefix {
			k = k[len(resultPrefix):]
		} else if exportMeta(k) {
			continue
		}
		content = true
		if id := lookup(k); id != fNone {
			p.v[id] = &kvs[i]
		}
	}
	if !content {
		return passOver, ""
	}
	if x := p.v[fRaw]; x != nil {
		if raw := bytes.TrimSpace(x.First()); len(raw) > 0 && raw[0] == '{' {
			inner, err := p.inner.Scan(raw)
			if err != nil {
				return "invalid JSON", "_raw: " + err.Error()
			}
			for i := range inner {
				if id := lookup(jsonl.Str(inner[i].Key)); id != fNone && id != fRaw {
					p.v[id] = &inner[i]
				}
			}
		}
	}
	if st := p.first(fSourcetype); len(st) > 0 && jsonl.Str(st) != "stream:http" {
		return "not stream:http", fmt.Sprintf("sourcetype %q is not stream:http", truncate(st, 60))
	}
	if err := p.fill(ref); err != nil {
		var m missing
		if errors.As(err, &m) {
			return logType + ": no " + string(m), err.Error()
		}
		return logType + ": bad value", err.Error()
	}
	sink.HTTP(&p.e)
	return "", ""
}

// missing is the error for a required field a record lacks.
type missing string

func (m missing) Error() string { return "no " + string(m) }

// first returns the text of a field (the first value of an array), nil when absent.
func (p *parser) first(id fieldID) []byte {
	if x := p.v[id]; x != nil {
		return x.First()
	}
	return nil
}

func (p *parser) str(id fieldID) string { return jsonl.Str(p.first(id)) }

// fill sets the event from the fields found.
func (p *parser) fill(ref event.Ref) error {
	e := &p.e
	*e = blank
	e.Ref = ref
	var err error
	if e.Src, err = p.addr(fSrcIP); err != nil {
		return err
	}
	if e.Dst, err = p.addr(fDestIP); err != nil {
		return err
	}
	if e.SrcPort, err = p.port(fSrcPort); err != nil {
		return err
	}
	if e.DstPort, err = p.port(fDestPort); err != nil {
		return err
	}
	switch {
	case len(p.first(fTimestamp)) > 0:
		e.TS, err = jsonl.ParseTime(p.first(fTimestamp))
		err = p.wrap(fTimestamp, err)
	case len(p.first(fTime)) > 0:
		e.TS, err = jsonl.ParseTime(p.first(fTime))
		err = p.wrap(fTime, err)
	default:
		err = missing("timestamp or _time")
	}
	if err != nil {
		return err
	}
	if e.StatusCode, err = p.int(fStatus); err != nil {
		return err
	}
	if e.ReqBytes, err = p.int(fBytesIn); err != nil {
		return err
	}
	if e.RespBytes, err = p.int(fBytesOut); err != nil {
		return err
	}
	e.UID = p.str(fFlowID)
	e.Sensor = p.str(fHost)
	e.Method = method(p.first(fMethod))
	e.Host = stripPort(p.str(fSite))
	e.URI = p.uri()
	e.URL = p.str(fURL)
	e.Referrer = p.str(fReferrer)
	e.UserAgent = p.str(fUserAgent)
	e.Body = p.str(fFormData)
	e.ContentType = p.str(fContentType)
	e.Version, e.StatusMsg = statusLine(p.first(fComment))
	return nil
}

func (p *parser) wrap(id fieldID, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, jsonl.ErrNumber) || errors.Is(err, jsonl.ErrRange) {
		return fmt.Errorf("field %s: %w: %q", fieldNames[id], err, truncate(p.first(id), 60))
	}
	return fmt.Errorf("field %s: %w", fieldNames[id], err)
}

func (p *parser) addr(id fieldID) (netip.Addr, error) {
	v := p.first(id)
	if len(v) == 0 {
		return netip.Addr{}, missing(fieldNames[id])
	}
	a, err := jsonl.ParseAddr(v)
	return a, p.wrap(id, err)
}

func (p *parser) port(id fieldID) (uint16, error) {
	v := p.first(id)
	if len(v) == 0 {
		return 0, nil
	}
	n, err := jsonl.ParsePort(v)
	return n, p.wrap(id, err)
}

// int reads a count; an absent or empty field is event.Unset.
func (p *parser) int(id fieldID) (int64, error) {
	v := p.first(id)
	if len(v) == 0 {
		return event.Unset, nil
	}
	n, err := jsonl.ParseInt(v)
	if err != nil {
		return event.Unset, p.wrap(id, err)
	}
	return n, nil
}

// uri returns uri, else uri_path with uri_query.
func (p *parser) uri() string {
	if u := p.first(fURI); len(u) > 0 {
		return jsonl.Str(u)
	}
	path, query := p.first(fURIPath), p.first(fURIQuery)
	if len(query) == 0 {
		return jsonl.Str(path)
	}
	if query[0] == '?' {
		query = query[1:]
	}
	return string(path) + "?" + string(query)
}

// method returns a shared copy of the common methods, a view of v otherwise.
func method(v []byte) string {
	switch jsonl.Str(v) {
	case "GET":
		return "GET"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "HEAD":
		return "HEAD"
	case "OPTIONS":
		return "OPTIONS"
	case "DELETE":
		return "DELETE"
	case "CONNECT":
		return "CONNECT"
	case "PATCH":
		return "PATCH"
	}
	return jsonl.Str(v)
}

// stripPort drops a ":port" from a Host header value ("example.com:8080", "[2001:db8::1]:80"),
// and leaves a bare IPv6 address alone.
func stripPort(h string) string {
	i := strings.LastIndexByte(h, ':')
	if i < 0 || i == len(h)-1 {
		return h
	}
	for _, c := range h[i+1:] {
		if c < '0' || c > '9' {
			return h
		}
	}
	if strings.IndexByte(h[:i], ':') >= 0 && !strings.HasSuffix(h[:i], "]") {
		return h // a bare IPv6 address
	}
	return h[:i]
}

// statusLine splits "HTTP/1.1 200 OK" into the version ("1.1") and the message ("OK").
func statusLine(v []byte) (version, msg string) {
	s := jsonl.Str(v)
	rest, ok := strings.CutPrefix(s, "HTTP/")
	if !ok {
		return "", ""
	}
	version, rest, _ = strings.Cut(rest, " ")
	switch version { // shared copies, as for methods
	case "1.1":
		version = "1.1"
	case "1.0":
		version = "1.0"
	case "2":
		version = "2"
	}
	_, msg, _ = strings.Cut(rest, " ")
	return version, msg
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
