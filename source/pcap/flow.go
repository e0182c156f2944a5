package pcap

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket/reassembly"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// flowKey identifies a flow whichever way its packets go: the endpoint that sorts first is a.
type flowKey struct {
	a, b   netip.Addr
	pa, pb uint16
	proto  uint8
}

func keyOf(p *packet) flowKey {
	sp, dp := p.sport, p.dport
	if p.proto == protoICMP || p.proto == protoICMP6 {
		sp, dp = 0, 0 // one ICMP flow per address pair, as Zeek's
	}
	c := p.src.Compare(p.dst)
	if c < 0 || c == 0 && sp <= dp {
		return flowKey{a: p.src, b: p.dst, pa: sp, pb: dp, proto: p.proto}
	}
	return flowKey{a: p.dst, b: p.src, pa: dp, pb: sp, proto: p.proto}
}

// TCP flag bits a flow keeps, per direction.
const (
	fSYN = 1 << iota
	fSYNACK
	fACK
	fData
	fFIN
	fRST
	fRetrans
)

// historyLetters are Zeek's history letters for the flag bits (upper case: originator).
var historyLetters = [...]byte{'S', 'H', 'A', 'D', 'F', 'R', 'T'}

// dir is one direction of a flow: 0 from the originator, 1 from the responder.
type dirState struct {
	pkts, ipBytes int64
	payload       int64 // UDP/ICMP payload bytes
	// TCP sequence tracking: base is the first payload byte's sequence number (ISN+1 after a
	// SYN); high is how far past base the highest byte sent reaches.
	base    uint32
	baseSet bool
	high    int64
	flags   uint8
	missed  int64
}

// flow is one connection (TCP) or one exchange (UDP, ICMP) between two endpoints.
type flow struct {
	key                flowKey
	orig, resp         netip.Addr
	origPort, respPort uint16
	proto              uint8
	first, last        event.Time
	firstPkt           uint32
	d                  [2]dirState
	history            [24]byte
	nhist              uint8
	flipped            bool
	service            string
	uid                string
	closedAt           event.Time // TCP: when the connection closed (both FINs or a RST)
	closed             bool
	done               bool
	// Intrusive list links (the tracker's expiry lists).
	prev, next *flow
	list       *flowList
	// Application state.
	tcp     *tcpSession
	dns     *dnsFlow
	ftpData *ftpTransfer // the FTP transfer whose data channel this is
}

// flowList is a list of flows in the order they were last touched.
type flowList struct {
	head, tail *flow
	idle       event.Duration
}

func (l *flowList) remove(f *flow) {
	if f.prev != nil {
		f.prev.next = f.next
	} else {
		l.head = f.next
	}
	if f.next != nil {
		f.next.prev = f.prev
	} else {
		l.tail = f.prev
	}
	f.prev, f.next, f.list = nil, nil, nil
}

func (l *flowList) push(f *flow) {
	f.list = l
	f.prev = l.tail
	f.next = nil
	if l.tail != nil {
		l.tail.next = f
	} else {
		l.head = f
	}
	l.tail = f
}

// tracker follows the flows of one capture and the application sessions inside them.
type tracker struct {
	f     source.FileInfo
	opt   Options
	out   *out
	flows map[flowKey]*flow
	// tcpList, udpList, icmpList and closing hold every flow in one of them, by the time it was
	// last touched (closing: by the time it closed).
	tcpList, udpList, icmpList, closing flowList
	now                                 event.Time
	nextSweep, nextFlush                event.Time
	pool                                *reassembly.StreamPool
	asm                                 *reassembly.Assembler
	cur                                 *flow // the flow of the packet being assembled
	curOrig                             bool
	ctxs                                []pktCtx
	expect                              map[netip.AddrPort]*ftpTransfer
	fullReported                        bool
	err                                 error
	apps                                appSet
}

func newTracker(f source.FileInfo, opt Options, st *source.Stats, emit func(source.Job) error) *tracker {
	t := &tracker{
		f:      f,
		opt:    opt,
		out:    &out{f: f, st: st, emit: emit},
		flows:  map[flowKey]*flow{},
		expect: map[netip.AddrPort]*ftpTransfer{},
	}
	t.tcpList.idle = event.Duration(opt.TCPIdle / time.Microsecond)
	t.udpList.idle = event.Duration(opt.UDPIdle / time.Microsecond)
	t.icmpList.idle = event.Duration(opt.ICMPIdle / time.Microsecond)
	t.closing.idle = event.Duration(opt.CloseDelay / time.Microsecond)
	t.apps = appsFor(f.Skip)
	t.pool = reassembly.NewStreamPool(t)
	t.asm = reassembly.NewAssembler(t.pool)
	t.asm.MaxBufferedPagesPerConnection = 64 // 64 pages of 1900 bytes: ~120 KB a connection
	t.asm.MaxBufferedPagesTotal = 16384      // ~30 MB for all connections
	return t
}

