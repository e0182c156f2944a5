// Package finding defines what a detection reports: a ranked, explained, evidenced finding,
// and the per-entity risk rollup that risk-based alerting builds from findings.
package finding

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/event"
)

// Severity grades a finding.
type Severity int

// The severities, lowest first.
const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s >= 0 && int(s) < len(severityNames) {
		return severityNames[s]
	}
	return "unknown"
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	for i, n := range severityNames {
		if strings.EqualFold(n, string(b)) {
			*s = Severity(i)
			return nil
		}
	}
	return fmt.Errorf("unknown severity %q", b)
}

// SeverityFor maps a 0-100 risk score to a severity: >= 80 critical, >= 60 high, >= 40 medium,
// >= 20 low, else info (the bands of RITA's threat score, in percent).
func SeverityFor(risk int) Severity {
	switch {
	case risk >= 80:
		return Critical
	case risk >= 60:
		return High
	case risk >= 40:
		return Medium
	case risk >= 20:
		return Low
	}
	return Info
}

// Entities are who and what a finding is about. Empty fields were not known.
type Entities struct {
	Src     string `json:"src,omitempty"`      // source host (address)
	Dst     string `json:"dst,omitempty"`      // destination address
	DstHost string `json:"dst_host,omitempty"` // destination name (SNI, Host, DNS name)
	DstPort int    `json:"dst_port,omitempty"`
	Proto   string `json:"proto,omitempty"` // transport
	App     string `json:"app,omitempty"`   // application protocol
	User    string `json:"user,omitempty"`
	// Host is the source host's name, when a host log names it (Sysmon's Computer).
	Host    string `json:"host,omitempty"`
	Process string `json:"process,omitempty"` // the process's image (file name)
	Domain  string `json:"domain,omitempty"`
	// UserAgent is the HTTP user agent, when the finding is about one.
	UserAgent string `json:"user_agent,omitempty"`
}

// Unit tells how a figure's value reads.
type Unit string

// The units of figures.
const (
	Count    Unit = "count"
	Bytes    Unit = "bytes"
	Ratio    Unit = "ratio"
	Seconds  Unit = "seconds"
	Score    Unit = "score" // 0..1
	Text     Unit = "text"
	Percent  Unit = "percent"
	TimeUnit Unit = "time"
)

// Figure is one number (or word) that made a finding fire.
type Figure struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
	Unit  Unit   `json:"unit"`
}

// Fig builds a figure.
func Fig(name string, value any, unit Unit) Figure {
	return Figure{Name: name, Value: value, Unit: unit}
}

// Evidence is one source record behind a finding.
type Evidence struct {
	Ref  event.Ref  `json:"-"`
	File string     `json:"file"`
	Line uint32     `json:"line"`
	TS   event.Time `json:"ts"`
	// Note says what this record shows (e.g. "1,082,089 B sent").
	Note string `json:"note,omitempty"`
	// SrcPort is the record's source port, when the detection kept it (to match the record
	// to the host process that made it).
	SrcPort uint16 `json:"src_port,omitempty"`
	// Text is the record as it stands in the file, when it could be read back.
	Text string `json:"record,omitempty"`
}

// Finding is one thing a detection reports.
type Finding struct {
	Detection  string     `json:"detection"`
	Title      string     `json:"title"`
	Techniques []string   `json:"techniques"`
	Severity   Severity   `json:"severity"`
	Risk       int        `json:"risk"`
	Entities   Entities   `json:"entities"`
	First      event.Time `json:"first"`
	Last       event.Time `json:"last"`
	// Summary is the one-line reason.
	Summary  string     `json:"summary"`
	Figures  []Figure   `json:"figures"`
	Evidence []Evidence `json:"evidence"`
	// Processes are the host processes behind the finding's records, most records first, when
	// host logs (Sysmon, auditd) name them.
	Processes []Process `json:"processes,omitempty"`
}

// Process is a host process behind a finding.
type Process struct {
	Host              string `json:"host,omitempty"`
	Image             string `json:"image"`
	CommandLine       string `json:"command_line,omitempty"`
	PID               int64  `json:"pid,omitempty"`
	User              string `json:"user,omitempty"`
	ParentImage       string `json:"parent_image,omitempty"`
	ParentCommandLine string `json:"parent_command_line,omitempty"`
	// Records is how many of the finding's records (connections, lookups) the process made,
	// of Of that the host logs could be matched against.
	Records int `json:"records"`
	Of      int `json:"of"`
	// By tells how the records were matched: "host" (the finding comes from the host log),
	// "5-tuple" (addresses, ports and time), "flow" (addresses, destination port and time
	// window), "dns" (the host's lookups of the name) or "destination" (destination address,
	// port and time, for host logs that do not name the local address: auditd).
	By string `json:"by"`
}

// Figure returns the value of the named figure, or nil.
func (f *Finding) Figure(name string) any {
	for _, g := range f.Figures {
		if g.Name == name {
			return g.Value
		}
	}
	return nil
}

// Sort orders findings deterministically: highest risk first, then severity, detection,
// source, destination, port and first time.
func Sort(fs []Finding) {
	slices.SortStableFunc(fs, Compare)
}

// Compare is the order Sort uses.
func Compare(a, b Finding) int {
	if c := cmp.Compare(b.Risk, a.Risk); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Detection, b.Detection); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Entities.Src, b.Entities.Src); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Entities.Dst, b.Entities.Dst); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Entities.DstHost, b.Entities.DstHost); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Entities.DstPort, b.Entities.DstPort); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Entities.App, b.Entities.App); c != 0 {
		return c
	}
	if c := cmp.Compare(a.First, b.First); c != 0 {
		return c
	}
	return cmp.Compare(a.Summary, b.Summary)
}

// Rollup is the risk of one source entity summed over its findings.
type Rollup struct {
	Entity     string   `json:"entity"`
	Risk       int      `json:"risk"`
	Findings   int      `json:"findings"`
	Detections []string `json:"detections"`
	MaxSev     Severity `json:"max_severity"`
}

// RollUp sums risk per source entity (the finding's Src, else its User), as risk-based
// alerting does, highest total first; ties by more distinct detections, then name.
func RollUp(fs []Finding) []Rollup {
	idx := map[string]int{}
	var out []Rollup
	for _, f := range fs {
		e := f.Entities.Src
		if e == "" {
			e = f.Entities.User
		}
		if e == "" {
			continue
		}
		i, ok := idx[e]
		if !ok {
			i = len(out)
			idx[e] = i
			out = append(out, Rollup{Entity: e})
		}
		r := &out[i]
		r.Risk += f.Risk
		r.Findings++
		if !slices.Contains(r.Detections, f.Detection) {
			r.Detections = append(r.Detections, f.Detection)
		}
		r.MaxSev = max(r.MaxSev, f.Severity)
	}
	for i := range out {
		slices.Sort(out[i].Detections)
	}
	slices.SortFunc(out, func(a, b Rollup) int {
		if c := cmp.Compare(b.Risk, a.Risk); c != 0 {
			return c
		}
		if c := cmp.Compare(len(b.Detections), len(a.Detections)); c != 0 {
			return c
		}
		return cmp.Compare(a.Entity, b.Entity)
	})
	return out
}

// HistogramUnit marks a figure whose value is a Histogram.
const HistogramUnit Unit = "histogram"

// Histogram counts records in equal time bins: what `--explain` draws as a chart.
type Histogram struct {
	Start  event.Time `json:"start"`
	Bin    int64      `json:"bin_seconds"`
	Counts []int      `json:"counts"`
}
