// Package cloudexposure reports cloud data opened to the world or to another account: buckets
// and objects made public, files shared by anonymous link or outside the organisation and then
// downloaded by others, bucket replication to another account, snapshots and images shared
// with another account or everyone (T1537, T1530, T1567). See README.md.
package cloudexposure

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/cloud"
	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
	"github.com/sluice-hunt/sluice/output"
)

// ID is the detection's stable id.
const ID = "cloud-exposure"

func init() { detect.Register(func() detect.Detection { return New() }) }

// Params are the detection's parameters.
type Params struct {
	PublicStorage int             `yaml:"public_storage" doc:"risk of a bucket or object made public (policy, ACL, public access block lifted)"`
	PublicLink    int             `yaml:"public_link" doc:"risk of a file or document opened to anyone with the link (anonymous link, people_with_link)"`
	External      int             `yaml:"external_share" doc:"risk of a file shared with someone outside the organisation"`
	Replication   int             `yaml:"replication" doc:"risk of bucket replication to another account"`
	Snapshot      int             `yaml:"snapshot_share" doc:"risk of a snapshot or image shared with another account; +10 when shared with everyone"`
	Created       int             `yaml:"created_then_shared" doc:"added when the shared snapshot was taken in the logs by the same principal"`
	Downloaded    int             `yaml:"downloaded" doc:"added when others read the shared data after the share, within follow"`
	Follow        detect.Duration `yaml:"follow" doc:"how long after a share reads by others count"`
	MinRisk       int             `yaml:"min_risk" doc:"lowest risk reported: by default shares and links alone are not, they are when followed by downloads"`
}

// DefaultParams returns the defaults.
func DefaultParams() Params {
	return Params{PublicStorage: 60, PublicLink: 30, External: 20, Replication: 70, Snapshot: 70, Created: 10,
		Downloaded: 30, Follow: detect.Duration(7 * 24 * 3600e9), MinRisk: 50}
}

// Detection is the exposure analytic.
type Detection struct{ p Params }

// New returns the detection with its defaults.
func New() *Detection { return &Detection{p: DefaultParams()} }

// Params returns the parameters, for the config to decode into.
func (d *Detection) Params() any { return &d.p }

// Info describes the detection.
func (d *Detection) Info() detect.Info {
	return detect.Info{
		ID:         ID,
		Title:      "Cloud data made public or shared with another account, and read",
		Techniques: []string{"T1537", "T1530", "T1567.002"},
		Kinds:      []event.Kind{event.KindCloud},
		Fields:     "CloudTrail PutBucketPolicy / PutBucketAcl / PutObjectAcl / public access block / PutBucketReplication / ModifySnapshotAttribute / ModifyDBSnapshotAttribute / ModifyImageAttribute / CreateSnapshot, Microsoft 365 sharing and anonymous links, Google Drive visibility and access changes; reads (GetObject, FileDownloaded, AnonymousLinkUsed, Drive download)",
		Source:     "sluice: MITRE ATT&CK T1537 / T1530, the catalogue's cloud analytics (public ACL/policy, replication to another account, snapshot sharing, anonymous links followed by downloads)",
	}
}

type shareKey struct{ provider, service, user, container, kind string }

// share is what one principal opened of one container, of one kind.
type share struct {
	n           int64
	first, last event.Time
	objects     map[string]string // objects (cloud.ObjectName) -> names; empty: the whole container
	targets     map[string]int64
	names       map[string]int64
	public      bool
	caller      string
	ev          detect.Sample
}

type contKey struct{ provider, container string }

// reader is what one principal read of one container.
type reader struct {
	n, bytes    int64
	first, last event.Time
	objects     map[uint64]struct{} // hashes of the objects read (cloud.ObjectName; maxRead of them)
	ev          detect.Sample
}

// snap is a snapshot taken.
type snap struct {
	ts   event.Time
	user string
	from string
	ref  event.Ref
}

const maxKept = 256

// maxRead bounds the objects a reader's entry remembers: reads are the bulk of a busy account's
// data events, so they are kept as hashes (FNV-1a, the same on every run), and a share of
// objects matches the readers of those objects among the maxRead of smallest hash each read of
// the container (a sample that does not depend on the order the events come in).
const maxRead = 64

func objHash(object string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(object))
	return h.Sum64()
}

// Aggregator holds one partition's state.
type Aggregator struct {
	k      int
	shares map[shareKey]*share
	reads  map[contKey]map[string]*reader // container -> principal -> reads
	snaps  map[string]snap                // snapshot id -> creation
}

// NewAggregator returns empty state.
func (d *Detection) NewAggregator(env *detect.Env) detect.Aggregator {
	return &Aggregator{k: env.Evidence, shares: map[shareKey]*share{}, reads: map[contKey]map[string]*reader{}, snaps: map[string]snap{}}
}

