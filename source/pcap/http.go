package pcap

import (
	"bytes"
	"strconv"

	"github.com/sluice-hunt/sluice/event"
)

// HTTP message parsing states of one direction.
const (
	hHead = iota
	hBody
	hChunkSize
	hChunkData
	hChunkEnd
	hTrailer
	hUntilClose
	hDead
)

// maxHead is the longest header block read; a longer one stops the direction's parsing.
const maxHead = 32 << 10

// maxPending bounds the requests waiting for their responses (pipelining).
const maxPending = 64

// httpTx is one request and its response.
type httpTx struct {
	ev   event.HTTP
	body []byte
	head bool // a HEAD request: its response has no body
	conn bool // a CONNECT request
}

// httpHalf parses the messages of one direction.
type httpHalf struct {
	state   int
	head    []byte
	headPos pos
	headAt  [2]uint64 // time and packet of the message's first byte
	remain  int64
	line    []byte
	tx      *httpTx // the message being read
	bodyLen int64
}

// httpApp pairs the requests of a session with their responses (Zeek http.log: one record a
// request, its response's status and body length added).
type httpApp struct {
	s       *tcpSession
	half    [2]httpHalf
	pending []*httpTx
	depth   int64
}

func newHTTP(s *tcpSession) *httpApp { return &httpApp{s: s} }

func (a *httpApp) gap(orig bool) {
	h := &a.half[dirIndex(orig)]
	if h.state == hUntilClose {
		return
	}
	if !orig && h.tx != nil {
		a.complete(h) // the response's end is lost: report what was read
	}
	h.state = hDead
}

func dirIndex(orig bool) int {
	if orig {
		return 0
	}
	return 1
}

func (a *httpApp) data(orig bool, b []byte, p pos) {
	h := &a.half[dirIndex(orig)]
	for len(b) > 0 {
		switch h.state {
		case hDead:
			return
		case hHead:
			if len(h.head) == 0 {
				// Skip the blank lines that may precede a message (RFC 9112 2.2).
				i := 0
				for i < len(b) && (b[i] == '\r' || b[i] == '\n') {
					i++
				}
				b, p = b[i:], p.advance(i)
				if len(b) == 0 {
					return
				}
				ts, pkt := p.at(0)
				h.headAt = [2]uint64{uint64(ts), uint64(pkt)}
			}
			start := max(0, len(h.head)-3)
			h.head = append(h.head, b...)
			end, n := headEnd(h.head[start:])
			if end < 0 {
				if len(h.head) > maxHead {
					h.state = hDead
					h.head = nil
				}
				return
			}
			end += start
			used := end + n - (len(h.head) - len(b))
			block := h.head[:end]
			b, p = b[used:], p.advance(used)
			if orig {
				a.request(h, block)
			} else {
				a.response(h, block)
			}
			h.head = h.head[:0]
		case hBody, hChunkData:
			n := int(min(int64(len(b)), h.remain))
			a.body(h, orig, b[:n])
			b, p = b[n:], p.advance(n)
			h.remain -= int64(n)
			if h.remain == 0 {
				if h.state == hBody {
					a.done(h, orig)
				} else {
					h.state = hChunkEnd
				}
			}
		case hChunkSize, hChunkEnd, hTrailer:
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				if len(h.line)+len(b) > 4096 {
					h.state = hDead
					return
				}
				h.line = append(h.line, b...)
				return
			}
			line := b[:i]
			if len(h.line) > 0 {
				line = append(h.line, line...)
			}
			b, p = b[i+1:], p.advance(i+1)
			h.line = h.line[:0]
			line = bytes.TrimRight(line, "\r")
			switch h.state {
			case hChunkEnd:
				h.state = hChunkSize
			case hChunkSize:
				if j := bytes.IndexByte(line, ';'); j >= 0 {
					line = line[:j]
				}
				size, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
				if err != nil || size < 0 {
					if !orig {
						a.complete(h)
					}
					h.state = hDead
					return
				}
				if size == 0 {
					h.state = hTrailer
				} else {
					h.remain, h.state = size, hChunkData
				}
			case hTrailer:
				if len(line) == 0 {
					a.done(h, orig)
				}
			}
		case hUntilClose:
			a.body(h, orig, b)
			return
		}
	}
}