// tick advances the capture's clock and ends the flows that timed out.
func (t *tracker) tick(ts event.Time) {
	if ts <= t.now {
		return
	}
	t.now = ts
	if ts < t.nextSweep {
		return
	}
	t.nextSweep = ts + event.Time(time.Second/time.Microsecond)
	if ts >= t.nextFlush {
		// Let the reassembler hand over what it buffered for connections gone quiet.
		t.nextFlush = ts + event.Time(30*time.Second/time.Microsecond)
		t.asm.FlushCloseOlderThan(ts.Std().Add(-t.opt.TCPIdle))
	}
	for _, l := range []*flowList{&t.closing, &t.tcpList, &t.udpList, &t.icmpList} {
		for f := l.head; f != nil; f = l.head {
			at := f.last
			if l == &t.closing {
				at = f.closedAt
			}
			if ts-at <= event.Time(l.idle) {
				break
			}
			t.end(f)
		}
	}
	for k, x := range t.expect {
		if ts-x.at > event.Time(2*time.Minute/time.Microsecond) {
			delete(t.expect, k)
		}
	}
}

func (t *tracker) listOf(f *flow) *flowList {
	if f.closed {
		return &t.closing
	}
	switch f.proto {
	case protoTCP:
		return &t.tcpList
	case protoUDP:
		return &t.udpList
	}
	return &t.icmpList
}

// likelyServer reports whether a port is one that services listen on.
func likelyServer(p uint16) bool {
	if p < 1024 {
		return true
	}
	switch p {
	case 1080, 1433, 1521, 1723, 1883, 2049, 2121, 3128, 3306, 3389, 4444, 5060, 5061, 5222, 5353, 5355, 5432, 5900,
		5985, 5986, 6379, 6667, 7010, 8000, 8008, 8080, 8081, 8443, 8888, 9000, 9001, 9200, 27017:
		return true
	}
	return false
}

func (t *tracker) newFlow(k flowKey, p *packet) *flow {
	if len(t.flows) >= t.opt.MaxFlows {
		t.evictOldest()
	}
	f := &flow{key: k, proto: p.proto, first: p.ts, last: p.ts, firstPkt: p.n}
	srcIsOrig := true
	switch {
	case p.tcp != nil && p.tcp.SYN && !p.tcp.ACK:
	case p.tcp != nil && p.tcp.SYN && p.tcp.ACK:
		srcIsOrig = false
	case p.proto == protoICMP || p.proto == protoICMP6:
		srcIsOrig = !icmpReply(p)
	default:
		srcIsOrig = !(likelyServer(p.sport) && !likelyServer(p.dport))
	}
	if srcIsOrig {
		f.orig, f.origPort, f.resp, f.respPort = p.src, p.sport, p.dst, p.dport
	} else {
		f.orig, f.origPort, f.resp, f.respPort = p.dst, p.dport, p.src, p.sport
		f.flipped = true
	}
	if p.proto == protoICMP || p.proto == protoICMP6 {
		// Zeek's ICMP conn: orig_p is the type, resp_p the code, of the first packet.
		f.origPort, f.respPort = p.sport, p.dport
	}
	f.uid = uid(f)
	t.flows[k] = f
	if x := t.expect[netip.AddrPortFrom(f.resp, f.respPort)]; x != nil && f.proto == protoTCP {
		delete(t.expect, netip.AddrPortFrom(f.resp, f.respPort))
		x.data = f
		f.ftpData = x
		f.service = "ftp-data"
	}
	return f
}

func icmpReply(p *packet) bool {
	if p.proto == protoICMP {
		switch p.sport { // type
		case 0, 14, 16, 18: // echo reply, timestamp reply, information reply, mask reply
			return true
		}
		return false
	}
	return p.sport == 129 // ICMPv6 echo reply
}

// evictOldest ends the flow idle the longest, when the table is full.
func (t *tracker) evictOldest() {
	if !t.fullReported {
		t.fullReported = true
		t.out.st.Problem(source.Problem{File: t.f.Name, Msg: fmt.Sprintf("more than %d flows at once: the flows idle the longest are reported before their timeout", t.opt.MaxFlows)})
	}
	var old *flow
	for _, l := range []*flowList{&t.closing, &t.udpList, &t.icmpList, &t.tcpList} {
		if l.head != nil && (old == nil || l.head.last < old.last) {
			old = l.head
		}
	}
	if old != nil {
		t.end(old)
	}
}

