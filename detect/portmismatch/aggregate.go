package portmismatch

import (
	"net/netip"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/netset"
)

// key groups mismatched connections as the seed does: by source, destination, application,
// destination port and transport.
type key struct {
	src, dst netip.Addr
	port     uint16
	app      int16
	proto    string
}

// group is the state of one key.
type group struct {
	n           int64
	first, last event.Time
	out, in     int64 // sums of orig_bytes and resp_bytes (unset counts 0)
	service     string
	serviceTS   event.Time // time of the connection service was taken from
	sample      detect.Sample
}

// Aggregator holds one worker's groups.
type Aggregator struct {
	t      *table
	err    error
	k      int // evidence records kept per group
	groups map[key]*group
}

// NewAggregator returns empty state for one worker.
func (d *Detection) NewAggregator(env *detect.Env) detect.Aggregator {
	t, err := compile(&d.params)
	return &Aggregator{t: t, err: err, k: env.Evidence, groups: map[key]*group{}}
}

// protoName returns a constant for the common transports, so that keys never alias a reader's
// buffer for them, and ok=false for anything else (which the caller clones).
func protoName(s string) (string, bool) {
	switch s {
	case "tcp":
		return "tcp", true
	case "udp":
		return "udp", true
	case "icmp":
		return "icmp", true
	case "":
		return "", true
	}
	return s, false
}

// maxApps is how many table applications of one connection's service list are judged; Zeek
// lists a handful of services at most.
const maxApps = 8

// ObserveConn judges each application Zeek identified on the connection.
func (a *Aggregator) ObserveConn(c *event.Conn) {
	if c.Service == "" || a.t == nil {
		return
	}
	apps, n := a.mismatches(c.Service, c.DstPort, c.Dst)
	for _, app := range apps[:n] {
		a.add(c, app)
	}
}

// mismatches returns the applications a connection's service names that are off their ports
// (none when the destination is special and ignore_special_dst is on).
func (a *Aggregator) mismatches(s string, port uint16, dst netip.Addr) (out [maxApps]int16, m int) {
	t := a.t
	var apps [maxApps]svcInfo
	n, outer := 0, false
	for rest, more := s, true; more; {
		var e string
		e, rest, more = strings.Cut(rest, ",")
		e = strings.TrimSpace(e)
		if e == "" || e[0] == '-' {
			continue
		}
		info, ok := t.lookup(e)
		if !ok || !info.inner {
			outer = true
		}
		if !ok || info.app < 0 || n == maxApps {
			continue
		}
		dup := false
		for i := range n {
			if apps[i].app == info.app {
				apps[i].inner = apps[i].inner && info.inner
				dup = true
				break
			}
		}
		if !dup {
			apps[n] = info
			n++
		}
	}
	for _, info := range apps[:n] {
		if info.inner && outer {
			continue
		}
		if t.apps[info.app].ports.Contains(port) {
			continue
		}
		if t.ignoreSpec && netset.IsSpecial(dst) {
			return out, 0
		}
		out[m] = info.app
		m++
	}
	return out, m
}

func (a *Aggregator) add(c *event.Conn, app int16) {
	proto, constant := protoName(c.Proto)
	k := key{src: c.Src, dst: c.Dst, port: c.DstPort, app: app, proto: proto}
	g := a.groups[k]
	if g == nil {
		if !constant {
			k.proto = strings.Clone(proto)
		}
		g = &group{first: c.TS, last: c.TS, service: strings.Clone(c.Service), serviceTS: c.TS}
		a.groups[k] = g
	} else {
		g.first = min(g.first, c.TS)
		g.last = max(g.last, c.TS)
		if c.TS < g.serviceTS || (c.TS == g.serviceTS && c.Service < g.service) {
			g.service, g.serviceTS = strings.Clone(c.Service), c.TS
		}
	}
	g.n++
	out, in := max(c.OrigBytes, 0), max(c.RespBytes, 0)
	g.out += out
	g.in += in
	g.sample.Add(a.k, detect.Item{Rank: out + in, TS: c.TS, Ref: c.Ref, SrcPort: c.SrcPort})
}

// Merge folds another worker's groups into a's.
func (a *Aggregator) Merge(other detect.Aggregator) {
	o, ok := other.(*Aggregator)
	if !ok || o == nil || o == a {
		return
	}
	if a.err == nil {
		a.err = o.err
	}
	for k, og := range o.groups {
		a.mergeGroup(k, og)
	}
	o.groups = nil
}

// mergeGroup folds a group into the group of its key.
func (a *Aggregator) mergeGroup(k key, og *group) {
	g := a.groups[k]
	if g == nil {
		a.groups[k] = og
		return
	}
	g.n += og.n
	g.first = min(g.first, og.first)
	g.last = max(g.last, og.last)
	g.out += og.out
	g.in += og.in
	if og.serviceTS < g.serviceTS || (og.serviceTS == g.serviceTS && og.service < g.service) {
		g.service, g.serviceTS = og.service, og.serviceTS
	}
	g.sample.Merge(a.k, &og.sample)
}
