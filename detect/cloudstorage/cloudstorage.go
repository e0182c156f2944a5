// Package cloudstorage reports data written to cloud storage or shared out of it in volume:
// MITRE ATT&CK's "Detecting Suspicious Cloud Storage Exfiltration" for T1048 (seed 003, Cloud
// Storage Access) exactly, with its events, threshold and risk bands, and then the same
// question per principal and container over a window, with the sizes summed. See README.md.
package cloudstorage

import (
	"cmp"
	"fmt"
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
const ID = "cloud-storage-exfil"

func init() { detect.Register(func() detect.Detection { return New() }) }

// Band is one risk band: a size strictly above Bytes scores Risk.
type Band struct {
	Bytes int64 `yaml:"bytes"`
	Risk  int   `yaml:"risk"`
}

// Params are the detection's parameters. The defaults are the seed's numbers.
type Params struct {
	MinSize      int64           `yaml:"min_size" doc:"the seed's where: file_size > min_size (or file_access_count > min_access_count)"`
	MinAccess    int64           `yaml:"min_access_count" doc:"the seed's where: file_access_count > min_access_count"`
	MinCount     int64           `yaml:"min_count" doc:"the seed's where count >= min_count, over events alike in every field of its stats (the same second, caller, user, file, action, bucket and size)"`
	RiskBands    []Band          `yaml:"risk_bands" doc:"the seed's case: the highest band whose bytes the file size exceeds gives the risk (9 and 8 as 90 and 80)"`
	MinRisk      int             `yaml:"min_risk" doc:"the seed's where risk_score >= 8"`
	Window       detect.Duration `yaml:"window" doc:"beyond the seed: uploads and outward shares of one principal into one container are summed per window (aligned to the epoch in UTC)"`
	WindowBands  []Band          `yaml:"window_bands" doc:"risk of a window by its summed size (the window needs min_count events too); a sum is a weaker sign than the seed's identical writes"`
	CrossAccount int             `yaml:"cross_account" doc:"added to a window's risk when the container belongs to another account than the principal's, or was shared outside"`
}

// DefaultParams returns the seed's numbers and an hour's window.
func DefaultParams() Params {
	return Params{
		MinSize: 5_000_000, MinAccess: 10, MinCount: 5,
		RiskBands:    []Band{{Bytes: 50_000_000, Risk: 90}, {Bytes: 10_000_000, Risk: 80}},
		MinRisk:      80,
		Window:       detect.Duration(3600e9),
		WindowBands:  []Band{{Bytes: 50_000_000, Risk: 60}, {Bytes: 10_000_000, Risk: 50}},
		CrossAccount: 20,
	}
}

// Detection is the cloud storage analytic.
type Detection struct {
	p     Params
	bands []Band
	wins  []Band
}

// New returns the detection with its defaults.
func New() *Detection { return &Detection{p: DefaultParams()} }

// Params returns the parameters, for the config to decode into.
func (d *Detection) Params() any { return &d.p }

// Info describes the detection.
func (d *Detection) Info() detect.Info {
	return detect.Info{
		ID:         ID,
		Title:      "Data written to cloud storage or shared outside in volume",
		Techniques: []string{"T1048", "T1537", "T1567.002"},
		Kinds:      []event.Kind{event.KindCloud},
		Fields:     "CloudTrail PutObject (bucketName, key, bytesTransferredIn), shares outside the organisation (Microsoft 365, Google Drive, S3 policies), Google Workspace activity: time, caller address, principal, object, operation, container, size",
		Source:     "MITRE ATT&CK T1048, Cloud Storage Access: \"Detecting Suspicious Cloud Storage Exfiltration\" (seed 003)",
	}
}

func sortBands(b []Band) []Band {
	b = slices.Clone(b)
	slices.SortStableFunc(b, func(x, y Band) int { return cmp.Compare(y.Bytes, x.Bytes) })
	return b
}

// Prepare checks the parameters.
func (d *Detection) Prepare() error {
	if d.p.Window <= 0 {
		return fmt.Errorf("%s: window: %v is not a positive span", ID, d.p.Window)
	}
	d.bands, d.wins = sortBands(d.p.RiskBands), sortBands(d.p.WindowBands)
	return nil
}

func band(bs []Band, size int64) (int, int64) {
	for _, b := range bs {
		if size > b.Bytes {
			return b.Risk, b.Bytes
		}
	}
	return 0, 0
}

// seedKey is the seed's stats by clause: _time (the second), host, user, file_name, action,
// storage_bucket, file_size; provider and service keep the key's object apart across providers.
type seedKey struct {
	sec                               int64
	provider, service                 string
	host, user, object, action, store string
	size                              int64  // event.Unset until the object's size is learned
	okey                              string // the object's key (cloud.ObjectKey) while its size is unknown
}

// winKey is a principal's container in one window.
type winKey struct {
	provider, service, user, container string
	start                              event.Time
}

type winRow struct {
	n, bytes    int64
	unsized     map[string]int64 // object (cloud.ObjectName) -> events without a size
	objects     map[string]int64
	callers     map[string]int64
	names       map[string]int64
	shares      int64
	cross       bool
	first, last event.Time
	ev          detect.Sample
	app, res    string
}

// maxKept bounds the sets a window keeps (objects, callers): past it they stop growing.
const maxKept = 1000

// Aggregator holds one partition's rows.
type Aggregator struct {
	d     *Detection
	k     int
	span  int64
	seed  cloud.Rows[seedKey]
	win   map[winKey]*winRow
	sizes cloud.Sizes
}

// NewAggregator returns empty state.
func (d *Detection) NewAggregator(env *detect.Env) detect.Aggregator {
	if d.bands == nil && d.wins == nil {
		_ = d.Prepare()
	}
	a := &Aggregator{d: d, k: env.Evidence, span: d.p.Window.Micros(), seed: cloud.Rows[seedKey]{}, win: map[winKey]*winRow{}}
	a.sizes.Above = d.lowest() // smaller sizes make no seed row
	return a
}

// seedEvent reports whether an event is in the seed's search: EventCode="PutObject" OR
// EventCode="FileSharedExternally" OR source="Google_Admin_Logs".
func seedEvent(e *event.Cloud) bool {
	return e.Provider == "aws" && e.Name == "PutObject" || cloud.SharedOut(e) || e.Provider == "google"
}

// ObserveCloud adds an event.
func (a *Aggregator) ObserveCloud(e *event.Cloud) {
	a.sizes.Observe(e)
	if seedEvent(e) {
		a.observeSeed(e)
	}
	if e.Op == event.CloudUpload || cloud.SharedOut(e) {
		a.observeWindow(e)
	}
}

func (a *Aggregator) observeSeed(e *event.Cloud) {
	// Every reported row has a risk, and a risk needs a size above the lowest band: a stated
	// size at or below it can never be reported (the where and the count only group it).
	if e.Bytes >= 0 && e.Bytes <= a.d.lowest() {
		return
	}
	host := cloud.Caller(e)
	// Splunk's stats drops events that lack a by field.
	if host == "" || e.User == "" || e.Object == "" || e.Name == "" || e.Container == "" {
		return
	}
	k := seedKey{sec: detect.FloorDiv(int64(e.TS), 1e6), provider: e.Provider, service: e.Service,
		host: host, user: e.User, object: e.Object, action: e.Name, store: e.Container, size: e.Bytes}
	if e.Bytes < 0 {
		k.okey = strings.Clone(cloud.ObjectKey(e))
	}
	a.seed.Add(k, func(k seedKey) seedKey {
		k.provider, k.service, k.host, k.user = strings.Clone(k.provider), strings.Clone(k.service), strings.Clone(k.host), strings.Clone(k.user)
		k.object, k.action, k.store = strings.Clone(k.object), strings.Clone(k.action), strings.Clone(k.store)
		return k
	}, e, a.k)
}

// lowest is the size at or below which no band scores.
func (d *Detection) lowest() int64 {
	if len(d.bands) == 0 {
		return 1<<63 - 1
	}
	return max(d.bands[len(d.bands)-1].Bytes, 0)
}

func (a *Aggregator) observeWindow(e *event.Cloud) {
	if e.User == "" || e.Container == "" {
		return
	}
	k := winKey{provider: e.Provider, service: e.Service, user: e.User, container: e.Container,
		start: event.Time(detect.FloorDiv(int64(e.TS), a.span) * a.span)}
	r := a.win[k]
	if r == nil {
		k.provider, k.service, k.user, k.container = strings.Clone(k.provider), strings.Clone(k.service), strings.Clone(k.user), strings.Clone(k.container)
		r = &winRow{first: e.TS, last: e.TS, unsized: map[string]int64{}, objects: map[string]int64{},
			callers: map[string]int64{}, names: map[string]int64{}, app: cloud.App(e), res: cloud.Resource(e)}
		a.win[k] = r
	}
	r.n++
	r.first, r.last = min(r.first, e.TS), max(r.last, e.TS)
	rank := int64(0)
	if e.Bytes >= 0 {
		r.bytes += e.Bytes
		rank = e.Bytes
	} else if o := cloud.ObjectName(e); o != "" && cloud.Whole(e) && e.Name != "CompleteMultipartUpload" {
		cloud.Tally(r.unsized, o, 1, math.MaxInt) // sized at the end from what other events say of it
	}
	if cloud.SharedOut(e) {
		r.shares++
		r.cross = true
	}
	if e.Owner != "" && e.Account != "" && e.Owner != e.Account {
		r.cross = true
	}
	if o := cloud.ObjectName(e); o != "" {
		cloud.Tally(r.objects, o, 1, maxKept)
	}
	if c := cloud.Caller(e); c != "" {
		cloud.Tally(r.callers, c, 1, maxKept)
	}
	cloud.Tally(r.names, e.Name, 1, math.MaxInt)
	r.ev.Add(a.k, detect.Item{Rank: rank, TS: e.TS, Ref: e.Ref})
}

// Merge folds another partition's rows in.
func (a *Aggregator) Merge(other detect.Aggregator) {
	o := other.(*Aggregator)
	a.sizes.Merge(&o.sizes)
	a.seed.Merge(o.seed, a.k)
	for k, x := range o.win {
		r := a.win[k]
		if r == nil {
			a.win[k] = x
			continue
		}
		r.n += x.n
		r.bytes += x.bytes
		r.shares += x.shares
		r.cross = r.cross || x.cross
		r.first, r.last = min(r.first, x.first), max(r.last, x.last)
		for ok, n := range x.unsized {
			r.unsized[ok] += n
		}
		for o, n := range x.objects {
			cloud.Tally(r.objects, o, n, maxKept)
		}
		for c, n := range x.callers {
			cloud.Tally(r.callers, c, n, maxKept)
		}
		for nm, n := range x.names {
			r.names[nm] += n
		}
		r.ev.Merge(a.k, &x.ev)
	}
}

// Score applies the seed to its rows, then scores the windows.
func (d *Detection) Score(agg detect.Aggregator, env *detect.Env) ([]finding.Finding, error) {
	a := agg.(*Aggregator)
	var out []finding.Finding
	out = append(out, d.scoreSeed(a)...)
	out = append(out, d.scoreWindows(a)...)
	finding.Sort(out)
	return out, nil
}

func (d *Detection) scoreSeed(a *Aggregator) []finding.Finding {
	// Events whose size the log did not state take the size another event stated for the same
	// object; rows alike once sized are one row.
	rows := a.seed.Sized(a.k, func(k seedKey) (seedKey, bool) {
		if k.size < 0 {
			if k.size = a.sizes.OfKey(k.okey); k.size < 0 {
				return k, false // no size: Splunk's stats drops the event
			}
		}
		k.okey = ""
		return k, true
	})
	var out []finding.Finding
	for k, r := range rows {
		// where (file_size > 5000000 OR file_access_count > 10): every row that can score has a
		// size above the lowest band, above min_size with the defaults; with other bands the
		// access count is not kept, so a row must pass on its size.
		if k.size <= d.p.MinSize || r.N < d.p.MinCount {
			continue
		}
		risk, over := band(d.bands, k.size)
		if risk < d.p.MinRisk || risk == 0 {
			continue
		}
		f := detect.Base(d.Info(), risk)
		f.Entities = finding.Entities{User: k.user, DstHost: resource(k.provider, k.service, k.store), App: appOf(k.service)}
		if looksAddr(k.host) {
			f.Entities.Src = k.host
		} else {
			f.Entities.Host = k.host
		}
		f.First, f.Last = r.First, event.Time(k.sec*1e6+999_999)
		f.Summary = fmt.Sprintf("%s %s of %s (%s) into %s by %s from %s within one second: seed 003's cloud storage exfiltration, risk %d",
			finding.Commas(r.N), k.action, k.object, output.HumanBytes(k.size), resource(k.provider, k.service, k.store), k.user, k.host, risk/10)
		f.Figures = []finding.Figure{
			finding.Fig("count", r.N, finding.Count),
			finding.Fig("file_size", k.size, finding.Bytes),
			finding.Fig("risk_band_bytes", over, finding.Bytes),
			finding.Fig("_time", event.Time(k.sec*1e6), finding.TimeUnit),
			finding.Fig("host", k.host, finding.Text),
			finding.Fig("user", k.user, finding.Text),
			finding.Fig("file_name", k.object, finding.Text),
			finding.Fig("action", k.action, finding.Text),
			finding.Fig("storage_bucket", k.store, finding.Text),
			finding.Fig("risk_score", risk/10, finding.Count),
			finding.Fig("mode", "seed", finding.Text),
		}
		f.Evidence = r.Ev.Evidence(nil)
		out = append(out, f)
	}
	return out
}

func (d *Detection) scoreWindows(a *Aggregator) []finding.Finding {
	var out []finding.Finding
	for k, r := range a.win {
		total := r.bytes
		for o, n := range r.unsized {
			if s := a.sizes.OfKey(cloud.KeyOf(k.provider, k.container, o)); s > 0 {
				total += s * n
			}
		}
		if r.n < d.p.MinCount {
			continue
		}
		risk, over := band(d.wins, total)
		if risk == 0 {
			continue
		}
		var why []string
		if r.cross {
			risk += d.p.CrossAccount
			if r.shares > 0 {
				why = append(why, fmt.Sprintf("%s outside the organisation", finding.Plural(r.shares, "share")))
			} else {
				why = append(why, "the container belongs to another account")
			}
		}
		f := detect.Base(d.Info(), risk)
		f.Entities = finding.Entities{User: k.user, DstHost: r.res, App: r.app}
		callers := finding.Head(finding.Ranked(r.callers), 3)
		if len(r.callers) == 1 {
			if looksAddr(callers[0]) {
				f.Entities.Src = callers[0]
			} else {
				f.Entities.Host = callers[0]
			}
		}
		f.First, f.Last = r.first, r.last
		f.Summary = fmt.Sprintf("%s wrote or shared %s in %s into %s within %s (%s) from %s",
			k.user, output.HumanBytes(total), finding.Plural(r.n, "event"), r.res, d.p.Window, strings.Join(finding.Head(finding.Ranked(r.names), 3), ", "), strings.Join(callers, ", "))
		if len(why) > 0 {
			f.Summary += "; " + strings.Join(why, ", ")
		}
		f.Figures = []finding.Figure{
			finding.Fig("bytes", total, finding.Bytes),
			finding.Fig("events", r.n, finding.Count),
			finding.Fig("objects", len(r.objects), finding.Count),
			finding.Fig("risk_band_bytes", over, finding.Bytes),
			finding.Fig("window_start", k.start, finding.TimeUnit),
			finding.Fig("shares_outside", r.shares, finding.Count),
			finding.Fig("mode", "window", finding.Text),
		}
		f.Evidence = r.ev.Evidence(nil)
		out = append(out, f)
	}
	return out
}

func resource(provider, service, container string) string {
	return cloud.Resource(&event.Cloud{Provider: provider, Service: service, Container: container})
}

func appOf(service string) string { return cloud.App(&event.Cloud{Service: service}) }

func looksAddr(s string) bool { return cloud.IsAddr(s) }