// kind classifies an outward share, "" when the event is none.
func kind(e *event.Cloud) string {
	if !cloud.SharedOut(e) || e.Error != "" {
		return ""
	}
	switch {
	case e.Op == event.CloudReplicate:
		return "replication"
	case e.Provider == "aws" && (strings.Contains(e.Name, "Snapshot") || strings.Contains(e.Name, "Image")):
		return "snapshot"
	case e.Provider == "aws":
		return "storage"
	case e.Scope == event.ScopePublic:
		return "link"
	}
	return "external"
}

// ObserveCloud adds an event.
func (a *Aggregator) ObserveCloud(e *event.Cloud) {
	if e.Error != "" {
		return
	}
	switch e.Op {
	case event.CloudSnapshot:
		if e.Target != "" {
			s, ok := a.snaps[e.Target]
			if !ok || e.TS < s.ts {
				a.snaps[strings.Clone(e.Target)] = snap{ts: e.TS, user: strings.Clone(e.User), from: strings.Clone(e.Container), ref: e.Ref}
			}
		}
		return
	case event.CloudDownload:
		a.observeRead(e)
		return
	}
	kd := kind(e)
	if kd == "" {
		return
	}
	k := shareKey{provider: e.Provider, service: e.Service, user: e.User, container: e.Container, kind: kd}
	s := a.shares[k]
	if s == nil {
		k.provider, k.service, k.user, k.container = strings.Clone(k.provider), strings.Clone(k.service), strings.Clone(k.user), strings.Clone(k.container)
		s = &share{first: e.TS, last: e.TS, objects: map[string]string{}, targets: map[string]int64{}, names: map[string]int64{}, caller: strings.Clone(cloud.Caller(e))}
		a.shares[k] = s
	}
	s.n++
	s.first, s.last = min(s.first, e.TS), max(s.last, e.TS)
	if o := cloud.ObjectName(e); o != "" && len(s.objects) < maxKept {
		if _, ok := s.objects[o]; !ok {
			s.objects[strings.Clone(o)] = strings.Clone(e.Object)
		}
	}
	t := e.Target
	if t == "" {
		t = e.Scope
	}
	cloud.Tally(s.targets, t, 1, maxKept)
	cloud.Tally(s.names, e.Name, 1, math.MaxInt)
	s.public = s.public || e.Scope == event.ScopePublic
	s.ev.Add(a.k, detect.Item{TS: e.TS, Ref: e.Ref})
}

func (a *Aggregator) observeRead(e *event.Cloud) {
	ck := contKey{e.Provider, e.Container}
	m := a.reads[ck]
	if m == nil {
		ck = contKey{strings.Clone(ck.provider), strings.Clone(ck.container)}
		m = map[string]*reader{}
		a.reads[ck] = m
	}
	r := m[e.User]
	if r == nil {
		r = &reader{first: e.TS, last: e.TS, objects: map[uint64]struct{}{}}
		m[strings.Clone(e.User)] = r
	}
	r.n += max(e.Count, 1)
	r.bytes += max(e.Bytes, 0)
	r.first, r.last = min(r.first, e.TS), max(r.last, e.TS)
	if o := cloud.ObjectName(e); o != "" {
		cloud.KeepSmallest(r.objects, objHash(o), maxRead)
	}
	r.ev.Add(a.k, detect.Item{Rank: max(e.Bytes, 0), TS: e.TS, Ref: e.Ref})
}

// Merge folds another partition's state in.
func (a *Aggregator) Merge(other detect.Aggregator) {
	o := other.(*Aggregator)
	for k, y := range o.shares {
		x := a.shares[k]
		if x == nil {
			a.shares[k] = y
			continue
		}
		x.n += y.n
		if y.first < x.first {
			x.caller = y.caller
		}
		x.first, x.last = min(x.first, y.first), max(x.last, y.last)
		for ob, name := range y.objects {
			if len(x.objects) < maxKept {
				x.objects[ob] = name
			}
		}
		for t, n := range y.targets {
			cloud.Tally(x.targets, t, n, maxKept)
		}
		for nm, n := range y.names {
			x.names[nm] += n
		}
		x.public = x.public || y.public
		x.ev.Merge(a.k, &y.ev)
	}
	for ck, ym := range o.reads {
		xm := a.reads[ck]
		if xm == nil {
			a.reads[ck] = ym
			continue
		}
		for u, y := range ym {
			x := xm[u]
			if x == nil {
				xm[u] = y
				continue
			}
			x.n += y.n
			x.bytes += y.bytes
			x.first, x.last = min(x.first, y.first), max(x.last, y.last)
			for ob := range y.objects {
				cloud.KeepSmallest(x.objects, ob, maxRead)
			}
			x.ev.Merge(a.k, &y.ev)
		}
	}
	for id, s := range o.snaps {
		if x, ok := a.snaps[id]; !ok || s.ts < x.ts {
			a.snaps[id] = s
		}
	}
}

