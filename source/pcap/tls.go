package pcap

import (
	"errors"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/tlshello"
)

// maxHello is how much of each direction is kept to read the hellos (and, from the server,
// the key exchange that follows the certificates).
const maxHello = 16 << 10

// recWalker follows the TLS record layer of one direction without keeping its bytes.
type recWalker struct {
	hdr    [5]byte
	nh     int
	remain int
	dead   bool
	ccs    bool // a ChangeCipherSpec record was sent
	app    bool // an application data record was sent
}

func (w *recWalker) walk(b []byte) {
	for len(b) > 0 && !w.dead {
		if w.remain > 0 {
			n := min(w.remain, len(b))
			w.remain -= n
			b = b[n:]
			continue
		}
		n := copy(w.hdr[w.nh:], b)
		w.nh += n
		b = b[n:]
		if w.nh < 5 {
			return
		}
		w.nh = 0
		switch w.hdr[0] {
		case 20:
			w.ccs = true
		case 23:
			w.app = true
		case 21, 22, 24:
		default:
			w.dead = true // not a record: out of sync
			return
		}
		w.remain = int(be16(w.hdr[3:5]))
	}
}

// tlsApp reads a TLS session's hellos (Zeek ssl.log).
type tlsApp struct {
	s     *tcpSession
	buf   [2][]byte
	done  [2]bool
	ch    *tlshello.ClientHello
	sh    *tlshello.ServerHello
	ts    event.Time
	pkt   uint32
	tsSet bool
	rec   [2]recWalker
}

func newTLS(s *tcpSession) *tlsApp { return &tlsApp{s: s} }

func (a *tlsApp) gap(orig bool) {
	di := dirIndex(orig)
	a.done[di] = true
	a.rec[di].dead = true
}

func (a *tlsApp) data(orig bool, b []byte, p pos) {
	di := dirIndex(orig)
	if !a.tsSet {
		a.ts, a.pkt = p.at(0)
		a.tsSet = true
	}
	a.rec[di].walk(b)
	if a.done[di] && (di == 0 || a.sh == nil || a.sh.Curve != 0 || len(a.buf[1]) >= maxHello) {
		return
	}
	room := maxHello - len(a.buf[di])
	a.buf[di] = append(a.buf[di], b[:min(room, len(b))]...)
	if a.done[di] {
		return
	}
	var err error
	if orig {
		a.ch, err = tlshello.ParseClientHello(a.buf[0])
	} else {
		a.sh, err = tlshello.ParseServerHello(a.buf[1])
	}
	switch {
	case errors.Is(err, tlshello.ErrShort) && len(a.buf[di]) < maxHello:
		return
	case err != nil:
		a.done[di] = true
		a.buf[di] = nil
	default:
		a.done[di] = true
		if orig {
			a.buf[0] = nil
		}
	}
}

func (a *tlsApp) end() {
	if a.sh != nil && a.sh.Curve == 0 && len(a.buf[1]) > 0 {
		if sh, err := tlshello.ParseServerHello(a.buf[1]); err == nil {
			a.sh = sh
		}
	}
	if a.ch == nil && a.sh == nil {
		return
	}
	f := a.s.f
	e := event.TLS{
		Meta: event.Meta{Ref: a.s.t.f.Ref(a.pkt), TS: a.ts, UID: f.uid},
		Flow: event.Flow{Src: f.orig, SrcPort: f.origPort, Dst: f.resp, DstPort: f.respPort},
	}
	if a.ch != nil {
		e.ServerName = a.ch.ServerName
		_, e.JA3 = a.ch.JA3()
		e.JA4 = a.ch.JA4()
	}
	if a.sh != nil {
		e.Version = tlshello.VersionName(a.sh.NegotiatedVersion())
		e.Cipher = tlshello.CipherName(a.sh.CipherSuite)
		if a.sh.Curve != 0 {
			e.Curve = tlshello.CurveName(a.sh.Curve)
		}
		e.NextProtocol = a.sh.ALPN
		_, e.JA3S = a.sh.JA3S()
		c, s := &a.rec[0], &a.rec[1]
		e.Established = (c.ccs || c.app) && (s.ccs || s.app)
	}
	a.s.t.out.TLS(&e)
}