// headEnd finds the blank line that ends a header block: its index and length.
func headEnd(b []byte) (int, int) {
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		if j := bytes.Index(b, []byte("\n\n")); j >= 0 && j < i {
			return j, 2
		}
		return i, 4
	}
	if j := bytes.Index(b, []byte("\n\n")); j >= 0 {
		return j, 2
	}
	return -1, 0
}

func (a *httpApp) body(h *httpHalf, orig bool, b []byte) {
	h.bodyLen += int64(len(b))
	if orig && h.tx != nil {
		if room := a.s.t.opt.BodyBytes - len(h.tx.body); room > 0 {
			h.tx.body = append(h.tx.body, b[:min(len(b), room)]...)
		}
	}
}

// header iterates over the header lines of a block after its first line.
func headers(block []byte, fn func(name, value []byte)) []byte {
	first := firstLine(block)
	rest := block[min(len(block), len(first)+1):]
	if len(rest) > 0 && rest[0] == '\n' {
		rest = rest[1:]
	}
	var name, value []byte
	flush := func() {
		if name != nil {
			fn(name, bytes.TrimSpace(value))
		}
		name, value = nil, nil
	}
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		line := rest
		if i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') && name != nil { // obsolete folding
			value = append(append(bytes.Clone(value), ' '), bytes.TrimSpace(line)...)
			continue
		}
		flush()
		if c := bytes.IndexByte(line, ':'); c > 0 {
			name, value = bytes.TrimSpace(line[:c]), line[c+1:]
		}
	}
	flush()
	return first
}

// proxiedHeaders are the request headers Zeek lists in http.log's proxied field.
var proxiedHeaders = []string{"FORWARDED", "X-FORWARDED-FOR", "X-FORWARDED-FROM", "CLIENT-IP", "VIA", "XROXY-CONNECTION", "PROXY-CONNECTION"}

