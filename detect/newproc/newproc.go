// Package newproc reports processes that make network connections and were not seen doing so
// in a saved baseline: seed 003's "Processes utilizing the network that do not normally have
// network communication or have never been seen before are suspicious" (T1048, Network
// Traffic Flow). `sluice baseline save` stores the images that connected; a later
// `sluice hunt --baseline FILE` reports the news. See README.md.
package newproc

import (
	"cmp"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/attrib"
	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

// ID is the detection's stable id.
const ID = "new-network-process"

// Section is the baseline section this detection writes and reads.
const Section = "network_processes"

func init() { detect.Register(func() detect.Detection { return New() }) }

// Params are the detection's parameters.
type Params struct {
	PerHost       bool     `yaml:"per_host" doc:"a process is new on each host it was not seen on (false: new when no host of the baseline ran it on the network)"`
	Risk          int      `yaml:"risk" doc:"risk of a process not in the baseline"`
	External      int      `yaml:"external" doc:"added when it connected outside the internal networks"`
	Writable      int      `yaml:"writable" doc:"added when its image is in a user-writable folder (see writable_paths)"`
	WritablePaths []string `yaml:"writable_paths" doc:"folders users and malware write to (case-insensitive substrings of the normalized image path)"`
	Ignore        []string `yaml:"ignore" doc:"images never reported (normalized paths or file names, case-insensitive)"`
}

// DefaultParams returns the defaults.
func DefaultParams() Params {
	return Params{Risk: 50, External: 10, Writable: 10,
		WritablePaths: []string{`\appdata\`, `\temp\`, `\users\public\`, `\downloads\`, `\programdata\`, `/tmp/`, `/var/tmp/`, `/dev/shm/`, `/downloads/`}}
}

// Detection reports never-seen network processes.
type Detection struct{ p Params }

// New returns the detection with its defaults.
func New() *Detection { return &Detection{p: DefaultParams()} }

// Params returns the parameters, for the config to decode into.
func (d *Detection) Params() any { return &d.p }

// Info describes the detection.
func (d *Detection) Info() detect.Info {
	return detect.Info{
		ID:         ID,
		Title:      "Process on the network that the baseline never saw there",
		Techniques: []string{"T1048", "T1071"},
		Kinds:      []event.Kind{event.KindHost},
		Fields:     "Sysmon 3 / auditd connect: Image, host, DestinationIp, DestinationPort, Initiated",
		Source:     "MITRE ATT&CK T1048, Network Traffic Flow: processes never seen on the network before (seed 003)",
	}
}

// BaselineSection names the baseline section of network processes.
func (d *Detection) BaselineSection() string { return Section }

// Baseline returns the processes the aggregate saw connecting.
func (d *Detection) Baseline(agg detect.Aggregator) []string {
	var out []string
	for k := range agg.(*Aggregator).procs {
		out = append(out, d.baselineKey(k))
	}
	return out
}

var users = regexp.MustCompile(`(?i)^([a-z]:\\users\\|/home/|/users/)[^\\/]+`)

// Normalize lower-cases an image path and replaces the user's name in a profile path by "*",
// so that one program in every user's profile is one process.
func Normalize(image string) string {
	image = strings.ToLower(strings.TrimSpace(image))
	if m := users.FindStringSubmatchIndex(image); m != nil {
		image = image[:m[3]] + "*" + image[m[1]:]
	}
	return image
}

type procKey struct{ host, image string }

func (d *Detection) baselineKey(k procKey) string {
	if d.p.PerHost {
		return k.host + "|" + k.image
	}
	return k.image
}

type dstKey struct {
	addr netip.Addr
	port uint16
}

// proc is what one process image did on one host.
type proc struct {
	image, host string // as logged (first seen)
	user        string
	guid        string
	pid         int64
	n           int64
	first, last event.Time
	firstRef    event.Ref
	src         netip.Addr
	dsts        map[dstKey]int64
	ev          detect.Sample
}

// Aggregator holds one partition's processes.
type Aggregator struct {
	k     int
	procs map[procKey]*proc
}

// NewAggregator returns empty state.
func (d *Detection) NewAggregator(env *detect.Env) detect.Aggregator {
	return &Aggregator{k: env.Evidence, procs: map[procKey]*proc{}}
}

// ObserveHost adds an outbound connection (or one whose direction the log does not say).
func (a *Aggregator) ObserveHost(e *event.Host) {
	if e.Op != event.OpConnect || e.Initiated == 0 || e.Proc.Image == "" {
		return
	}
	k := procKey{strings.ToLower(e.Computer), Normalize(e.Proc.Image)}
	p := a.procs[k]
	if p == nil {
		k.host, k.image = strings.Clone(k.host), strings.Clone(k.image)
		p = &proc{first: e.TS, last: e.TS, dsts: map[dstKey]int64{}}
		a.procs[k] = p
		p.set(e)
	} else if e.TS < p.first || e.TS == p.first && e.Ref.Less(p.firstRef) {
		p.set(e)
	}
	p.n++
	p.last = max(p.last, e.TS)
	if len(p.dsts) < 256 {
		p.dsts[dstKey{e.Dst, e.DstPort}]++
	}
	p.ev.Add(a.k, detect.Item{TS: e.TS, Ref: e.Ref, SrcPort: e.SrcPort})
}

func (p *proc) set(e *event.Host) {
	p.first, p.firstRef = e.TS, e.Ref
	p.image, p.host, p.user = strings.Clone(e.Proc.Image), strings.Clone(e.Computer), strings.Clone(e.Proc.User)
	p.guid, p.pid, p.src = strings.Clone(e.Proc.GUID), e.Proc.PID, e.Src
}

// Merge folds another partition's processes in.
func (a *Aggregator) Merge(other detect.Aggregator) {
	for k, o := range other.(*Aggregator).procs {
		p := a.procs[k]
		if p == nil {
			a.procs[k] = o
			continue
		}
		if o.first < p.first || o.first == p.first && o.firstRef.Less(p.firstRef) {
			p.first, p.firstRef, p.image, p.host, p.user, p.guid, p.pid, p.src = o.first, o.firstRef, o.image, o.host, o.user, o.guid, o.pid, o.src
		}
		p.n += o.n
		p.last = max(p.last, o.last)
		for dk, n := range o.dsts {
			if _, ok := p.dsts[dk]; ok || len(p.dsts) < 256 {
				p.dsts[dk] += n
			}
		}
		p.ev.Merge(a.k, &o.ev)
	}
}

// Score reports the processes the baseline does not hold; without a baseline, nothing (the
// run builds one with `sluice baseline save`).
func (d *Detection) Score(agg detect.Aggregator, env *detect.Env) ([]finding.Finding, error) {
	a := agg.(*Aggregator)
	if env.Baseline.Len(Section) == 0 {
		return nil, nil
	}
	ignore := map[string]bool{}
	for _, i := range d.p.Ignore {
		ignore[strings.ToLower(i)] = true
	}
	var out []finding.Finding
	for k, p := range a.procs {
		if env.Baseline.Has(Section, d.baselineKey(k)) || ignore[k.image] || ignore[strings.ToLower(attrib.ImageName(k.image))] {
			continue
		}
		out = append(out, d.finding(k, p, env))
	}
	finding.Sort(out)
	return out, nil
}

func (d *Detection) finding(k procKey, p *proc, env *detect.Env) finding.Finding {
	type dst struct {
		dstKey
		n int64
	}
	var ds []dst
	external := false
	for dk, n := range p.dsts {
		ds = append(ds, dst{dk, n})
		external = external || dk.addr.IsValid() && !env.IsInternal(dk.addr)
	}
	slices.SortFunc(ds, func(x, y dst) int {
		return cmp.Or(cmp.Compare(y.n, x.n), x.addr.Compare(y.addr), cmp.Compare(x.port, y.port))
	})
	risk := d.p.Risk
	var why []string
	if external {
		risk += d.p.External
		why = append(why, "connected outside")
	}
	for _, w := range d.p.WritablePaths {
		if strings.Contains(k.image, strings.ToLower(w)) {
			risk += d.p.Writable
			why = append(why, "runs from a user-writable folder")
			break
		}
	}
	f := detect.Base(d.Info(), risk)
	name := attrib.ImageName(p.image)
	f.Entities = finding.Entities{Host: p.host, User: p.user, Process: name}
	if p.src.IsValid() {
		f.Entities.Src = p.src.String()
	}
	if len(ds) == 1 {
		f.Entities.Dst, f.Entities.DstPort = ds[0].addr.String(), int(ds[0].port)
	}
	f.First, f.Last = p.first, p.last
	var list []string
	for i, x := range ds {
		if i == 5 {
			list = append(list, fmt.Sprintf("%d more", len(ds)-5))
			break
		}
		list = append(list, fmt.Sprintf("%s:%d (%s)", x.addr, x.port, finding.Commas(x.n)))
	}
	f.Summary = fmt.Sprintf("%s on %s made %s, and the baseline never saw it on the network: %s",
		p.image, p.host, finding.Plural(p.n, "connection"), strings.Join(list, ", "))
	if len(why) > 0 {
		f.Summary += " (" + strings.Join(why, ", ") + ")"
	}
	f.Figures = []finding.Figure{
		finding.Fig("connections", p.n, finding.Count),
		finding.Fig("destinations", len(ds), finding.Count),
		finding.Fig("baseline_key", d.baselineKey(k), finding.Text),
	}
	pr := finding.Process{Host: p.host, Image: p.image, PID: max(p.pid, 0), User: p.user, Records: int(p.n), Of: int(p.n), By: "host"}
	if s, ok := env.Hosts.Start(p.host, p.guid, p.pid, p.first); ok {
		pr.CommandLine, pr.ParentImage, pr.ParentCommandLine = s.CommandLine, s.ParentImage, s.ParentCommandLine
	}
	f.Processes = []finding.Process{pr}
	f.Evidence = p.ev.Evidence(nil)
	return f
}
