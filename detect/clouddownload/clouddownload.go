// Package clouddownload reports cloud data read in bulk by one principal, and a principal's
// first reads of a container from an address when something about them is off (credentials of
// a cloud instance used from a workstation, enumeration just before, an address the principal
// had not used): MITRE's "many downloads by a single user in a short period of time" (T1048,
// Application Log Content, seed 003) and GetObject anomalies (T1530). See README.md.
package clouddownload

import (
	"cmp"
	"fmt"
	"maps"
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
const ID = "cloud-download"

// Section is the baseline section of principal, container and address triples.
const Section = "cloud_access"

func init() { detect.Register(func() detect.Detection { return New() }) }

// Params are the detection's parameters.
type Params struct {
	BulkWindow  detect.Duration `yaml:"bulk_window" doc:"bulk download: the sliding window (whole minutes) in which one principal's reads are counted"`
	BulkCount   int64           `yaml:"bulk_count" doc:"bulk download: this many reads (items, for records that cover several) in the window"`
	BulkBytes   int64           `yaml:"bulk_bytes" doc:"bulk download: or this many bytes read in the window"`
	BulkRisk    int             `yaml:"bulk_risk" doc:"risk of a bulk download; +10 at five times a threshold"`
	FirstRisk   int             `yaml:"first_risk" doc:"risk of a first access (a principal reading a container from an address for the first time in the logs and the baseline)"`
	Instance    int             `yaml:"instance_off_host" doc:"added when the reads used a cloud instance's role credentials from a workstation client (a macOS or Windows SDK/CLI user agent)"`
	Enumeration int             `yaml:"enumeration" doc:"added when the principal listed buckets or objects within enumeration_window before its first read"`
	EnumWindow  detect.Duration `yaml:"enumeration_window" doc:"how long before the first read a listing counts as enumeration"`
	NewAddress  int             `yaml:"new_address" doc:"added when the principal had called from other addresses before it read from this one"`
	NotBaseline int             `yaml:"not_in_baseline" doc:"added when a baseline is loaded and does not hold the triple"`
	MinRisk     int             `yaml:"min_risk" doc:"first accesses with a lower risk are not reported (a first access alone is ordinary)"`
}

// DefaultParams returns the defaults.
func DefaultParams() Params {
	return Params{
		BulkWindow: detect.Duration(600e9), BulkCount: 50, BulkBytes: 500_000_000, BulkRisk: 50,
		FirstRisk: 20, Instance: 30, Enumeration: 20, EnumWindow: detect.Duration(1800e9), NewAddress: 10, NotBaseline: 20,
		MinRisk: 50,
	}
}

// Detection is the cloud download analytic.
type Detection struct{ p Params }

// New returns the detection with its defaults.
func New() *Detection { return &Detection{p: DefaultParams()} }

// Params returns the parameters, for the config to decode into.
func (d *Detection) Params() any { return &d.p }

// Info describes the detection.
func (d *Detection) Info() detect.Info {
	return detect.Info{
		ID:         ID,
		Title:      "Cloud data read in bulk, or a principal's odd first reads of a container",
		Techniques: []string{"T1530", "T1048"},
		Kinds:      []event.Kind{event.KindCloud},
		Fields:     "CloudTrail GetObject / ListBuckets / ListObjects (userIdentity, sourceIPAddress, userAgent, bucketName, key, bytesTransferredOut), Microsoft 365 FileDownloaded / FileSyncDownloadedFull / MailItemsAccessed, Google Drive download",
		Source:     "MITRE ATT&CK T1048, Application Log Content (\"many downloads by a single user in a short period of time\", seed 003); GetObject anomalies (T1530)",
	}
}

// Prepare checks the parameters.
func (d *Detection) Prepare() error {
	if d.p.BulkWindow < detect.Duration(60e9) {
		return fmt.Errorf("%s: bulk_window: %v is shorter than a minute", ID, d.p.BulkWindow)
	}
	return nil
}

// BaselineSection names the baseline section.
func (d *Detection) BaselineSection() string { return Section }

// Baseline returns the triples the aggregate saw read.
func (d *Detection) Baseline(agg detect.Aggregator) []string {
	var out []string
	for k := range agg.(*Aggregator).access {
		out = append(out, k.baselineKey())
	}
	return out
}

type accessKey struct{ provider, service, user, container, caller string }

func (k accessKey) baselineKey() string { return k.user + "|" + k.container + "|" + k.caller }

// access is what one principal read of one container from one address.
type access struct {
	n, items, bytes int64
	first, last     event.Time
	firstRef        event.Ref
	objects         map[string]int64
	names           map[string]int64
	ua, role, inst  string
	ev              detect.Sample
}

// slot is one minute of a principal's reads.
type slot struct{ items, bytes int64 }

// principal is what a run saw of one principal.
type principal struct {
	reads map[int64]*slot // by minute
	// lists are the minutes the principal enumerated (ListBuckets, ListObjects), with the
	// first listing of each minute as evidence.
	lists map[int64]listing
	// callers: the first time each address (or service) was seen for the principal.
	callers map[string]event.Time
	ev      detect.Sample // reads, the largest first
}

type listing struct {
	ts   event.Time
	ref  event.Ref
	name string
}

// maxKept bounds per-key sets.
const maxKept = 256

// maxObjects bounds the objects an access remembers by name (to show the most read): an
// account's reads are its bulk, and the names are only shown.
const maxObjects = 16

// Aggregator holds one partition's principals.
type Aggregator struct {
	k      int
	access map[accessKey]*access
	princ  map[string]*principal
}

// NewAggregator returns empty state.
func (d *Detection) NewAggregator(env *detect.Env) detect.Aggregator {
	return &Aggregator{k: env.Evidence, access: map[accessKey]*access{}, princ: map[string]*principal{}}
}

func (a *Aggregator) principal(user string) *principal {
	p := a.princ[user]
	if p == nil {
		p = &principal{reads: map[int64]*slot{}, lists: map[int64]listing{}, callers: map[string]event.Time{}}
		a.princ[strings.Clone(user)] = p
	}
	return p
}

// ObserveCloud adds an event.
func (a *Aggregator) ObserveCloud(e *event.Cloud) {
	if e.User == "" || e.Error != "" {
		return
	}
	p := a.principal(e.User)
	caller := cloud.Caller(e)
	if caller != "" {
		if t, ok := p.callers[caller]; !ok && len(p.callers) < maxKept {
			p.callers[strings.Clone(caller)] = e.TS
		} else if ok && e.TS < t {
			p.callers[caller] = e.TS
		}
	}
	minute := detect.FloorDiv(int64(e.TS), 60e6)
	switch e.Op {
	case event.CloudList:
		if l, ok := p.lists[minute]; !ok || e.TS < l.ts || e.TS == l.ts && e.Ref.Less(l.ref) {
			p.lists[minute] = listing{ts: e.TS, ref: e.Ref, name: strings.Clone(e.Name)}
		}
		return
	case event.CloudDownload:
	default:
		return
	}
	items := max(e.Count, 1)
	bytes := max(e.Bytes, 0)
	s := p.reads[minute]
	if s == nil {
		s = &slot{}
		p.reads[minute] = s
	}
	s.items += items
	s.bytes += bytes
	p.ev.Add(a.k, detect.Item{Rank: bytes, TS: e.TS, Ref: e.Ref})

	k := accessKey{provider: e.Provider, service: e.Service, user: e.User, container: e.Container, caller: caller}
	x := a.access[k]
	if x == nil {
		k.provider, k.service, k.user, k.container, k.caller = strings.Clone(k.provider), strings.Clone(k.service), strings.Clone(k.user), strings.Clone(k.container), strings.Clone(k.caller)
		x = &access{first: e.TS, last: e.TS, firstRef: e.Ref, objects: map[string]int64{}, names: map[string]int64{}}
		x.set(e)
		a.access[k] = x
	} else if e.TS < x.first || e.TS == x.first && e.Ref.Less(x.firstRef) {
		x.first, x.firstRef = e.TS, e.Ref
		x.set(e)
	}
	x.n++
	x.items += items
	x.bytes += bytes
	x.last = max(x.last, e.TS)
	cloud.Tally(x.objects, e.Object, 1, maxObjects)
	cloud.Tally(x.names, e.Name, 1, math.MaxInt)
	x.ev.Add(a.k, detect.Item{TS: e.TS, Ref: e.Ref})
}

func (x *access) set(e *event.Cloud) {
	x.ua, x.role, x.inst = strings.Clone(e.UserAgent), strings.Clone(e.Role), strings.Clone(e.Instance)
}

// MergeDisjoint joins the aggregators of the engine's other partitions: cloud events are
// partitioned by principal and every key holds the principal, so they share no key.
func (a *Aggregator) MergeDisjoint(others []detect.Aggregator) {
	na, np := len(a.access), len(a.princ)
	for _, o := range others {
		na += len(o.(*Aggregator).access)
		np += len(o.(*Aggregator).princ)
	}
	access, princ := make(map[accessKey]*access, na), make(map[string]*principal, np)
	maps.Copy(access, a.access)
	maps.Copy(princ, a.princ)
	a.access, a.princ = access, princ
	for _, o := range others {
		maps.Copy(access, o.(*Aggregator).access)
		maps.Copy(princ, o.(*Aggregator).princ)
	}
}

// Merge folds another partition's state in.
func (a *Aggregator) Merge(other detect.Aggregator) {
	o := other.(*Aggregator)
	for k, y := range o.access {
		x := a.access[k]
		if x == nil {
			a.access[k] = y
			continue
		}
		if y.first < x.first || y.first == x.first && y.firstRef.Less(x.firstRef) {
			x.first, x.firstRef, x.ua, x.role, x.inst = y.first, y.firstRef, y.ua, y.role, y.inst
		}
		x.last = max(x.last, y.last)
		x.n += y.n
		x.items += y.items
		x.bytes += y.bytes
		for obj, n := range y.objects {
			cloud.Tally(x.objects, obj, n, maxObjects)
		}
		for nm, n := range y.names {
			x.names[nm] += n
		}
		x.ev.Merge(a.k, &y.ev)
	}
	for u, q := range o.princ {
		p := a.princ[u]
		if p == nil {
			a.princ[u] = q
			continue
		}
		for m, s := range q.reads {
			if t := p.reads[m]; t != nil {
				t.items += s.items
				t.bytes += s.bytes
			} else {
				p.reads[m] = s
			}
		}
		for m, l := range q.lists {
			if x, ok := p.lists[m]; !ok || l.ts < x.ts || l.ts == x.ts && l.ref.Less(x.ref) {
				p.lists[m] = l
			}
		}
		for c, t := range q.callers {
			if x, ok := p.callers[c]; !ok && len(p.callers) < maxKept || ok && t < x {
				p.callers[c] = t
			}
		}
		p.ev.Merge(a.k, &q.ev)
	}
}

// Score reports bulk downloads and odd first accesses.
func (d *Detection) Score(agg detect.Aggregator, env *detect.Env) ([]finding.Finding, error) {
	a := agg.(*Aggregator)
	sc := &scoring{env: env, byUser: map[string][]accessKey{}, princ: map[string]*summary{}, desk: map[string]bool{}}
	for k := range a.access {
		sc.byUser[k.user] = append(sc.byUser[k.user], k)
	}
	var out []finding.Finding
	for u, p := range a.princ {
		if f, ok := d.bulk(u, p, a, sc); ok {
			out = append(out, f)
		}
	}
	for k, x := range a.access {
		if f, ok := d.first(k, x, sc.summary(k.user, a.princ[k.user]), sc); ok {
			out = append(out, f)
		}
	}
	finding.Sort(out)
	return out, nil
}

// scoring is what Score works out once and reuses across a principal's findings.
type scoring struct {
	env    *detect.Env
	byUser map[string][]accessKey
	princ  map[string]*summary
	desk   map[string]bool // user agent -> cloud.Workstation
}

// summary is a principal's listings in time order and its two earliest callers.
type summary struct {
	lists   []listing
	earlyBy [2]string
	earlyAt [2]event.Time
	callers int
}

func (sc *scoring) summary(user string, p *principal) *summary {
	if s, ok := sc.princ[user]; ok || p == nil {
		return s
	}
	s := &summary{}
	for _, l := range p.lists {
		s.lists = append(s.lists, l)
	}
	slices.SortFunc(s.lists, func(x, y listing) int {
		if c := cmp.Compare(x.ts, y.ts); c != 0 {
			return c
		}
		if x.ref.Less(y.ref) {
			return -1
		}
		if y.ref.Less(x.ref) {
			return 1
		}
		return 0
	})
	for c, t := range p.callers {
		switch {
		case s.callers == 0 || t < s.earlyAt[0] || t == s.earlyAt[0] && c < s.earlyBy[0]:
			s.earlyBy[1], s.earlyAt[1] = s.earlyBy[0], s.earlyAt[0]
			s.earlyBy[0], s.earlyAt[0] = c, t
		case s.callers == 1 || t < s.earlyAt[1] || t == s.earlyAt[1] && c < s.earlyBy[1]:
			s.earlyBy[1], s.earlyAt[1] = c, t
		}
		s.callers++
	}
	sc.princ[user] = s
	return s
}

// listingBefore returns the principal's earliest listing within window before t.
func (s *summary) listingBefore(t event.Time, window event.Time) (listing, bool) {
	i, _ := slices.BinarySearchFunc(s.lists, t-window, func(l listing, x event.Time) int { return cmp.Compare(l.ts, x) })
	if i < len(s.lists) && s.lists[i].ts <= t {
		return s.lists[i], true
	}
	return listing{}, false
}

// otherBefore returns the earliest caller of the principal other than caller, when it called
// before t.
func (s *summary) otherBefore(caller string, t event.Time) (string, bool) {
	for i := range min(s.callers, 2) {
		if s.earlyBy[i] != caller {
			return s.earlyBy[i], s.earlyAt[i] < t
		}
	}
	return "", false
}

func (sc *scoring) workstation(ua string) bool {
	w, ok := sc.desk[ua]
	if !ok {
		w = cloud.Workstation(ua)
		sc.desk[ua] = w
	}
	return w
}

// bulk finds the principal's busiest window of reads.
func (d *Detection) bulk(user string, p *principal, a *Aggregator, sc *scoring) (finding.Finding, bool) {
	if len(p.reads) == 0 {
		return finding.Finding{}, false
	}
	width := int64(d.p.BulkWindow.Std().Minutes())
	minutes := make([]int64, 0, len(p.reads))
	for m := range p.reads {
		minutes = append(minutes, m)
	}
	slices.Sort(minutes)
	var best struct {
		items, bytes int64
		from, to     int64
	}
	var items, bytes int64
	lo := 0
	for hi, m := range minutes {
		items += p.reads[m].items
		bytes += p.reads[m].bytes
		for minutes[lo] <= m-width {
			items -= p.reads[minutes[lo]].items
			bytes -= p.reads[minutes[lo]].bytes
			lo++
		}
		if items > best.items || items == best.items && bytes > best.bytes {
			best.items, best.bytes, best.from, best.to = items, bytes, minutes[lo], minutes[hi]
		}
	}
	byCount, byBytes := d.p.BulkCount > 0 && best.items >= d.p.BulkCount, d.p.BulkBytes > 0 && best.bytes >= d.p.BulkBytes
	if !byCount && !byBytes {
		return finding.Finding{}, false
	}
	risk := d.p.BulkRisk
	if byCount && best.items >= 5*d.p.BulkCount || byBytes && best.bytes >= 5*d.p.BulkBytes {
		risk += 10
	}
	// the containers and callers of the principal's reads in the window
	from, to := event.Time(best.from*60e6), event.Time((best.to+1)*60e6)
	var conts, callers []string
	seenC, seenA := map[string]bool{}, map[string]bool{}
	var app string
	for _, k := range sc.byUser[user] {
		if x := a.access[k]; x.last < from || x.first >= to {
			continue
		}
		r := cloud.Resource(&event.Cloud{Provider: k.provider, Service: k.service, Container: k.container})
		if !seenC[r] {
			seenC[r] = true
			conts = append(conts, r)
			app = cloud.App(&event.Cloud{Service: k.service})
		}
		if !seenA[k.caller] {
			seenA[k.caller] = true
			callers = append(callers, k.caller)
		}
	}
	slices.Sort(conts)
	slices.Sort(callers)
	f := detect.Base(d.Info(), risk)
	f.Entities = finding.Entities{User: user}
	if len(conts) == 1 {
		f.Entities.DstHost, f.Entities.App = conts[0], app
	}
	if len(callers) == 1 && cloud.IsAddr(callers[0]) {
		f.Entities.Src = callers[0]
	}
	f.First, f.Last = from, to-1
	size := ""
	if best.bytes > 0 {
		size = " (" + output.HumanBytes(best.bytes) + ")"
	}
	f.Summary = fmt.Sprintf("%s read %s%s within %s out of %s, calling from %s: a bulk download",
		user, finding.Plural(best.items, "item"), size, d.p.BulkWindow, strings.Join(finding.Head(conts, 3), ", "), strings.Join(finding.Head(callers, 3), ", "))
	f.Figures = []finding.Figure{
		finding.Fig("items", best.items, finding.Count),
		finding.Fig("bytes", best.bytes, finding.Bytes),
		finding.Fig("bulk_count", d.p.BulkCount, finding.Count),
		finding.Fig("bulk_bytes", d.p.BulkBytes, finding.Bytes),
		finding.Fig("containers", len(conts), finding.Count),
		finding.Fig("mode", "bulk", finding.Text),
	}
	f.Evidence = p.ev.Evidence(nil)
	return f, true
}

// first scores a principal's reads of a container from one address.
func (d *Detection) first(k accessKey, x *access, s *summary, sc *scoring) (finding.Finding, bool) {
	env := sc.env
	if env.Baseline.Has(Section, k.baselineKey()) {
		return finding.Finding{}, false
	}
	risk := d.p.FirstRisk
	var why []string
	var extra []finding.Evidence
	if x.inst != "" && sc.workstation(x.ua) {
		risk += d.p.Instance
		why = append(why, fmt.Sprintf("credentials of instance %s used from a workstation client (%s)", x.inst, x.ua))
	}
	if s != nil {
		if l, ok := s.listingBefore(x.first, event.Time(d.p.EnumWindow.Micros())); ok {
			risk += d.p.Enumeration
			why = append(why, fmt.Sprintf("%s %s before the first read", l.name, finding.HumanSeconds(float64(x.first-l.ts)/1e6)))
			extra = append(extra, finding.Evidence{Ref: l.ref, TS: l.ts, Note: "enumeration: " + l.name})
		}
		if c, ok := s.otherBefore(k.caller, x.first); ok {
			risk += d.p.NewAddress
			why = append(why, fmt.Sprintf("the principal had called from %s before, not from %s", c, k.caller))
		}
	}
	if env.Baseline.Len(Section) > 0 {
		risk += d.p.NotBaseline
		why = append(why, "not in the baseline")
	}
	if risk < d.p.MinRisk {
		return finding.Finding{}, false
	}
	slices.Sort(why)
	res := cloud.Resource(&event.Cloud{Provider: k.provider, Service: k.service, Container: k.container})
	f := detect.Base(d.Info(), risk)
	f.Entities = finding.Entities{User: k.user, DstHost: res, App: cloud.App(&event.Cloud{Service: k.service}), UserAgent: x.ua}
	if cloud.IsAddr(k.caller) {
		f.Entities.Src = k.caller
	} else {
		f.Entities.Host = k.caller
	}
	f.First, f.Last = x.first, x.last
	objs := finding.Ranked(x.objects)
	named := strings.Join(finding.Head(objs, 3), ", ")
	var distinct any = len(objs)
	if len(objs) >= maxObjects { // the names stopped being kept: say no more than is known
		named = strings.Join(objs[:3], ", ") + " and others"
		distinct = fmt.Sprintf("%d or more", maxObjects)
	}
	what := fmt.Sprintf("%s %s of %s", finding.Commas(x.n), strings.Join(finding.Ranked(x.names), "/"), named)
	if x.bytes > 0 {
		what += " (" + output.HumanBytes(x.bytes) + ")"
	}
	f.Summary = fmt.Sprintf("first access of %s to %s from %s: %s", k.user, res, k.caller, what)
	if x.role != "" {
		f.Summary += "; role " + x.role
	}
	if len(why) > 0 {
		f.Summary += "; " + strings.Join(why, "; ")
	}
	f.Figures = []finding.Figure{
		finding.Fig("reads", x.n, finding.Count),
		finding.Fig("objects", distinct, finding.Count),
		finding.Fig("bytes", x.bytes, finding.Bytes),
		finding.Fig("first_read", x.first, finding.TimeUnit),
		finding.Fig("principal", k.user, finding.Text),
		finding.Fig("container", k.container, finding.Text),
		finding.Fig("caller", k.caller, finding.Text),
	}
	if x.role != "" {
		f.Figures = append(f.Figures, finding.Fig("role", x.role, finding.Text))
	}
	if x.inst != "" {
		f.Figures = append(f.Figures, finding.Fig("instance", x.inst, finding.Text))
	}
	f.Figures = append(f.Figures, finding.Fig("baseline_key", k.baselineKey(), finding.Text), finding.Fig("mode", "first-access", finding.Text))
	f.Evidence = append(extra, x.ev.Evidence(nil)...)
	slices.SortStableFunc(f.Evidence, func(p, q finding.Evidence) int { return cmp.Compare(p.TS, q.TS) })
	return f, true
}
