package pcap

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/sluice-hunt/sluice/event"
)

// dnsQuery is a query waiting for its response.
type dnsQuery struct {
	ev event.DNS
}

// dnsFlow pairs the queries of a flow with their responses (Zeek dns.log: one record a
// query, the response's answers added).
type dnsFlow struct {
	pending map[uint16]*dnsQuery
	order   []uint16
	msg     layers.DNS
	// TCP framing.
	buf [2][]byte
}

const maxPendingDNS = 256

func (d *dnsFlow) finish(t *tracker, f *flow) {
	for _, id := range d.order {
		if q := d.pending[id]; q != nil {
			t.out.DNS(&q.ev)
		}
	}
	d.pending, d.order = nil, nil
}

// udpPacket looks for DNS in a UDP flow, whatever the port.
func (t *tracker) udpPacket(f *flow, p *packet, orig bool) {
	if len(p.payload) == 0 {
		return
	}
	if f.service != "" && f.service != "dns" {
		return
	}
	if f.dns == nil {
		if !(t.apps.dns || t.apps.ident) || f.d[0].pkts+f.d[1].pkts > 2 && f.service == "" {
			return // not DNS from its first packets
		}
		f.dns = &dnsFlow{}
	}
	d := f.dns
	if err := d.msg.DecodeFromBytes(p.payload, gopacket.NilDecodeFeedback); err != nil || !plausibleDNS(&d.msg) {
		if f.service == "" {
			f.dns = nil
		}
		return
	}
	f.service = "dns"
	if !t.apps.dns {
		return
	}
	d.message(t, f, &d.msg, p.ts, p.n, "udp")
}

// plausibleDNS tells DNS from other UDP that happens to decode: a standard query or response
// with one question.
func plausibleDNS(m *layers.DNS) bool {
	return m.OpCode == layers.DNSOpCodeQuery && len(m.Questions) == 1 && m.Z == 0 && len(m.Questions[0].Name) > 0 &&
		(m.QR || len(m.Answers) == 0)
}

func (d *dnsFlow) message(t *tracker, f *flow, m *layers.DNS, ts event.Time, pkt uint32, proto string) {
	if d.pending == nil {
		d.pending = map[uint16]*dnsQuery{}
	}
	if !m.QR {
		if old := d.pending[m.ID]; old != nil { // the id used again: the earlier went unanswered
			t.out.DNS(&old.ev)
			delete(d.pending, m.ID)
		}
		if len(d.pending) >= maxPendingDNS {
			d.flushOldest(t)
		}
		q := &dnsQuery{}
		q.ev = event.DNS{
			Meta:  event.Meta{Ref: t.f.Ref(pkt), TS: ts, UID: f.uid},
			Flow:  event.Flow{Src: f.orig, SrcPort: f.origPort, Dst: f.resp, DstPort: f.respPort},
			Proto: proto, TransID: int64(m.ID), RTT: event.Unset,
			RCode: event.Unset, RD: m.RD,
		}
		question(&q.ev, m)
		d.pending[m.ID] = q
		d.order = append(d.order, m.ID)
		return
	}
	q := d.pending[m.ID]
	var e *event.DNS
	if q != nil {
		delete(d.pending, m.ID)
		e = &q.ev
		e.RTT = event.Duration(ts - e.TS)
	} else {
		e = &event.DNS{
			Meta:  event.Meta{Ref: t.f.Ref(pkt), TS: ts, UID: f.uid},
			Flow:  event.Flow{Src: f.orig, SrcPort: f.origPort, Dst: f.resp, DstPort: f.respPort},
			Proto: proto, TransID: int64(m.ID), RTT: event.Unset, RD: m.RD,
		}
		question(e, m)
	}
	e.RCode = int64(m.ResponseCode)
	e.RCodeName = rcodeName(m.ResponseCode)
	e.AA, e.TC, e.RA = m.AA, m.TC, m.RA
	for i := range m.Answers {
		a := &m.Answers[i]
		if v := answerText(a); v != "" {
			e.Answers = append(e.Answers, v)
			e.TTLs = append(e.TTLs, event.Duration(a.TTL)*1e6)
		}
	}
	e.Rejected = m.ResponseCode != layers.DNSResponseCodeNoErr && len(m.Answers) == 0 && m.ResponseCode != layers.DNSResponseCodeNXDomain
	t.out.DNS(e)
	if len(d.order) > 4*maxPendingDNS {
		d.compact()
	}
}