// uid is a connection id in Zeek's style ("C" and base62), derived from the flow's endpoints
// and start so that reading a capture again gives the same ids.
func uid(f *flow) string {
	h := fnv.New128a()
	var b [48]byte
	a16, r16 := f.orig.As16(), f.resp.As16()
	copy(b[0:16], a16[:])
	copy(b[16:32], r16[:])
	binary.BigEndian.PutUint16(b[32:], f.origPort)
	binary.BigEndian.PutUint16(b[34:], f.respPort)
	b[36] = f.proto
	binary.BigEndian.PutUint64(b[37:], uint64(f.first))
	h.Write(b[:45])
	sum := h.Sum(nil)
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	out := make([]byte, 0, 18)
	out = append(out, 'C')
	x, y := binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:])
	for i := 0; i < 9; i++ {
		out = append(out, digits[x%62])
		x /= 62
	}
	for i := 0; i < 8; i++ {
		out = append(out, digits[y%62])
		y /= 62
	}
	return string(out)
}

// packet accounts one packet to its flow and hands it to the flow's application analysis.
func (t *tracker) packet(p *packet) {
	t.tick(p.ts)
	if p.ts < t.now {
		p.ts = t.now // a capture's clock does not run backwards for the flows
	}
	k := keyOf(p)
	f := t.flows[k]
	if f != nil && f.proto == protoTCP && p.tcp.SYN && !p.tcp.ACK && (f.closed || f.d[0].flags&fSYN != 0 && p.tcp.Seq+1 != f.d[0].base) {
		t.end(f) // the 4-tuple is used again
		f = nil
	}
	if f == nil {
		f = t.newFlow(k, p)
	} else if f.list != nil {
		f.list.remove(f)
	}
	orig := p.src == f.orig && p.sport == f.origPort
	if f.proto == protoICMP || f.proto == protoICMP6 {
		orig = p.src == f.orig
	}
	if t.opt.Active > 0 && p.ts-f.first >= event.Time(t.opt.Active/time.Microsecond) {
		t.report(f)
		f.first, f.firstPkt = p.ts, p.n
		for i := range f.d {
			f.d[i].pkts, f.d[i].ipBytes, f.d[i].payload, f.d[i].missed = 0, 0, 0, 0
			if f.d[i].baseSet {
				f.d[i].base += uint32(f.d[i].high)
				f.d[i].high = 0
			}
		}
	}
	f.last = p.ts
	di := 0
	if !orig {
		di = 1
	}
	d := &f.d[di]
	d.pkts++
	d.ipBytes += int64(p.ipLen)
	switch f.proto {
	case protoTCP:
		t.tcpPacket(f, p, di)
	case protoUDP:
		d.payload += int64(len(p.payload))
		if len(p.payload) > 0 {
			f.flag(di, fData)
		}
		t.udpPacket(f, p, di == 0)
	default:
		d.payload += int64(len(p.payload))
	}
	if !f.done {
		t.listOf(f).push(f)
	}
}

// flag sets a flag of a direction and adds its history letter the first time.
func (f *flow) flag(di int, bit uint8) {
	d := &f.d[di]
	if d.flags&bit != 0 {
		return
	}
	d.flags |= bit
	if int(f.nhist) >= len(f.history) {
		return
	}
	i := 0
	for bit>>uint(i+1) != 0 {
		i++
	}
	c := historyLetters[i]
	if di == 1 {
		c += 'a' - 'A'
	}
	f.history[f.nhist] = c
	f.nhist++
}

func (t *tracker) tcpPacket(f *flow, p *packet, di int) {
	tcp := p.tcp
	d := &f.d[di]
	n := len(p.payload)
	switch {
	case tcp.SYN && tcp.ACK:
		f.flag(di, fSYNACK)
	case tcp.SYN:
		f.flag(di, fSYN)
	}
	if tcp.SYN {
		if !d.baseSet || d.high == 0 {
			d.base, d.baseSet, d.high = tcp.Seq+1, true, 0
		}
	}
	if n > 0 {
		if !d.baseSet {
			d.base, d.baseSet = tcp.Seq, true
		}
		end := d.relative(tcp.Seq + uint32(n))
		if end <= d.high {
			f.flag(di, fRetrans)
		} else {
			d.high = end
		}
		f.flag(di, fData)
	} else if tcp.ACK && !tcp.SYN && !tcp.FIN && !tcp.RST {
		f.flag(di, fACK)
	}
	if tcp.FIN {
		f.flag(di, fFIN)
	}
	if tcp.RST {
		f.flag(di, fRST)
	}
	if !f.closed && (tcp.RST || f.d[0].flags&fFIN != 0 && f.d[1].flags&fFIN != 0) {
		f.closed, f.closedAt = true, p.ts
	}
	if t.apps.any() && (n > 0 || tcp.SYN || tcp.FIN || tcp.RST) && (f.tcp == nil || !f.tcp.done) {
		t.cur, t.curOrig = f, di == 0
		t.asm.AssembleWithContext(p.netFlow, tcp, t.context(p))
		t.cur = nil
	}
}

