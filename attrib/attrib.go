// Package attrib ties network findings to the host processes behind them. The engine feeds it
// every host event of a run (Sysmon 1/3/22, Security 4688, auditd) next to the detections; once
// the detections have scored, Annotate names, for each finding about a source address, the
// process that made its connections or lookups, with its command line, parent and user.
//
// # How records are matched
//
//  1. 5-tuple: an evidence record that kept its source port matches a host connection with the
//     same source address and port (and the finding's destination address and port when it
//     names them) logged within the tolerance of the record's time.
//  2. flow: otherwise, the host connections from the finding's source to its destination
//     address and port between its first record and its last, widened by the tolerance.
//  3. dns: a finding about a domain (DNS tunnels, lookup beacons) matches the lookups (Sysmon
//  22. of names under that domain by the hosts that use the finding's source address, in its
//     window.
//
// A host's addresses are learned from its connections (the local side of Sysmon 3). A
// connection's process is completed from the process start (Sysmon 1 / 4688 / auditd execve)
// with the same ProcessGuid, else the same PID started before it on the host: command line,
// parent image and command line, user.
//
// Memory: about 120 bytes per host connection and lookup and 200 per process start, plus the
// strings (images, users, host names are stored once).
package attrib

import (
	"cmp"
	"net/netip"
	"path"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/dnsname"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

// proc is a process start.
type proc struct {
	host, guid          string
	pid, ppid           int64
	ts                  event.Time
	image, cmd, user    string
	pimage, pcmd, puser string
}

// ref points at the process behind a connection or lookup.
type ref struct {
	host, guid, image, user string
	pid                     int64
}

type conn struct {
	ts    event.Time
	sport uint16
	dport uint16
	dst   netip.Addr
	ref
}

type lookup struct {
	ts    event.Time
	query string
	ref
}

// Builder collects one partition's host events. The zero value is not ready: use NewBuilder.
type Builder struct {
	strs  map[string]string
	procs []proc
	conns map[netip.Addr][]conn
	// unplaced are connections whose local address the log does not say (auditd connect), by
	// destination address and port
	unplaced map[dstPort][]conn
	lookups  map[string][]lookup // by host
	hostIPs  map[netip.Addr]map[string]bool
	n        int
}

// NewBuilder returns an empty builder.
func NewBuilder() *Builder {
	return &Builder{strs: map[string]string{}, conns: map[netip.Addr][]conn{}, lookups: map[string][]lookup{},
		hostIPs: map[netip.Addr]map[string]bool{}, unplaced: map[dstPort][]conn{}}
}

// intern returns a copy of s that the builder keeps once (event strings alias read buffers).
func (b *Builder) intern(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := b.strs[s]; ok {
		return v
	}
	v := strings.Clone(s)
	b.strs[v] = v
	return v
}

func (b *Builder) refOf(e *event.Host) ref {
	return ref{host: b.intern(e.Computer), guid: b.intern(e.Proc.GUID), image: b.intern(e.Proc.Image), user: b.intern(e.Proc.User), pid: e.Proc.PID}
}

func (b *Builder) learn(a netip.Addr, host string) {
	if !a.IsValid() || host == "" {
		return
	}
	m := b.hostIPs[a]
	if m == nil {
		m = map[string]bool{}
		b.hostIPs[a] = m
	}
	m[host] = true
}

// ObserveHost adds a host event.
func (b *Builder) ObserveHost(e *event.Host) {
	b.n++
	switch e.Op {
	case event.OpProcess:
		b.procs = append(b.procs, proc{
			host: b.intern(e.Computer), guid: b.intern(e.Proc.GUID), pid: e.Proc.PID, ppid: e.Parent.PID, ts: e.TS,
			image: b.intern(e.Proc.Image), cmd: strings.Clone(e.Proc.CommandLine), user: b.intern(e.Proc.User),
			pimage: b.intern(e.Parent.Image), pcmd: b.intern(e.Parent.CommandLine), puser: b.intern(e.Parent.User),
		})
	case event.OpConnect:
		if !e.Src.IsValid() {
			if e.Dst.IsValid() && e.Initiated != 0 {
				k := dstPort{e.Dst, e.DstPort}
				b.unplaced[k] = append(b.unplaced[k], conn{ts: e.TS, dport: e.DstPort, dst: e.Dst, ref: b.refOf(e)})
			}
			return
		}
		switch e.Initiated {
		case 1:
			b.learn(e.Src, e.Computer)
		case 0:
			b.learn(e.Dst, e.Computer)
		}
		b.conns[e.Src] = append(b.conns[e.Src], conn{ts: e.TS, sport: e.SrcPort, dport: e.DstPort, dst: e.Dst, ref: b.refOf(e)})
	case event.OpDNS:
		if e.Query == "" || e.Computer == "" {
			return
		}
		h := b.intern(e.Computer)
		b.lookups[h] = append(b.lookups[h], lookup{ts: e.TS, query: strings.ToLower(strings.TrimSuffix(e.Query, ".")), ref: b.refOf(e)})
	}
}

// Merge adds other's events.
func (b *Builder) Merge(o *Builder) {
	b.n += o.n
	b.procs = append(b.procs, o.procs...)
	for k, v := range o.conns {
		b.conns[k] = append(b.conns[k], v...)
	}
	for k, v := range o.lookups {
		b.lookups[k] = append(b.lookups[k], v...)
	}
	for k, v := range o.unplaced {
		b.unplaced[k] = append(b.unplaced[k], v...)
	}
	for a, hs := range o.hostIPs {
		for h := range hs {
			b.learn(a, h)
		}
	}
}

// Index answers which process made what. Build it with Builder.Index.
type Index struct {
	unplaced map[dstPort][]conn
	byGUID   map[[2]string]*proc
	byPID    map[hostPID][]*proc // start time order
	conns    map[netip.Addr][]conn
	lookups  map[string][]lookup
	hostIPs  map[netip.Addr][]string
	addrs    map[string][]netip.Addr // by lower-case host name
	events   int
}

type dstPort struct {
	dst  netip.Addr
	port uint16
}

type hostPID struct {
	host string
	pid  int64
}

// Index sorts what the builder collected into an index. The builder is consumed.
func (b *Builder) Index() *Index {
	x := &Index{byGUID: map[[2]string]*proc{}, byPID: map[hostPID][]*proc{}, conns: b.conns, lookups: b.lookups,
		hostIPs: map[netip.Addr][]string{}, addrs: map[string][]netip.Addr{}, events: b.n, unplaced: b.unplaced}
	slices.SortFunc(b.procs, func(p, q proc) int {
		return cmp.Or(cmp.Compare(p.ts, q.ts), cmp.Compare(p.host, q.host), cmp.Compare(p.pid, q.pid), cmp.Compare(p.guid, q.guid))
	})
	for i := range b.procs {
		p := &b.procs[i]
		if p.guid != "" {
			x.byGUID[[2]string{strings.ToLower(p.host), p.guid}] = p
		}
		if p.pid >= 0 {
			k := hostPID{strings.ToLower(p.host), p.pid}
			x.byPID[k] = append(x.byPID[k], p)
		}
	}
	for _, cs := range x.unplaced {
		slices.SortFunc(cs, func(p, q conn) int {
			return cmp.Or(cmp.Compare(p.ts, q.ts), cmp.Compare(p.host, q.host), cmp.Compare(p.pid, q.pid), cmp.Compare(p.image, q.image))
		})
	}
	for _, cs := range x.conns {
		slices.SortFunc(cs, func(p, q conn) int {
			return cmp.Or(cmp.Compare(p.ts, q.ts), cmp.Compare(p.sport, q.sport), p.dst.Compare(q.dst), cmp.Compare(p.dport, q.dport),
				cmp.Compare(p.host, q.host), cmp.Compare(p.guid, q.guid), cmp.Compare(p.pid, q.pid))
		})
	}
	for _, ls := range x.lookups {
		slices.SortFunc(ls, func(p, q lookup) int {
			return cmp.Or(cmp.Compare(p.ts, q.ts), cmp.Compare(p.query, q.query), cmp.Compare(p.guid, q.guid), cmp.Compare(p.pid, q.pid))
		})
	}
	for a, hs := range b.hostIPs {
		for h := range hs {
			x.hostIPs[a] = append(x.hostIPs[a], h)
			x.addrs[strings.ToLower(h)] = append(x.addrs[strings.ToLower(h)], a)
		}
		slices.Sort(x.hostIPs[a])
	}
	for _, as := range x.addrs {
		slices.SortFunc(as, netip.Addr.Compare)
	}
	return x
}

// Empty reports whether the run had no host events.
func (x *Index) Empty() bool { return x == nil || x.events == 0 }

// Hosts returns the names of the hosts that used address a (sorted).
func (x *Index) Hosts(a netip.Addr) []string {
	if x == nil {
		return nil
	}
	return x.hostIPs[a.Unmap()]
}

// Addrs returns the addresses host used (sorted), from its connections.
func (x *Index) Addrs(host string) []netip.Addr {
	if x == nil {
		return nil
	}
	return x.addrs[strings.ToLower(host)]
}

// Start returns what the host logged of a process's start: by its GUID, else the last start
// of its PID at or before ts. ok is false when no start was logged.
func (x *Index) Start(host, guid string, pid int64, ts event.Time) (finding.Process, bool) {
	p := x.start(host, guid, pid, ts)
	if p == nil {
		return finding.Process{}, false
	}
	return finding.Process{Host: p.host, Image: p.image, CommandLine: p.cmd, PID: p.pid, User: p.user,
		ParentImage: p.pimage, ParentCommandLine: p.pcmd}, true
}

func (x *Index) start(host, guid string, pid int64, ts event.Time) *proc {
	if x == nil {
		return nil
	}
	host = strings.ToLower(host)
	if guid != "" {
		if p := x.byGUID[[2]string{host, guid}]; p != nil {
			return p
		}
	}
	if pid < 0 {
		return nil
	}
	ps := x.byPID[hostPID{host, pid}]
	var best *proc
	for _, p := range ps {
		if p.ts <= ts {
			best = p
		}
	}
	return best
}

// describe completes a record's process from its start.
func (x *Index) describe(r ref, ts event.Time) finding.Process {
	out := finding.Process{Host: r.host, Image: r.image, PID: max(r.pid, 0), User: r.user}
	if p := x.start(r.host, r.guid, r.pid, ts); p != nil {
		if out.Image == "" {
			out.Image = p.image
		}
		if out.User == "" {
			out.User = p.user
		}
		out.CommandLine, out.ParentImage, out.ParentCommandLine = p.cmd, p.pimage, p.pcmd
	}
	return out
}

// Options tune Annotate.
type Options struct {
	// Tolerance is how far apart a record's time and the host's may be (clock skew, logging
	// delay), in microseconds.
	Tolerance event.Duration
	// Max is the most processes a finding names.
	Max int
}

// DefaultOptions are 5 s of tolerance and 3 processes a finding.
func DefaultOptions() Options { return Options{Tolerance: 5e6, Max: 3} }

// Annotate names the processes behind each finding that has a source address and no
// processes yet.
func (x *Index) Annotate(fs []finding.Finding, o Options) {
	if x.Empty() {
		return
	}
	if o.Max <= 0 {
		o.Max = 3
	}
	for i := range fs {
		f := &fs[i]
		if len(f.Processes) > 0 {
			continue
		}
		src, err := netip.ParseAddr(f.Entities.Src)
		if err != nil {
			continue
		}
		src = src.Unmap()
		ps := x.match(f, src, o)
		if len(ps) == 0 {
			continue
		}
		if len(ps) > o.Max {
			ps = ps[:o.Max]
		}
		f.Processes = ps
		Entities(f, ps[0])
	}
}

// Entities fills the finding's host, process and user entities from p where they are empty.
func Entities(f *finding.Finding, p finding.Process) {
	if f.Entities.Host == "" {
		f.Entities.Host = p.Host
	}
	if f.Entities.Process == "" {
		f.Entities.Process = ImageName(p.Image)
	}
	if f.Entities.User == "" {
		f.Entities.User = p.User
	}
}

// ImageName is the file name of an image path (Windows or POSIX).
func ImageName(image string) string {
	if i := strings.LastIndexAny(image, `\/`); i >= 0 {
		return image[i+1:]
	}
	return path.Base(image)
}

type tally struct {
	p     finding.Process
	n     int
	first event.Time
}

// match finds the processes behind f's records.
func (x *Index) match(f *finding.Finding, src netip.Addr, o Options) []finding.Process {
	var dst netip.Addr
	if a, err := netip.ParseAddr(f.Entities.Dst); err == nil {
		dst = a.Unmap()
	}
	dport := uint16(f.Entities.DstPort)
	cs := x.conns[src]
	counts := map[ref]*tally{}
	add := func(r ref, ts event.Time) {
		t := counts[r]
		if t == nil {
			t = &tally{p: x.describe(r, ts), first: ts}
			counts[r] = t
		}
		t.n++
	}
	by, of := "", 0
	// 1. 5-tuple
	for _, ev := range f.Evidence {
		if ev.SrcPort == 0 || len(cs) == 0 {
			continue
		}
		of++
		lo, _ := slices.BinarySearchFunc(cs, ev.TS-event.Time(o.Tolerance), func(c conn, t event.Time) int { return cmp.Compare(c.ts, t) })
		for _, c := range cs[lo:] {
			if c.ts > ev.TS+event.Time(o.Tolerance) {
				break
			}
			if c.sport == ev.SrcPort && (!dst.IsValid() || c.dst == dst) && (dport == 0 || c.dport == dport) {
				add(c.ref, c.ts)
				break
			}
		}
	}
	if len(counts) > 0 {
		by = "5-tuple"
	}
	// 2. dns: a finding about a name matches the lookups first
	if len(counts) == 0 {
		name := f.Entities.Domain
		if name == "" && !dst.IsValid() {
			name = f.Entities.DstHost
		}
		name = strings.ToLower(strings.TrimSuffix(name, "."))
		if name != "" {
			of = 0
			first, last := f.First-event.Time(o.Tolerance), f.Last+event.Time(o.Tolerance)
			for _, h := range x.hostIPs[src] {
				for _, l := range x.lookups[h] {
					if l.ts < first || l.ts > last || !under(l.query, name) {
						continue
					}
					of++
					add(l.ref, l.ts)
				}
			}
			by = "dns"
		}
	}
	// 3. flow
	if len(counts) == 0 && dst.IsValid() && len(cs) > 0 {
		of = 0
		first, last := f.First-event.Time(o.Tolerance), f.Last+event.Time(o.Tolerance)
		for _, c := range cs {
			if c.ts < first || c.ts > last || c.dst != dst || dport != 0 && c.dport != dport {
				continue
			}
			of++
			add(c.ref, c.ts)
		}
		by = "flow"
	}
	// 4. destination and time: connections whose local address the host log does not say
	// (auditd), at the finding's destination and port within the tolerance of its records
	if len(counts) == 0 && dst.IsValid() && dport != 0 {
		us := x.unplaced[dstPort{dst, dport}]
		of = 0
		for _, ev := range f.Evidence {
			lo, _ := slices.BinarySearchFunc(us, ev.TS-event.Time(o.Tolerance), func(c conn, t event.Time) int { return cmp.Compare(c.ts, t) })
			of++
			for _, c := range us[lo:] {
				if c.ts > ev.TS+event.Time(o.Tolerance) {
					break
				}
				add(c.ref, c.ts)
				break
			}
		}
		by = "destination"
	}
	out := make([]*tally, 0, len(counts))
	for _, t := range counts {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *tally) int {
		return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.first, b.first), cmp.Compare(a.p.Image, b.p.Image), cmp.Compare(a.p.PID, b.p.PID))
	})
	ps := make([]finding.Process, len(out))
	for i, t := range out {
		ps[i] = t.p
		ps[i].Records, ps[i].Of, ps[i].By = t.n, of, by
	}
	return ps
}

// under reports whether name is domain or a name under it; a registered domain compares by
// the public suffix list.
func under(name, domain string) bool {
	if name == domain || strings.HasSuffix(name, "."+domain) {
		return true
	}
	return dnsname.Registered(name, true) == domain
}
