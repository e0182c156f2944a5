package engine

import (
	"hash/maphash"
	"net/netip"

	"github.com/sluice-hunt/sluice/event"
)

// Events are partitioned by source address. Each partition has its own aggregators, owned by
// one shard goroutine, and receives events in batches: a batch's lookups touch only its
// partition's state, which is small enough to stay in cache, and no source's state is ever
// held by two workers.
const (
	partitions  = 256
	batchEvents = 256
)

var seed = maphash.MakeSeed()

// partOf returns the partition of a source address.
func partOf(a netip.Addr) int {
	b := a.As16()
	x := uint64(b[8])<<56 | uint64(b[9])<<48 | uint64(b[10])<<40 | uint64(b[11])<<32 |
		uint64(b[12])<<24 | uint64(b[13])<<16 | uint64(b[14])<<8 | uint64(b[15])
	y := uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
	h := x*0x9e3779b97f4a7c15 ^ y*0xc2b2ae3d27d4eb4f
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 32
	return int(h % partitions)
}

// partOfString partitions records that have no source address (certificates) by an id.
func partOfString(s string) int { return int(maphash.String(seed, s) % partitions) }

// batch carries events of one partition from a parsing worker to the partition's shard. The
// events' strings point into read blocks (never reused); their lists point into the batch's
// own arena, which is reused once the shard is done with the batch.
type batch struct {
	part   int
	n      int
	conn   []event.Conn
	http   []event.HTTP
	dns    []event.DNS
	tls    []event.TLS
	file   []event.File
	smtp   []event.SMTP
	ftp    []event.FTP
	x509   []event.X509
	notice []event.Notice
	host   []event.Host
	cloud  []event.Cloud
	strs   []string
	durs   []event.Duration
}

func (b *batch) reset(part int) {
	b.part, b.n = part, 0
	b.conn, b.http, b.dns, b.tls, b.file = b.conn[:0], b.http[:0], b.dns[:0], b.tls[:0], b.file[:0]
	b.smtp, b.ftp, b.x509, b.notice, b.host, b.cloud = b.smtp[:0], b.ftp[:0], b.x509[:0], b.notice[:0], b.host[:0], b.cloud[:0]
	b.strs, b.durs = b.strs[:0], b.durs[:0]
}

// release drops the batch's events, so that a batch waiting for reuse does not keep the read
// blocks their strings point into alive.
func (b *batch) release() {
	clear(b.conn)
	clear(b.http)
	clear(b.dns)
	clear(b.tls)
	clear(b.file)
	clear(b.smtp)
	clear(b.ftp)
	clear(b.x509)
	clear(b.notice)
	clear(b.host)
	clear(b.cloud)
	clear(b.strs)
	b.reset(0)
}

// list copies a list field into the batch's arena.
func (b *batch) list(l event.List) event.List {
	if l == nil {
		return nil
	}
	start := len(b.strs)
	b.strs = append(b.strs, l...)
	return b.strs[start:len(b.strs):len(b.strs)]
}

func (b *batch) durations(l []event.Duration) []event.Duration {
	if l == nil {
		return nil
	}
	start := len(b.durs)
	b.durs = append(b.durs, l...)
	return b.durs[start:len(b.durs):len(b.durs)]
}

// deliver hands each event of the batch to the partition's dispatch.
func (b *batch) deliver(d *dispatch) {
	for i := range b.conn {
		d.Conn(&b.conn[i])
	}
	for i := range b.http {
		d.HTTP(&b.http[i])
	}
	for i := range b.dns {
		d.DNS(&b.dns[i])
	}
	for i := range b.tls {
		d.TLS(&b.tls[i])
	}
	for i := range b.file {
		d.File(&b.file[i])
	}
	for i := range b.smtp {
		d.SMTP(&b.smtp[i])
	}
	for i := range b.ftp {
		d.FTP(&b.ftp[i])
	}
	for i := range b.x509 {
		d.X509(&b.x509[i])
	}
	for i := range b.notice {
		d.Notice(&b.notice[i])
	}
	for i := range b.host {
		d.Host(&b.host[i])
	}
	for i := range b.cloud {
		d.Cloud(&b.cloud[i])
	}
}

// router is a parsing worker's sink: it copies each event into its partition's batch and
// sends full batches to the partition's shard.
type router struct {
	open  [partitions]*batch
	shard []chan *batch // by shard; partition p goes to shard p % len(shard)
	free  chan *batch
}

