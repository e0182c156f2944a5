// Package cloudupload reports repeated large uploads to cloud services and large mail sent
// through them: MITRE ATT&CK's "Detecting Alternative Exfiltration via Cloud Services" for T1048
// (seed 003, Application Log Content), with its actions, threshold and risk rules. See
// README.md.
package cloudupload

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/cloud"
	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
	"github.com/sluice-hunt/sluice/output"
)

// ID is the detection's stable id.
const ID = "cloud-service-upload"

func init() { detect.Register(func() detect.Detection { return New() }) }

// Rule is one branch of the seed's case: events whose action (or operation) is one of Actions
// and whose size is strictly above Bytes score Risk.
type Rule struct {
	Actions []string `yaml:"actions"`
	Bytes   int64    `yaml:"bytes"`
	Risk    int      `yaml:"risk"`
}

// Params are the detection's parameters. The defaults are the seed's.
type Params struct {
	Actions  []string `yaml:"actions" doc:"the seed's where action IN (...): upload (Microsoft 365), putObject (S3), email_sent (Exchange, Gmail), drive_upload (Google Drive)"`
	MinCount int64    `yaml:"min_count" doc:"the seed's where count >= 3, over events alike in every field of its stats (the same second, caller, user, action, destination and size)"`
	Rules    []Rule   `yaml:"risk_rules" doc:"the seed's case, first match wins: an action or operation name in actions and a size above bytes scores risk (9 and 8 as 90 and 80)"`
	MinRisk  int      `yaml:"min_risk" doc:"the seed's where risk_score >= 8"`
}

// DefaultParams returns the seed's.
func DefaultParams() Params {
	return Params{
		Actions:  []string{cloud.ActionUpload, cloud.ActionPutObject, cloud.ActionEmailSent, cloud.ActionDriveUpload},
		MinCount: 3,
		Rules: []Rule{
			{Actions: []string{cloud.ActionPutObject, "FileUploaded"}, Bytes: 10_000_000, Risk: 90},
			{Actions: []string{cloud.ActionEmailSent}, Bytes: 5_000_000, Risk: 80},
		},
		MinRisk: 80,
	}
}

// Detection is the cloud services analytic.
type Detection struct {
	p      Params
	floor  int64 // the smallest size any rule can score above
	ruled  map[string]bool
	listed map[string]bool
}

// New returns the detection with its defaults.
func New() *Detection { return &Detection{p: DefaultParams()} }

// Params returns the parameters, for the config to decode into.
func (d *Detection) Params() any { return &d.p }

// Info describes the detection.
func (d *Detection) Info() detect.Info {
	return detect.Info{
		ID:         ID,
		Title:      "Repeated large uploads or mail through a cloud service",
		Techniques: []string{"T1048", "T1567.002"},
		Kinds:      []event.Kind{event.KindCloud},
		Fields:     "CloudTrail PutObject, Microsoft 365 FileUploaded / FileSyncUploadedFull / Send, Google Drive upload and Gmail send: time, caller address, principal, operation, destination (bucket, site, recipients, Drive owner), size",
		Source:     "MITRE ATT&CK T1048, Application Log Content: \"Detecting Alternative Exfiltration via Cloud Services\" (seed 003)",
	}
}

// Prepare checks the parameters.
func (d *Detection) Prepare() error {
	d.listed = map[string]bool{}
	for _, a := range d.p.Actions {
		d.listed[a] = true
	}
	d.ruled = map[string]bool{}
	d.floor = 1<<63 - 1
	for i, r := range d.p.Rules {
		if len(r.Actions) == 0 {
			return fmt.Errorf("%s: risk_rules[%d]: no actions", ID, i)
		}
		for _, a := range r.Actions {
			d.ruled[a] = true
		}
		d.floor = min(d.floor, max(r.Bytes, 0))
	}
	return nil
}

// key is the seed's stats by clause: _time (the second), host, user, action, destination,
// file_size; the operation and provider keep providers and operations apart.
type key struct {
	sec                             int64
	provider, service, op           string
	host, user, action, destination string
	object                          string // the object's key (cloud.ObjectKey) while its size is unknown
	size                            int64
}

// Aggregator holds one partition's rows.
type Aggregator struct {
	d     *Detection
	k     int
	rows  cloud.Rows[key]
	sizes cloud.Sizes
}

// NewAggregator returns empty state.
func (d *Detection) NewAggregator(env *detect.Env) detect.Aggregator {
	if d.listed == nil {
		_ = d.Prepare()
	}
	a := &Aggregator{d: d, k: env.Evidence, rows: cloud.Rows[key]{}}
	a.sizes.Above = d.floor // no rule scores a smaller size
	return a
}

// inSearch reports whether an event is in the seed's search: EventCode="FileUploaded" OR
// EventCode="PutObject" OR source="O365_audit" OR source="Google_Admin_Logs".
func inSearch(e *event.Cloud) bool {
	return e.Provider == "m365" || e.Provider == "google" || e.Provider == "aws" && e.Name == "PutObject"
}

