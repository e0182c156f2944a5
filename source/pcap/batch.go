package pcap

import (
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// batchSize is how many events a job carries.
const batchSize = 512

// batch is a job: events the tracker built, handed to a worker's sink in the order built.
type batch struct {
	kinds []event.Kind
	conn  []event.Conn
	http  []event.HTTP
	dns   []event.DNS
	tls   []event.TLS
	file  []event.File
	smtp  []event.SMTP
	ftp   []event.FTP
}

// logNames are the Zeek log names the events are counted under.
var logNames = [event.NumKinds]string{
	event.KindConn: "conn", event.KindHTTP: "http", event.KindDNS: "dns", event.KindTLS: "ssl",
	event.KindFile: "files", event.KindSMTP: "smtp", event.KindFTP: "ftp",
}

func (b *batch) Run(sink event.Sink, st *source.Stats) {
	var idx [event.NumKinds]int
	for _, k := range b.kinds {
		i := idx[k]
		idx[k]++
		st.Read[logNames[k]]++
		switch k {
		case event.KindConn:
			sink.Conn(&b.conn[i])
		case event.KindHTTP:
			sink.HTTP(&b.http[i])
		case event.KindDNS:
			sink.DNS(&b.dns[i])
		case event.KindTLS:
			sink.TLS(&b.tls[i])
		case event.KindFile:
			sink.File(&b.file[i])
		case event.KindSMTP:
			sink.SMTP(&b.smtp[i])
		case event.KindFTP:
			sink.FTP(&b.ftp[i])
		}
	}
}

// out collects events into batches and hands full ones to emit.
type out struct {
	f    source.FileInfo
	st   *source.Stats
	emit func(source.Job) error
	b    *batch
	err  error
}

// want reports whether some detection reads kind k; when none does, the event is counted as
// ignored and true is not returned.
func (o *out) want(k event.Kind) bool { return !o.f.Skip.Has(k) }

func (o *out) add(k event.Kind) {
	if o.b == nil {
		o.b = &batch{}
	}
	o.b.kinds = append(o.b.kinds, k)
	if len(o.b.kinds) >= batchSize {
		o.flush()
	}
}

func (o *out) flush() {
	if o.b == nil || len(o.b.kinds) == 0 || o.err != nil {
		return
	}
	b := o.b
	o.b = nil
	o.err = o.emit(b)
}

func (o *out) ignored(k event.Kind) { o.st.Ignored[logNames[k]]++ }

func (o *out) cur() *batch {
	if o.b == nil {
		o.b = &batch{}
	}
	return o.b
}

func (o *out) Conn(c *event.Conn) {
	if !o.want(event.KindConn) {
		o.ignored(event.KindConn)
		return
	}
	b := o.cur()
	b.conn = append(b.conn, *c)
	o.add(event.KindConn)
}

func (o *out) HTTP(h *event.HTTP) {
	if !o.want(event.KindHTTP) {
		o.ignored(event.KindHTTP)
		return
	}
	b := o.cur()
	b.http = append(b.http, *h)
	o.add(event.KindHTTP)
}

func (o *out) DNS(d *event.DNS) {
	if !o.want(event.KindDNS) {
		o.ignored(event.KindDNS)
		return
	}
	b := o.cur()
	b.dns = append(b.dns, *d)
	o.add(event.KindDNS)
}

func (o *out) TLS(t *event.TLS) {
	if !o.want(event.KindTLS) {
		o.ignored(event.KindTLS)
		return
	}
	b := o.cur()
	b.tls = append(b.tls, *t)
	o.add(event.KindTLS)
}

func (o *out) File(f *event.File) {
	if !o.want(event.KindFile) {
		o.ignored(event.KindFile)
		return
	}
	b := o.cur()
	b.file = append(b.file, *f)
	o.add(event.KindFile)
}

func (o *out) SMTP(s *event.SMTP) {
	if !o.want(event.KindSMTP) {
		o.ignored(event.KindSMTP)
		return
	}
	b := o.cur()
	b.smtp = append(b.smtp, *s)
	o.add(event.KindSMTP)
}

func (o *out) FTP(f *event.FTP) {
	if !o.want(event.KindFTP) {
		o.ignored(event.KindFTP)
		return
	}
	b := o.cur()
	b.ftp = append(b.ftp, *f)
	o.add(event.KindFTP)
}