func (a *httpApp) request(h *httpHalf, block []byte) {
	f := a.s.f
	a.depth++
	tx := &httpTx{}
	e := &tx.ev
	e.Meta = event.Meta{Ref: a.s.t.f.Ref(uint32(h.headAt[1])), TS: event.Time(h.headAt[0]), UID: f.uid}
	e.Flow = event.Flow{Src: f.orig, SrcPort: f.origPort, Dst: f.resp, DstPort: f.respPort}
	e.TransDepth = a.depth
	e.RequestBodyLen, e.ResponseBodyLen, e.StatusCode = 0, 0, event.Unset
	e.ReqBytes, e.RespBytes = event.Unset, event.Unset
	var clen int64 = -1
	chunked := false
	line := headers(block, func(name, value []byte) {
		switch {
		case bytes.EqualFold(name, []byte("Host")):
			e.Host = string(value)
		case bytes.EqualFold(name, []byte("User-Agent")):
			e.UserAgent = string(value)
		case bytes.EqualFold(name, []byte("Referer")):
			e.Referrer = string(value)
		case bytes.EqualFold(name, []byte("Origin")):
			e.Origin = string(value)
		case bytes.EqualFold(name, []byte("Content-Type")):
			e.ContentType = string(value)
		case bytes.EqualFold(name, []byte("Content-Length")):
			if n, err := strconv.ParseInt(string(value), 10, 64); err == nil && n >= 0 {
				clen = n
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.Contains(bytes.ToLower(value), []byte("chunked"))
		case bytes.EqualFold(name, []byte("Authorization")):
			if u := basicUser(value); u != "" {
				e.Username = u
			}
		default:
			for _, p := range proxiedHeaders {
				if bytes.EqualFold(name, []byte(p)) {
					e.Proxied = append(e.Proxied, p+" -> "+string(value))
				}
			}
		}
	})
	parts := bytes.SplitN(line, []byte(" "), 3)
	e.Method = string(parts[0])
	if len(parts) > 1 {
		e.URI = string(parts[1])
	}
	if len(parts) > 2 {
		e.Version = string(bytes.TrimPrefix(bytes.TrimSpace(parts[2]), []byte("HTTP/")))
	}
	tx.head = e.Method == "HEAD"
	tx.conn = e.Method == "CONNECT"
	h.tx, h.bodyLen = tx, 0
	switch {
	case chunked:
		h.state = hChunkSize
	case clen > 0:
		h.state, h.remain = hBody, clen
	default:
		a.done(h, true)
	}
}

func basicUser(v []byte) string {
	if !hasPrefixFold(v, "Basic ") {
		return ""
	}
	dec, err := decodeBase64(bytes.TrimSpace(v[6:]))
	if err != nil {
		return ""
	}
	if i := bytes.IndexByte(dec, ':'); i >= 0 {
		return string(dec[:i])
	}
	return ""
}

func (a *httpApp) response(h *httpHalf, block []byte) {
	var clen int64 = -1
	chunked := false
	line := headers(block, func(name, value []byte) {
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if n, err := strconv.ParseInt(string(value), 10, 64); err == nil && n >= 0 {
				clen = n
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.Contains(bytes.ToLower(value), []byte("chunked"))
		}
	})
	parts := bytes.SplitN(line, []byte(" "), 3)
	code := int64(event.Unset)
	if len(parts) > 1 {
		if n, err := strconv.ParseInt(string(parts[1]), 10, 64); err == nil {
			code = n
		}
	}
	if !bytes.HasPrefix(parts[0], []byte("HTTP/")) || code < 0 {
		h.state = hDead // not a response: out of sync
		return
	}
	if code >= 100 && code < 200 && code != 101 {
		return // an interim response: the final one follows
	}
	var tx *httpTx
	if len(a.pending) > 0 {
		tx = a.pending[0]
		a.pending = a.pending[1:]
	} else {
		tx = &httpTx{}
		f := a.s.f
		a.depth++
		tx.ev.Meta = event.Meta{Ref: a.s.t.f.Ref(uint32(h.headAt[1])), TS: event.Time(h.headAt[0]), UID: f.uid}
		tx.ev.Flow = event.Flow{Src: f.orig, SrcPort: f.origPort, Dst: f.resp, DstPort: f.respPort}
		tx.ev.TransDepth = a.depth
		tx.ev.ReqBytes, tx.ev.RespBytes = event.Unset, event.Unset
	}
	tx.ev.StatusCode = code
	if len(parts) > 2 {
		tx.ev.StatusMsg = string(bytes.TrimSpace(parts[2]))
	}
	if tx.ev.Version == "" {
		tx.ev.Version = string(bytes.TrimPrefix(parts[0], []byte("HTTP/")))
	}
	h.tx, h.bodyLen = tx, 0
	switch {
	case code == 101 || tx.conn && code >= 200 && code < 300:
		a.complete(h)
		a.half[0].state, a.half[1].state = hDead, hDead // the connection leaves HTTP
	case tx.head || code == 204 || code == 304:
		a.done(h, false)
	case chunked:
		h.state = hChunkSize
	case clen > 0:
		h.state, h.remain = hBody, clen
	case clen == 0:
		a.done(h, false)
	default:
		h.state = hUntilClose
	}
}

// done ends the message of a direction.
func (a *httpApp) done(h *httpHalf, orig bool) {
	h.state = hHead
	if orig {
		tx := h.tx
		h.tx = nil
		if tx == nil {
			return
		}
		tx.ev.RequestBodyLen = h.bodyLen
		if len(a.pending) >= maxPending {
			a.emit(a.pending[0])
			a.pending = a.pending[1:]
		}
		a.pending = append(a.pending, tx)
		return
	}
	a.complete(h)
}

// complete reports the request whose response the direction has read.
func (a *httpApp) complete(h *httpHalf) {
	tx := h.tx
	h.tx = nil
	if tx == nil {
		return
	}
	tx.ev.ResponseBodyLen = h.bodyLen
	a.emit(tx)
}

func (a *httpApp) emit(tx *httpTx) {
	if len(tx.body) > 0 {
		tx.ev.Body = string(tx.body)
	}
	a.s.t.out.HTTP(&tx.ev)
}

func (a *httpApp) end() {
	req, resp := &a.half[0], &a.half[1]
	if resp.tx != nil {
		a.complete(resp)
	}
	if req.tx != nil { // a request cut short
		req.tx.ev.RequestBodyLen = req.bodyLen
		a.pending = append(a.pending, req.tx)
		req.tx = nil
	}
	for _, tx := range a.pending {
		a.emit(tx)
	}
	a.pending = nil
}