// Destination is the seed's destination of an event: the recipients of a message, else the
// container (bucket, site, Drive owner).
func Destination(e *event.Cloud) string {
	if e.Op == event.CloudMail {
		if len(e.Recipients) > 0 {
			rs := slices.Clone([]string(e.Recipients))
			slices.Sort(rs)
			return strings.Join(rs, ",")
		}
		return e.Target
	}
	return e.Container
}

// ObserveCloud adds an event.
func (a *Aggregator) ObserveCloud(e *event.Cloud) {
	a.sizes.Observe(e)
	if !inSearch(e) {
		return
	}
	act := cloud.SeedAction(e)
	if !a.d.listed[act] || !a.d.ruled[act] && !a.d.ruled[e.Name] {
		return // not in the where, or no rule can ever score it
	}
	if e.Bytes >= 0 && e.Bytes <= a.d.floor {
		return // no rule scores a size this small
	}
	host, dst := cloud.Caller(e), Destination(e)
	if host == "" || e.User == "" || dst == "" {
		return // Splunk's stats drops events that lack a by field
	}
	k := key{sec: detect.FloorDiv(int64(e.TS), 1e6), provider: e.Provider, service: e.Service, op: e.Name,
		host: host, user: e.User, action: act, destination: dst, size: e.Bytes}
	if e.Bytes < 0 {
		k.object = cloud.ObjectKey(e) // sized at the end from what other events say of it
	}
	a.rows.Add(k, func(k key) key {
		k.provider, k.service, k.op, k.host, k.user = strings.Clone(k.provider), strings.Clone(k.service), strings.Clone(k.op), strings.Clone(k.host), strings.Clone(k.user)
		k.destination, k.object = strings.Clone(k.destination), strings.Clone(k.object)
		return k
	}, e, a.k)
}

// Merge folds another partition's rows in.
func (a *Aggregator) Merge(other detect.Aggregator) {
	o := other.(*Aggregator)
	a.sizes.Merge(&o.sizes)
	a.rows.Merge(o.rows, a.k)
}

// risk is the seed's case for one row.
func (d *Detection) risk(k key) (int, Rule) {
	for _, r := range d.p.Rules {
		if (slices.Contains(r.Actions, k.action) || slices.Contains(r.Actions, k.op)) && k.size > r.Bytes {
			return r.Risk, r
		}
	}
	return 0, Rule{}
}

// Score applies the seed to the rows.
func (d *Detection) Score(agg detect.Aggregator, env *detect.Env) ([]finding.Finding, error) {
	a := agg.(*Aggregator)
	rows := a.rows.Sized(a.k, func(k key) (key, bool) {
		if k.size < 0 {
			if k.size = a.sizes.OfKey(k.object); k.object == "" || k.size < 0 {
				return k, false // no size: Splunk's stats drops the event
			}
		}
		k.object = ""
		return k, true
	})
	var out []finding.Finding
	for k, r := range rows {
		if r.N < d.p.MinCount {
			continue
		}
		risk, rule := d.risk(k)
		if risk == 0 || risk < d.p.MinRisk {
			continue
		}
		f := detect.Base(d.Info(), risk)
		f.Entities = finding.Entities{User: k.user, App: cloud.App(&event.Cloud{Service: k.service})}
		if cloud.IsAddr(k.host) {
			f.Entities.Src = k.host
		} else {
			f.Entities.Host = k.host
		}
		if k.action == cloud.ActionEmailSent {
			f.Entities.DstHost = k.destination
		} else {
			f.Entities.DstHost = cloud.Resource(&event.Cloud{Provider: k.provider, Service: k.service, Container: k.destination})
		}
		f.First, f.Last = r.First, event.Time(k.sec*1e6+999_999)
		f.Summary = fmt.Sprintf("%s %s (%s, %s each) by %s from %s to %s within one second: seed 003's exfiltration via cloud services, risk %d",
			finding.Commas(r.N), k.op, k.action, output.HumanBytes(k.size), k.user, k.host, k.destination, risk/10)
		f.Figures = []finding.Figure{
			finding.Fig("count", r.N, finding.Count),
			finding.Fig("file_size", k.size, finding.Bytes),
			finding.Fig("rule_bytes", rule.Bytes, finding.Bytes),
			finding.Fig("_time", event.Time(k.sec*1e6), finding.TimeUnit),
			finding.Fig("host", k.host, finding.Text),
			finding.Fig("user", k.user, finding.Text),
			finding.Fig("action", k.action, finding.Text),
			finding.Fig("operation", k.op, finding.Text),
			finding.Fig("destination", k.destination, finding.Text),
			finding.Fig("risk_score", risk/10, finding.Count),
		}
		f.Evidence = r.Ev.Evidence(nil)
		out = append(out, f)
	}
	finding.Sort(out)
	return out, nil
}