func (r *router) get(p int) *batch {
	if b := r.open[p]; b != nil {
		return b
	}
	var b *batch
	select {
	case b = <-r.free:
	default:
		b = &batch{}
	}
	b.reset(p)
	r.open[p] = b
	return b
}

func (r *router) added(b *batch) {
	b.n++
	if b.n >= batchEvents {
		r.send(b.part)
	}
}

func (r *router) send(p int) {
	b := r.open[p]
	r.open[p] = nil
	r.shard[p%len(r.shard)] <- b
}

// flush sends every partial batch.
func (r *router) flush() {
	for p, b := range r.open {
		if b != nil {
			r.send(p)
		}
	}
}

func (r *router) Conn(e *event.Conn) {
	b := r.get(partOf(e.Src))
	b.conn = append(b.conn, *e)
	c := &b.conn[len(b.conn)-1]
	c.TunnelUIDs = b.list(c.TunnelUIDs)
	r.added(b)
}

func (r *router) HTTP(e *event.HTTP) {
	b := r.get(partOf(e.Src))
	b.http = append(b.http, *e)
	c := &b.http[len(b.http)-1]
	c.Tags, c.Proxied = b.list(c.Tags), b.list(c.Proxied)
	c.OrigFUIDs, c.OrigFilenames, c.OrigMimeTypes = b.list(c.OrigFUIDs), b.list(c.OrigFilenames), b.list(c.OrigMimeTypes)
	c.RespFUIDs, c.RespFilenames, c.RespMimeTypes = b.list(c.RespFUIDs), b.list(c.RespFilenames), b.list(c.RespMimeTypes)
	r.added(b)
}

func (r *router) DNS(e *event.DNS) {
	b := r.get(partOf(e.Src))
	b.dns = append(b.dns, *e)
	c := &b.dns[len(b.dns)-1]
	c.Answers, c.TTLs = b.list(c.Answers), b.durations(c.TTLs)
	r.added(b)
}

func (r *router) TLS(e *event.TLS) {
	b := r.get(partOf(e.Src))
	b.tls = append(b.tls, *e)
	c := &b.tls[len(b.tls)-1]
	c.CertChainFUIDs, c.CertChainFPs = b.list(c.CertChainFUIDs), b.list(c.CertChainFPs)
	r.added(b)
}

func (r *router) File(e *event.File) {
	p := partOfString(e.FUID)
	if e.Src.IsValid() {
		p = partOf(e.Src)
	}
	b := r.get(p)
	b.file = append(b.file, *e)
	c := &b.file[len(b.file)-1]
	c.TxHosts, c.RxHosts, c.ConnUIDs, c.Analyzers = b.list(c.TxHosts), b.list(c.RxHosts), b.list(c.ConnUIDs), b.list(c.Analyzers)
	r.added(b)
}

func (r *router) SMTP(e *event.SMTP) {
	b := r.get(partOf(e.Src))
	b.smtp = append(b.smtp, *e)
	c := &b.smtp[len(b.smtp)-1]
	c.RcptTo, c.To, c.FUIDs = b.list(c.RcptTo), b.list(c.To), b.list(c.FUIDs)
	r.added(b)
}

func (r *router) FTP(e *event.FTP) {
	b := r.get(partOf(e.Src))
	b.ftp = append(b.ftp, *e)
	r.added(b)
}

func (r *router) X509(e *event.X509) {
	b := r.get(partOfString(e.UID))
	b.x509 = append(b.x509, *e)
	c := &b.x509[len(b.x509)-1]
	c.SANDNS, c.SANIP = b.list(c.SANDNS), b.list(c.SANIP)
	r.added(b)
}

func (r *router) Notice(e *event.Notice) {
	b := r.get(partOf(e.Src))
	b.notice = append(b.notice, *e)
	c := &b.notice[len(b.notice)-1]
	c.Actions = b.list(c.Actions)
	r.added(b)
}

// Host partitions a connection by its initiator, like a conn record, and other host events by
// the host's name.
func (r *router) Host(e *event.Host) {
	p := partOfString(e.Computer)
	if e.Src.IsValid() {
		p = partOf(e.Src)
	}
	b := r.get(p)
	b.host = append(b.host, *e)
	c := &b.host[len(b.host)-1]
	c.Args = b.list(c.Args)
	r.added(b)
}

// Cloud partitions cloud audit events by principal: a principal's activity stays together.
func (r *router) Cloud(e *event.Cloud) {
	b := r.get(partOfString(e.User))
	b.cloud = append(b.cloud, *e)
	c := &b.cloud[len(b.cloud)-1]
	c.Recipients = b.list(c.Recipients)
	r.added(b)
}