func (d *dnsFlow) flushOldest(t *tracker) {
	for len(d.order) > 0 {
		id := d.order[0]
		d.order = d.order[1:]
		if q := d.pending[id]; q != nil {
			t.out.DNS(&q.ev)
			delete(d.pending, id)
			return
		}
	}
}

// compact drops answered ids from the order list.
func (d *dnsFlow) compact() {
	kept := d.order[:0]
	for _, id := range d.order {
		if d.pending[id] != nil {
			kept = append(kept, id)
		}
	}
	d.order = kept
}

func question(e *event.DNS, m *layers.DNS) {
	if len(m.Questions) == 0 {
		return
	}
	q := &m.Questions[0]
	e.Query = string(q.Name)
	e.QClass = int64(q.Class)
	e.QType = int64(q.Type)
	e.QTypeName = qtypeName(q.Type)
}

func qtypeName(t layers.DNSType) string {
	switch t {
	case layers.DNSTypeA, layers.DNSTypeNS, layers.DNSTypeCNAME, layers.DNSTypeSOA, layers.DNSTypePTR,
		layers.DNSTypeMX, layers.DNSTypeTXT, layers.DNSTypeAAAA, layers.DNSTypeSRV, layers.DNSTypeNULL,
		layers.DNSTypeHINFO, layers.DNSTypeOPT, layers.DNSTypeURI:
		return t.String()
	case 255:
		return "*"
	case 65:
		return "HTTPS"
	case 64:
		return "SVCB"
	case 252:
		return "AXFR"
	case 251:
		return "IXFR"
	}
	return "query-" + strconv.Itoa(int(t))
}

var rcodeNames = map[layers.DNSResponseCode]string{0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED",
	6: "YXDOMAIN", 7: "YXRRSET", 8: "NXRRSET", 9: "NOTAUTH", 10: "NOTZONE"}

func rcodeName(c layers.DNSResponseCode) string {
	if n, ok := rcodeNames[c]; ok {
		return n
	}
	return "rcode-" + strconv.Itoa(int(c))
}

// answerText writes an answer as Zeek does: addresses and names as text, TXT as "TXT <n>
// <text>".
func answerText(a *layers.DNSResourceRecord) string {
	switch a.Type {
	case layers.DNSTypeA, layers.DNSTypeAAAA:
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			return ip.Unmap().String()
		}
	case layers.DNSTypeCNAME:
		return string(a.CNAME)
	case layers.DNSTypeNS:
		return string(a.NS)
	case layers.DNSTypePTR:
		return string(a.PTR)
	case layers.DNSTypeMX:
		return string(a.MX.Name)
	case layers.DNSTypeSRV:
		return string(a.SRV.Name)
	case layers.DNSTypeTXT:
		var parts []string
		for _, t := range a.TXTs {
			parts = append(parts, string(t))
		}
		s := strings.Join(parts, " ")
		return fmt.Sprintf("TXT %d %s", len(s), s)
	case layers.DNSTypeSOA:
		return string(a.SOA.MName)
	case layers.DNSTypeNULL:
		return fmt.Sprintf("NULL %d", len(a.Data))
	}
	return ""
}

// dnsTCP reads DNS messages framed by their length (RFC 1035 4.2.2).
type dnsTCP struct {
	s *tcpSession
}

func newDNSTCP(s *tcpSession) *dnsTCP {
	if s.f.dns == nil {
		s.f.dns = &dnsFlow{}
	}
	return &dnsTCP{s: s}
}

func (a *dnsTCP) gap(orig bool) { a.s.f.dns.buf[dirIndex(orig)] = nil }

func (a *dnsTCP) data(orig bool, b []byte, p pos) {
	d := a.s.f.dns
	di := dirIndex(orig)
	ts, pkt := p.at(0)
	buf := append(d.buf[di], b...)
	for len(buf) >= 2 {
		n := int(be16(buf))
		if len(buf) < 2+n {
			break
		}
		if err := d.msg.DecodeFromBytes(buf[2:2+n], gopacket.NilDecodeFeedback); err == nil && len(d.msg.Questions) > 0 {
			d.message(a.s.t, a.s.f, &d.msg, ts, pkt, "tcp")
		}
		buf = buf[2+n:]
	}
	if len(buf) > 0 {
		d.buf[di] = append([]byte(nil), buf...)
	} else {
		d.buf[di] = nil
	}
}

func (a *dnsTCP) end() {}
