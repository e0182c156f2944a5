// Package squid reads the access.log of the Squid forward proxy, in the three log formats
// Squid has built in, into event.HTTP records.
//
// # Formats
//
// The native format (logformat squid, Squid's default):
//
//	%ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt
//	1286536309.450     14 192.168.0.224 TCP_MISS/200 4563 GET http://www.example.com/index.html - HIER_DIRECT/93.184.216.34 text/html
//
// That is: the time the line was written (epoch seconds and milliseconds); the response time
// in milliseconds, padded to six places (fields are separated by one or more spaces); the
// client address; the result code (%Ss: TCP_MISS, TCP_HIT, TCP_TUNNEL, TCP_DENIED,
// TCP_MISS_ABORTED, NONE ...) and the HTTP status sent to the client (%>Hs, three digits; 000
// when there was none); the size of the reply including its headers (%<st); the method; the
// request URL (%ru; host:port for CONNECT; by default Squid strips the query terms, see
// strip_query_terms); the user name or "-"; the hierarchy code (%Sh: HIER_DIRECT, or DIRECT
// before Squid 3; FIRSTUP_PARENT, HIER_NONE ...) with the address of the server or peer Squid
// forwarded to ("-" when none); the content type of the reply (%mt, without parameters; "-"
// when unknown). A user name may hold spaces: Squid does not encode them, so the name runs to
// the field that looks like a hierarchy code. Many deployments append quoted request headers
// to this format, usually "%{Referer}>h" "%{User-Agent}>h" (in either order: a field starting
// with http:// or https:// is taken for the referrer).
//
// The common format (Apache's CLF with Squid's codes at the end) and the combined format
// (the same with the referrer and user agent):
//
//	%>a %[ui %[un [%tl] "%rm %ru HTTP/%rv" %>Hs %<st %Ss:%Sh
//	%>a %[ui %[un [%tl] "%rm %ru HTTP/%rv" %>Hs %<st "%{Referer}>h" "%{User-Agent}>h" %Ss:%Sh
//	192.168.0.224 - alice [08/Oct/2010:10:31:49 +0200] "GET http://www.example.com/ HTTP/1.1" 200 4563 "-" "Mozilla/5.0 ..." TCP_MISS:HIER_DIRECT
//
// That is: the client address, the ident and user names ("-" when unknown), the local time
// with its zone (one-second resolution), the request line, the status, the reply size, the
// quoted headers, and the result and hierarchy codes. Lines without the %Ss:%Sh tail (Squid
// 2's emulate_httpd_log) are read too. Each line is read as native or common/combined on its
// own (native lines start with the epoch time, the others with an address), so a file whose
// logformat changed midway reads whole. With log_mime_hdrs on, every format ends with the
// request's and the reply's headers in brackets; the user agent and the referrer are taken
// from the request's when no quoted field gives them.
//
// # Escaping
//
// The built-in combined format writes header values as they came, quotes included; a quoted
// field therefore ends at the first unescaped quote that is followed by what may follow it
// (another quoted field, the %Ss:%Sh tail, a header block or the end of the line). Header
// codes in a logformat line of one's own are encoded: by default with Squid's "pass-through
// URL encoding" (spaces, quotes and other unsafe characters as %XX, '%' itself left as is),
// with %"{User-Agent}>h as a quoted string (\" and \\). The user agent is decoded from both
// (only the %XX that stand for a byte Squid would have encoded, so a literal "%41" stays);
// the referrer keeps its %XX, which are mostly the URL's own, and loses only backslash
// escapes. User names lose Squid's %XX and \\ encoding.
//
// # Mapping
//
// Every line becomes an event.HTTP: Meta.TS the time logged (the end of the transaction,
// microseconds), Src the client, Dst the server address after HIER_DIRECT/ (DIRECT/,
// CLOSEST_DIRECT/, ORIGINAL_DST/) when it is an IP address (a parent cache's address is not
// the destination), DstPort the port of the URL (the scheme's default when it names none; the
// port of CONNECT's host:port), Method (empty for NONE and "-": no request was read), Host (from the URL, without port or IPv6 brackets),
// URI (the path and query of the URL; CONNECT's host:port), URL (as logged), Version (from
// the common and combined request line), StatusCode (unset for 000), RespBytes (%<st),
// Username (unless "-"), Referrer and UserAgent (when logged, "-" being empty), Action (%Ss)
// and RespMimeTypes (%mt as a one-element list, unless "-"). RequestBodyLen, ResponseBodyLen,
// ReqBytes and TransDepth are unset; ContentType (the request's) stays empty. The strings of
// an event view the read block, as package event allows.
//
// # Sniffing
//
// A file is Squid's when its first non-blank lines (up to three; two of three suffice) read
// as one of these formats; a common/combined line must also show that a proxy wrote it (the
// %Ss:%Sh tail, an absolute URL or a CONNECT), so that a web server's own access log is left
// to whatever reads those.
package squid

