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

// put adds an event of kind k to the batch's list of its kind (the list picks it), or counts
// it as ignored when no detection reads that kind.
func put[T any](o *out, k event.Kind, list func(*batch) *[]T, e *T) {
	if o.f.Skip.Has(k) {
		o.st.Ignored[logNames[k]]++
		return
	}
	if o.b == nil {
		o.b = &batch{}
	}
	l := list(o.b)
	*l = append(*l, *e)
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

func (o *out) Conn(e *event.Conn) {
	put(o, event.KindConn, func(b *batch) *[]event.Conn { return &b.conn }, e)
}
func (o *out) HTTP(e *event.HTTP) {
	put(o, event.KindHTTP, func(b *batch) *[]event.HTTP { return &b.http }, e)
}
func (o *out) DNS(e *event.DNS) {
	put(o, event.KindDNS, func(b *batch) *[]event.DNS { return &b.dns }, e)
}
func (o *out) TLS(e *event.TLS) {
	put(o, event.KindTLS, func(b *batch) *[]event.TLS { return &b.tls }, e)
}
func (o *out) File(e *event.File) {
	put(o, event.KindFile, func(b *batch) *[]event.File { return &b.file }, e)
}
func (o *out) SMTP(e *event.SMTP) {
	put(o, event.KindSMTP, func(b *batch) *[]event.SMTP { return &b.smtp }, e)
}
func (o *out) FTP(e *event.FTP) {
	put(o, event.KindFTP, func(b *batch) *[]event.FTP { return &b.ftp }, e)
}
