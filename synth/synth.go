// Package synth writes a realistic synthetic day of Zeek logs (conn, http, dns, ssl, files, in
// Zeek 6's TSV format) for an office network, with attack traffic planted at known times and
// described in a Truth: the test bed and benchmark data of sluice's detections.
//
// The same Options (Seed included) write the same bytes. See README.md for what a day looks
// like and for each planted case.
package synth

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"time"
)

// Options shape a generated day. Zero values take the defaults noted, except Plant: use
// DefaultOptions for a day with its planted cases.
type Options struct {
	// Seed selects the day; the same Options write the same bytes.
	Seed int64
	// Start is when the logs begin (default 2024-03-05T00:00:00Z, a Tuesday). Planted cases
	// sit at fixed hours after the first whole UTC hour at or after Start.
	Start time.Time
	// Duration is the span of the logs (default 24h; planted cases need 19h after Start's
	// first whole hour).
	Duration time.Duration
	// Hosts is the number of internal client machines (default 200).
	Hosts int
	// Conns is about how many background conn.log records to write (default 200,000); the
	// other logs grow in proportion.
	Conns int
	// Pairs, when above 0, draws the TLS traffic (most of the day) from about this many
	// source/destination pairs, for benchmarks of per-pair state.
	Pairs int
	// Gzip writes name.log.gz instead of name.log.
	Gzip bool
	// Plant adds the planted cases (see README.md) and writes truth.jsonl.
	Plant bool
}

// DefaultStart is the day generated when Options.Start is zero.
var DefaultStart = time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)

// DefaultOptions returns the default day, planted cases included.
func DefaultOptions() Options {
	return Options{Seed: 1, Start: DefaultStart, Duration: 24 * time.Hour, Hosts: 200, Conns: 200_000, Plant: true}
}

func (o Options) withDefaults() (Options, error) {
	if o.Start.IsZero() {
		o.Start = DefaultStart
	}
	o.Start = o.Start.UTC()
	if o.Duration == 0 {
		o.Duration = 24 * time.Hour
	}
	if o.Hosts == 0 {
		o.Hosts = 200
	}
	if o.Conns == 0 {
		o.Conns = 200_000
	}
	switch {
	case o.Duration < time.Minute:
		return o, fmt.Errorf("synth: Duration %s is under a minute", o.Duration)
	case o.Hosts < 1 || o.Hosts > maxHosts:
		return o, fmt.Errorf("synth: Hosts %d is outside 1..%d", o.Hosts, maxHosts)
	case o.Conns < 0:
		return o, fmt.Errorf("synth: Conns %d is negative", o.Conns)
	case o.Pairs < 0:
		return o, fmt.Errorf("synth: Pairs %d is negative", o.Pairs)
	}
	return o, nil
}

// Truth describes what was planted.
type Truth struct {
	Start, End time.Time
	// Cases lists, for each planted activity, what each concerned detection must do: report
	// it (Negative false) or stay silent (Negative true).
	Cases []Case
	// Records counts the records written to each log ("conn", "http", "dns", "ssl", "files").
	Records map[string]int64
}

// Case is one planted activity as one detection must see it.
type Case struct {
	Name      string     `json:"name"`
	Detection string     `json:"detection"`
	Negative  bool       `json:"negative,omitempty"` // the detection must stay silent
	Src       netip.Addr `json:"src"`
	Dst       netip.Addr `json:"dst"`
	DstPort   uint16     `json:"dst_port"`
	Proto     string     `json:"proto"`
	Domain    string     `json:"domain,omitempty"`
	Start     time.Time  `json:"start"` // first connection's start
	End       time.Time  `json:"end"`   // last connection's end
	Risk      int        `json:"risk,omitempty"`
	Note      string     `json:"note"`
}

// LogFiles are the base names of the logs Generate writes, in order.
var LogFiles = []string{"conn.log", "http.log", "dns.log", "ssl.log", "files.log"}

// TruthFile is the name of the truth file Generate writes beside the logs.
const TruthFile = "truth.jsonl"

// Generate writes a day of logs into dir (created if needed): conn.log, http.log, dns.log,
// ssl.log and files.log (each with .gz appended when opt.Gzip), and truth.jsonl when
// opt.Plant.
func Generate(dir string, opt Options) (*Truth, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	g, err := newGen(opt)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var closers []func() error
	fail := func(err error) (*Truth, error) {
		for _, s := range g.sinks {
			if s != nil {
				s.close()
			}
		}
		for _, c := range closers {
			c()
		}
		return nil, err
	}
	for l := 0; l < numLogs; l++ {
		name := filepath.Join(dir, LogFiles[l])
		if opt.Gzip {
			name += ".gz"
		}
		f, err := os.Create(name)
		if err != nil {
			return fail(err)
		}
		var w io.Writer = f
		closeFn := f.Close
		if opt.Gzip {
			zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
			w = zw
			closeFn = func() error {
				err := zw.Close()
				if err2 := f.Close(); err == nil {
					err = err2
				}
				return err
			}
		}
		g.sinks[l] = newSink(w, header(l, opt.Start), footer(opt.Start.Add(opt.Duration)))
		closers = append(closers, closeFn)
	}
	runErr := g.run()
	var errs []error
	errs = append(errs, runErr)
	for l, s := range g.sinks {
		if err := s.close(); err != nil {
			errs = append(errs, fmt.Errorf("synth: writing %s: %w", LogFiles[l], err))
		}
	}
	for _, c := range closers {
		errs = append(errs, c())
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	g.finishTruth()
	g.truth.Records = map[string]int64{}
	for l, n := range g.counts {
		g.truth.Records[logNames[l]] = n
	}
	if opt.Plant {
		if err := writeTruth(filepath.Join(dir, TruthFile), g.truth); err != nil {
			return nil, err
		}
	}
	return g.truth, nil
}

func writeTruth(name string, t *Truth) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, c := range t.Cases {
		if err := enc.Encode(c); err != nil {
			f.Close()
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadTruth reads a truth.jsonl file.
func ReadTruth(r io.Reader) ([]Case, error) {
	var out []Case
	dec := json.NewDecoder(r)
	for dec.More() {
		var c Case
		if err := dec.Decode(&c); err != nil {
			return out, err
		}
		out = append(out, c)
	}
	return out, nil
}

// WriteConn streams a conn.log of about n background records (n > 0 overrides opt.Conns) to
// w, without the other logs and without holding the records in memory: the benchmark's way
// to make tens of millions of connections. With opt.Pairs the TLS traffic comes from about
// that many source/destination pairs; with opt.Plant the planted cases' connections are in it.
func WriteConn(w io.Writer, n int, opt Options) error {
	if n > 0 {
		opt.Conns = n
	}
	opt, err := opt.withDefaults()
	if err != nil {
		return err
	}
	g, err := newGen(opt)
	if err != nil {
		return err
	}
	g.sinks[logConn] = newSink(w, header(logConn, opt.Start), footer(opt.Start.Add(opt.Duration)))
	runErr := g.run()
	return errors.Join(runErr, g.sinks[logConn].close())
}
