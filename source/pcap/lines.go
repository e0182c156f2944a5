package pcap

import (
	"bytes"
	"encoding/base64"

	"github.com/sluice-hunt/sluice/event"
)

// maxLine is the longest line a line protocol's parser keeps; the rest of a longer line is
// counted, not kept.
const maxLine = 8 << 10

// lineBuf splits one direction of a line protocol (FTP, SMTP) into lines.
type lineBuf struct {
	buf    []byte
	ts     event.Time
	pkt    uint32
	length int // bytes of the current line so far, kept or not
}

// feed calls fn for each complete line in b (without its CR LF), with the time and packet of
// its first byte and its length on the wire (line end included).
func (l *lineBuf) feed(b []byte, p pos, fn func(line []byte, ts event.Time, pkt uint32, wire int)) {
	off := 0
	for off < len(b) {
		if l.length == 0 {
			l.ts, l.pkt = p.at(off)
		}
		i := bytes.IndexByte(b[off:], '\n')
		if i < 0 {
			rest := b[off:]
			l.length += len(rest)
			if room := maxLine - len(l.buf); room > 0 {
				l.buf = append(l.buf, rest[:min(len(rest), room)]...)
			}
			return
		}
		seg := b[off : off+i]
		line := seg
		if len(l.buf) > 0 || l.length > 0 {
			if room := maxLine - len(l.buf); room > 0 {
				l.buf = append(l.buf, seg[:min(len(seg), room)]...)
			}
			line = l.buf
		}
		wire := l.length + i + 1
		fn(bytes.TrimSuffix(line, []byte("\r")), l.ts, l.pkt, wire)
		l.buf, l.length = l.buf[:0], 0
		off += i + 1
	}
}

// pending returns what is left of an unfinished line.
func (l *lineBuf) pending() []byte { return l.buf }

func decodeBase64(b []byte) ([]byte, error) {
	out := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
	n, err := base64.StdEncoding.Decode(out, b)
	return out[:n], err
}
