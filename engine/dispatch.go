package engine

import (
	"cmp"
	"slices"

	"github.com/sluice-hunt/sluice/attrib"
	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// dispatch is one worker's sink: it applies the time filter, counts events and tracks the time
// window, and hands each event to the aggregators that read its kind.
type dispatch struct {
	aggs         []detect.Aggregator
	since, until event.Time
	counts       [event.NumKinds]int64
	outOfRange   int64
	first, last  event.Time
	seen         bool

	conn   []detect.ConnObserver
	http   []detect.HTTPObserver
	dns    []detect.DNSObserver
	tls    []detect.TLSObserver
	file   []detect.FileObserver
	smtp   []detect.SMTPObserver
	ftp    []detect.FTPObserver
	x509   []detect.X509Observer
	notice []detect.NoticeObserver
	host   []detect.HostObserver
	cloud  []detect.CloudObserver
	// procs collects host events for process attribution.
	procs *attrib.Builder
}

func newDispatch(opt Options, env *detect.Env) *dispatch {
	d := &dispatch{since: opt.Since, until: opt.Until, procs: attrib.NewBuilder()}
	for i, cd := range opt.Detections {
		a := cd.NewAggregator(env)
		d.aggs = append(d.aggs, a)
		skip := prebuiltKinds(opt, i) // kinds aggregated elsewhere: not observed here
		if o, ok := a.(detect.ConnObserver); ok && !skip.Has(event.KindConn) {
			d.conn = append(d.conn, o)
		}
		if o, ok := a.(detect.HTTPObserver); ok && !skip.Has(event.KindHTTP) {
			d.http = append(d.http, o)
		}
		if o, ok := a.(detect.DNSObserver); ok && !skip.Has(event.KindDNS) {
			d.dns = append(d.dns, o)
		}
		if o, ok := a.(detect.TLSObserver); ok && !skip.Has(event.KindTLS) {
			d.tls = append(d.tls, o)
		}
		if o, ok := a.(detect.FileObserver); ok && !skip.Has(event.KindFile) {
			d.file = append(d.file, o)
		}
		if o, ok := a.(detect.SMTPObserver); ok && !skip.Has(event.KindSMTP) {
			d.smtp = append(d.smtp, o)
		}
		if o, ok := a.(detect.FTPObserver); ok && !skip.Has(event.KindFTP) {
			d.ftp = append(d.ftp, o)
		}
		if o, ok := a.(detect.X509Observer); ok && !skip.Has(event.KindX509) {
			d.x509 = append(d.x509, o)
		}
		if o, ok := a.(detect.NoticeObserver); ok && !skip.Has(event.KindNotice) {
			d.notice = append(d.notice, o)
		}
		if o, ok := a.(detect.HostObserver); ok && !skip.Has(event.KindHost) {
			d.host = append(d.host, o)
		}
		if o, ok := a.(detect.CloudObserver); ok && !skip.Has(event.KindCloud) {
			d.cloud = append(d.cloud, o)
		}
	}
	return d
}

// unread returns the kinds no aggregator reads.
func (d *dispatch) unread() event.KindSet {
	var s event.KindSet
	for k, n := range [...]int{event.KindConn: len(d.conn), event.KindHTTP: len(d.http), event.KindDNS: len(d.dns),
		event.KindTLS: len(d.tls), event.KindFile: len(d.file), event.KindSMTP: len(d.smtp), event.KindFTP: len(d.ftp),
		event.KindX509: len(d.x509), event.KindNotice: len(d.notice), event.KindHost: len(d.host) + 1, // host events name processes
		event.KindCloud: len(d.cloud)} {
		if n == 0 {
			s = s.With(event.Kind(k))
		}
	}
	return s
}

// keep applies the time filter and accounts for an event of kind k at ts.
func (d *dispatch) keep(k event.Kind, ts event.Time) bool {
	if (d.since != 0 && ts < d.since) || (d.until != 0 && ts >= d.until) {
		d.outOfRange++
		return false
	}
	d.counts[k]++
	if ts != 0 {
		if !d.seen {
			d.first, d.last, d.seen = ts, ts, true
		} else if ts < d.first {
			d.first = ts
		} else if ts > d.last {
			d.last = ts
		}
	}
	return true
}

func (d *dispatch) Conn(e *event.Conn) {
	if !d.keep(event.KindConn, e.TS) {
		return
	}
	// a connection's window reaches to its end
	if e.Duration > 0 {
		if end := e.TS + event.Time(e.Duration); end > d.last {
			d.last = end
		}
	}
	for _, o := range d.conn {
		o.ObserveConn(e)
	}
}

func (d *dispatch) HTTP(e *event.HTTP) {
	if d.keep(event.KindHTTP, e.TS) {
		for _, o := range d.http {
			o.ObserveHTTP(e)
		}
	}
}

func (d *dispatch) DNS(e *event.DNS) {
	if d.keep(event.KindDNS, e.TS) {
		for _, o := range d.dns {
			o.ObserveDNS(e)
		}
	}
}

func (d *dispatch) TLS(e *event.TLS) {
	if d.keep(event.KindTLS, e.TS) {
		for _, o := range d.tls {
			o.ObserveTLS(e)
		}
	}
}

func (d *dispatch) File(e *event.File) {
	if d.keep(event.KindFile, e.TS) {
		for _, o := range d.file {
			o.ObserveFile(e)
		}
	}
}

func (d *dispatch) SMTP(e *event.SMTP) {
	if d.keep(event.KindSMTP, e.TS) {
		for _, o := range d.smtp {
			o.ObserveSMTP(e)
		}
	}
}

func (d *dispatch) FTP(e *event.FTP) {
	if d.keep(event.KindFTP, e.TS) {
		for _, o := range d.ftp {
			o.ObserveFTP(e)
		}
	}
}

func (d *dispatch) X509(e *event.X509) {
	if d.keep(event.KindX509, e.TS) {
		for _, o := range d.x509 {
			o.ObserveX509(e)
		}
	}
}

func (d *dispatch) Notice(e *event.Notice) {
	if d.keep(event.KindNotice, e.TS) {
		for _, o := range d.notice {
			o.ObserveNotice(e)
		}
	}
}

func (d *dispatch) Host(e *event.Host) {
	if d.keep(event.KindHost, e.TS) {
		d.procs.ObserveHost(e)
		for _, o := range d.host {
			o.ObserveHost(e)
		}
	}
}

func (d *dispatch) Cloud(e *event.Cloud) {
	if d.keep(event.KindCloud, e.TS) {
		for _, o := range d.cloud {
			o.ObserveCloud(e)
		}
	}
}

// merge folds other workers' dispatches into d, one detection per goroutine.
func (d *dispatch) merge(others []*dispatch, width int) {
	parallel(len(d.aggs), width, func(i int) {
		all := make([]detect.Aggregator, len(others))
		for j, o := range others {
			all[j] = o.aggs[i]
		}
		// partitions hold different source addresses
		if m, ok := d.aggs[i].(detect.DisjointMerger); ok {
			m.MergeDisjoint(all)
			return
		}
		for _, o := range others {
			d.aggs[i].Merge(o.aggs[i])
		}
	})
	for _, o := range others {
		d.mergeCounts(o)
		d.procs.Merge(o.procs)
	}
}

func (d *dispatch) mergeCounts(o *dispatch) {
	for k := range d.counts {
		d.counts[k] += o.counts[k]
	}
	d.outOfRange += o.outOfRange
	if o.seen {
		if !d.seen {
			d.first, d.last, d.seen = o.first, o.last, true
		} else {
			d.first = min(d.first, o.first)
			d.last = max(d.last, o.last)
		}
	}
}

func (d *dispatch) window() detect.Window {
	return detect.Window{First: d.first, Last: d.last}
}

func sortProblems(ps []source.Problem) {
	slices.SortFunc(ps, func(a, b source.Problem) int { return cmp.Compare(a.File, b.File) })
}