// relative returns how far past base the sequence number s lies, following wraps: the high
// mark moves forward by the signed 32-bit distance from its last position.
func (d *dirState) relative(s uint32) int64 {
	last := d.base + uint32(d.high)
	return d.high + int64(int32(s-last))
}

// end reports a flow and forgets it.
func (t *tracker) end(f *flow) {
	if f.done {
		return
	}
	f.done = true
	if f.list != nil {
		f.list.remove(f)
	}
	if t.flows[f.key] == f {
		delete(t.flows, f.key)
	}
	if f.tcp != nil {
		f.tcp.finish()
	}
	if f.dns != nil {
		f.dns.finish(t, f)
	}
	if f.ftpData != nil {
		f.ftpData.dataDone(t, f)
	}
	t.report(f)
}

// report hands the flow's conn record to the output.
func (t *tracker) report(f *flow) {
	c := event.Conn{
		Meta:        event.Meta{Ref: t.f.Ref(f.firstPkt), TS: f.first, UID: f.uid},
		Flow:        event.Flow{Src: f.orig, SrcPort: f.origPort, Dst: f.resp, DstPort: f.respPort},
		Proto:       protoName(f.proto),
		Service:     f.service,
		Duration:    event.Duration(f.last - f.first),
		ConnState:   f.state(),
		LocalOrig:   event.Unset,
		LocalResp:   event.Unset,
		OrigPkts:    f.d[0].pkts,
		RespPkts:    f.d[1].pkts,
		OrigIPBytes: f.d[0].ipBytes,
		RespIPBytes: f.d[1].ipBytes,
		MissedBytes: f.d[0].missed + f.d[1].missed,
	}
	if f.proto == protoTCP {
		c.OrigBytes, c.RespBytes = f.d[0].high, f.d[1].high
	} else {
		c.OrigBytes, c.RespBytes = f.d[0].payload, f.d[1].payload
	}
	h := f.history[:f.nhist]
	if f.flipped {
		c.History = "^" + string(h)
	} else {
		c.History = string(h)
	}
	t.out.Conn(&c)
}

func protoName(p uint8) string {
	switch p {
	case protoTCP:
		return "tcp"
	case protoUDP:
		return "udp"
	case protoICMP, protoICMP6:
		return "icmp"
	}
	return fmt.Sprintf("ip-proto-%d", p)
}

// state is Zeek's conn_state.
func (f *flow) state() string {
	o, r := f.d[0].flags, f.d[1].flags
	switch f.proto {
	case protoTCP:
	case protoUDP:
		switch {
		case f.d[1].pkts == 0:
			return "S0"
		case f.d[0].pkts == 0:
			return "SHR"
		}
		return "SF"
	default:
		return "OTH"
	}
	syn, synack := o&fSYN != 0, r&fSYNACK != 0
	established := syn && synack || !syn && !synack && o&fData != 0 && r&fData != 0
	switch {
	case syn && f.d[1].pkts == 0 && o&(fFIN|fRST) == 0:
		return "S0"
	case syn && !synack && r&fRST != 0:
		return "REJ"
	case syn && !synack && o&fRST != 0:
		return "RSTOS0"
	case syn && !synack && o&fFIN != 0:
		return "SH"
	case !syn && synack && r&fRST != 0:
		return "RSTRH"
	case !syn && synack && r&fFIN != 0:
		return "SHR"
	case established && o&fRST != 0:
		return "RSTO"
	case established && r&fRST != 0:
		return "RSTR"
	case established && o&fFIN != 0 && r&fFIN != 0:
		return "SF"
	case established && o&fFIN != 0:
		return "S2"
	case established && r&fFIN != 0:
		return "S3"
	case syn && synack:
		return "S1"
	}
	return "OTH"
}

// finish ends every flow (the end of the capture).
func (t *tracker) finish() {
	t.asm.FlushAll()
	for _, l := range []*flowList{&t.closing, &t.tcpList, &t.udpList, &t.icmpList} {
		for f := l.head; f != nil; f = l.head {
			t.end(f)
		}
	}
	t.out.flush()
	if t.err == nil {
		t.err = t.out.err
	}
}