import (
	"bytes"
	"context"
	"io"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

func init() {
	source.Register(source.Format{Name: "squid", Sniff: Sniff, Read: Read})
}

// logType is the key under which records are counted (the summary's "http").
const logType = "http"

// Sniff reports whether the leading bytes of an input are a Squid access log.
func Sniff(head []byte, _ string) bool {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if len(head) >= source.SniffSize {
		// the last line may be cut: leave it out
		if k := bytes.LastIndexByte(head, '\n'); k >= 0 {
			head = head[:k+1]
		}
	}
	var p parser
	lines, ok := 0, 0
	for len(head) > 0 && lines < 3 {
		l := head
		if k := bytes.IndexByte(head, '\n'); k >= 0 {
			l, head = head[:k], head[k+1:]
		} else {
			head = nil
		}
		l = trimLine(l)
		if len(l) == 0 {
			continue
		}
		lines++
		if p.parse(l, event.Ref{}) == nil && p.proxy {
			ok++
		}
	}
	return lines > 0 && (ok == lines || lines == 3 && ok == 2)
}

// trimLine drops a line's trailing CR and spaces.
func trimLine(l []byte) []byte {
	for len(l) > 0 {
		switch l[len(l)-1] {
		case '\r', ' ', '\t':
			l = l[:len(l)-1]
			continue
		}
		break
	}
	return l
}

// Read reads a Squid access log: blocks of whole lines go to jobs that parse them in parallel.
func Read(ctx context.Context, r io.Reader, f source.FileInfo, st *source.Stats, emit func(source.Job) error) error {
	skip := f.Skip.Has(event.KindHTTP)
	return source.Lines(r, source.BlockSize, source.MaxLine, func(block []byte, first uint32) (bool, error) {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if skip { // no detection of the run reads HTTP: count the records
			st.Read[logType] += countRecords(block)
			return false, nil
		}
		return true, emit(&job{block: block, first: first, f: f})
	}, func(line uint32, n int64) {
		st.Skip(f, line, "line too long", source.LongLineError(n, source.MaxLine))
	})
}

// countRecords counts the non-blank lines of a block.
func countRecords(b []byte) int64 {
	var n int64
	for len(b) > 0 {
		l := b
		if k := bytes.IndexByte(b, '\n'); k >= 0 {
			l, b = b[:k], b[k+1:]
		} else {
			b = nil
		}
		if len(trimLine(l)) > 0 {
			n++
		}
	}
	return n
}

// job parses one block of lines.
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
		if k := bytes.IndexByte(block, '\n'); k >= 0 {
			l, block = block[:k], block[k+1:]
		} else {
			block = nil
		}
		if l = trimLine(l); len(l) > 0 {
			if err := p.parse(l, j.f.Ref(line)); err != nil {
				st.Skip(j.f, line, "squid: "+err.reason, err.msg)
			} else {
				sink.HTTP(&p.e)
				read++
			}
		}
		line++
	}
	st.Read[logType] += read
}
