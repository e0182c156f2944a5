// Package detect is the framework every detection plugs into: the Detection contract, the
// registry that `sluice detections` lists, the environment a detection scores in, and small
// helpers for mergeable state.
//
// A detection works in two steps, kept apart so that the first can later run elsewhere (as SQL
// inside ClickHouse) and feed the same second step:
//
//   - aggregation: each engine worker owns one Aggregator and feeds it events through the
//     observer interfaces it implements (ConnObserver, HTTPObserver ...); at the end the engine
//     merges the workers' aggregators into one (Merge must be order independent);
//   - scoring: Score turns the merged aggregate into findings.
package detect

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/attrib"
	"github.com/sluice-hunt/sluice/baseline"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
	"github.com/sluice-hunt/sluice/netset"
)

// Info describes a detection.
type Info struct {
	ID         string       // stable id used in config and output, e.g. "protocol-port-mismatch"
	Title      string       // one line
	Techniques []string     // ATT&CK ids
	Kinds      []event.Kind // event kinds it reads (its data sources)
	Fields     string       // the fields it reads, in words
	Source     string       // where the logic comes from (seed, catalogue)
}

// Detection is one analytic.
type Detection interface {
	Info() Info
	// Params returns a pointer to the detection's parameter struct, holding its defaults until
	// the config is decoded into it. Fields carry `yaml:"name"` and `doc:"..."` tags.
	Params() any
	// NewAggregator returns empty per-worker state. It is called after the params are set.
	NewAggregator(env *Env) Aggregator
	// Score turns the merged aggregate into findings.
	Score(agg Aggregator, env *Env) ([]finding.Finding, error)
}

// Preparer is a detection with work to do once its parameters are set and before any event
// (read a data file its parameters name, compile patterns): the engine calls Prepare first and
// stops the run on its error.
type Preparer interface {
	Prepare() error
}

// Aggregator is a detection's mergeable per-worker state. It also implements the observer
// interfaces of the event kinds it reads.
type Aggregator interface {
	// Merge folds other (an aggregator of the same detection) into this one. The result must
	// not depend on the order of merges or of the events each side saw.
	Merge(other Aggregator)
}

// Observer interfaces: an Aggregator implements those of the kinds it reads.
type (
	ConnObserver   interface{ ObserveConn(*event.Conn) }
	HTTPObserver   interface{ ObserveHTTP(*event.HTTP) }
	DNSObserver    interface{ ObserveDNS(*event.DNS) }
	TLSObserver    interface{ ObserveTLS(*event.TLS) }
	FileObserver   interface{ ObserveFile(*event.File) }
	SMTPObserver   interface{ ObserveSMTP(*event.SMTP) }
	FTPObserver    interface{ ObserveFTP(*event.FTP) }
	X509Observer   interface{ ObserveX509(*event.X509) }
	NoticeObserver interface{ ObserveNotice(*event.Notice) }
	HostObserver   interface{ ObserveHost(*event.Host) }
	CloudObserver  interface{ ObserveCloud(*event.Cloud) }
)

// Window is the time span of the events a run read.
type Window struct {
	First, Last event.Time
}

// Span is Last-First, zero for an empty window.
func (w Window) Span() event.Duration {
	if w.Last <= w.First {
		return 0
	}
	return event.Duration(w.Last - w.First)
}

// Env is what detections share in a run.
type Env struct {
	// Internal networks (RFC 1918 etc. by default).
	Internal *netset.Set
	// Evidence is the most source records a finding carries.
	Evidence int
	// Window is set before Score: the span of all events read.
	Window Window
	// Baseline is what earlier runs saw (`sluice baseline save`); nil when the run has none.
	Baseline *baseline.Store
	// Hosts is set before Score: the run's host events (processes, their connections and
	// lookups), to name the process behind a record; empty when the run read no host log.
	Hosts *attrib.Index
	// External networks are outside even when Internal covers them (a lab's C2 server in
	// 10.0.0.0/8, a partner's range).
	External *netset.Set
}

// Baseliner is a detection that contributes to a baseline: `sluice baseline save` stores what
// its merged aggregate saw under its section, and a later hunt with that baseline reports only
// what is not in it.
type Baseliner interface {
	BaselineSection() string
	// Baseline returns the values the aggregate saw (any order, duplicates allowed).
	Baseline(agg Aggregator) []string
}

// IsInternal reports whether a is in the internal networks.
func (e *Env) IsInternal(a netip.Addr) bool {
	return e.Internal.Contains(a) && (e.External == nil || !e.External.Contains(a))
}

var registry []func() Detection

// Register adds a detection's constructor to the registry; detections call it from init.
func Register(newDetection func() Detection) { registry = append(registry, newDetection) }

// All returns a fresh instance of every registered detection, sorted by ID.
func All() []Detection {
	out := make([]Detection, 0, len(registry))
	for _, f := range registry {
		out = append(out, f())
	}
	slices.SortFunc(out, func(a, b Detection) int { return strings.Compare(a.Info().ID, b.Info().ID) })
	return out
}

// Select returns the detections named in only (all when empty) less those in skip; unknown
// names are an error.
func Select(all []Detection, only, skip []string) ([]Detection, error) {
	known := map[string]bool{}
	for _, d := range all {
		known[d.Info().ID] = true
	}
	for _, n := range append(append([]string{}, only...), skip...) {
		if !known[n] {
			return nil, fmt.Errorf("unknown detection %q (see `sluice detections`)", n)
		}
	}
	var out []Detection
	for _, d := range all {
		id := d.Info().ID
		if len(only) > 0 && !slices.Contains(only, id) {
			continue
		}
		if slices.Contains(skip, id) {
			continue
		}
		out = append(out, d)
	}
	return out, nil
}

// Base fills the fields every finding of a detection shares.
func Base(info Info, risk int) finding.Finding {
	risk = max(0, min(100, risk))
	return finding.Finding{
		Detection:  info.ID,
		Title:      info.Title,
		Techniques: info.Techniques,
		Risk:       risk,
		Severity:   finding.SeverityFor(risk),
	}
}

// FloorDiv divides rounding toward minus infinity (times before the epoch, offsets before a
// series' base fall in the right bucket).
func FloorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