// Score reports the shares.
func (d *Detection) Score(agg detect.Aggregator, env *detect.Env) ([]finding.Finding, error) {
	a := agg.(*Aggregator)
	var out []finding.Finding
	for k, s := range a.shares {
		if f, ok := d.score(k, s, a); ok {
			out = append(out, f)
		}
	}
	finding.Sort(out)
	return out, nil
}

func (d *Detection) score(k shareKey, s *share, a *Aggregator) (finding.Finding, bool) {
	var risk int
	var what string
	switch k.kind {
	case "replication":
		risk, what = d.p.Replication, "set replication of"
	case "snapshot":
		risk, what = d.p.Snapshot, "shared"
		if s.public {
			risk += 10
		}
	case "storage":
		risk, what = d.p.PublicStorage, "opened"
		if !s.public {
			risk, what = d.p.External, "shared"
		}
	case "link":
		risk, what = d.p.PublicLink, "opened to anyone with the link"
	default:
		risk, what = d.p.External, "shared outside the organisation"
	}
	res := cloud.Resource(&event.Cloud{Provider: k.provider, Service: k.service, Container: k.container})
	var why []string
	var extra []finding.Evidence
	if k.kind == "snapshot" {
		if sn, ok := a.snaps[k.container]; ok && sn.user == k.user && sn.ts <= s.first {
			risk += d.p.Created
			why = append(why, fmt.Sprintf("the snapshot was taken of %s %s before", sn.from, finding.HumanSeconds(float64(s.first-sn.ts)/1e6)))
			extra = append(extra, finding.Evidence{Ref: sn.ref, TS: sn.ts, Note: "snapshot taken"})
		}
	}
	// reads by others after the share
	var readers []string
	var reads, bytes int64
	var rev detect.Sample
	follow := event.Time(d.p.Follow.Micros())
	for u, r := range a.reads[contKey{k.provider, k.container}] {
		if u == k.user || r.last < s.first || r.first > s.last+follow {
			continue
		}
		if len(s.objects) > 0 && !overlaps(s.objects, r.objects) {
			continue
		}
		readers = append(readers, u)
		reads += r.n
		bytes += r.bytes
		rev.Merge(a.k, &r.ev)
	}
	slices.Sort(readers)
	if len(readers) > 0 {
		risk += d.p.Downloaded
		w := fmt.Sprintf("then read %s by %s", finding.Plural(reads, "time"), strings.Join(finding.Head(readers, 3), ", "))
		if bytes > 0 {
			w += " (" + output.HumanBytes(bytes) + ")"
		}
		why = append(why, w)
	}
	if risk < d.p.MinRisk {
		return finding.Finding{}, false
	}
	f := detect.Base(d.Info(), risk)
	f.Entities = finding.Entities{User: k.user, DstHost: res, App: cloud.App(&event.Cloud{Service: k.service})}
	if cloud.IsAddr(s.caller) {
		f.Entities.Src = s.caller
	}
	f.First, f.Last = s.first, s.last
	targets := finding.Ranked(s.targets)
	objs := make([]string, 0, len(s.objects))
	for _, name := range s.objects {
		objs = append(objs, name)
	}
	slices.Sort(objs)
	objs = slices.Compact(objs)
	subject := res
	if len(objs) > 0 {
		subject = strings.Join(finding.Head(objs, 3), ", ") + " in " + res
	}
	f.Summary = fmt.Sprintf("%s %s %s to %s (%s)", k.user, what, subject, strings.Join(finding.Head(targets, 3), ", "), strings.Join(finding.Ranked(s.names), ", "))
	if len(why) > 0 {
		f.Summary += "; " + strings.Join(why, "; ")
	}
	f.Figures = []finding.Figure{
		finding.Fig("shares", s.n, finding.Count),
		finding.Fig("kind", k.kind, finding.Text),
		finding.Fig("targets", strings.Join(finding.Head(targets, 10), ", "), finding.Text),
		finding.Fig("objects", len(s.objects), finding.Count),
		finding.Fig("readers_after", len(readers), finding.Count),
		finding.Fig("reads_after", reads, finding.Count),
		finding.Fig("bytes_read_after", bytes, finding.Bytes),
	}
	ev := append(extra, s.ev.Evidence(func(detect.Item) string { return "share" })...)
	ev = append(ev, rev.Evidence(func(detect.Item) string { return "read after the share" })...)
	slices.SortStableFunc(ev, func(p, q finding.Evidence) int { return cmp.Compare(p.TS, q.TS) })
	f.Evidence = ev
	return f, true
}

func overlaps(a map[string]string, b map[uint64]struct{}) bool {
	for k := range a {
		if _, ok := b[objHash(k)]; ok {
			return true
		}
	}
	return false
}
