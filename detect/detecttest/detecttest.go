// Package detecttest runs detections over log files in tests, through the real readers and
// engine, and compares their findings with golden files (`go test ./... -update` rewrites them).
package detecttest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/attrib"
	"github.com/sluice-hunt/sluice/config"
	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/engine"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
	"github.com/sluice-hunt/sluice/netset"
	"github.com/sluice-hunt/sluice/source"
	_ "github.com/sluice-hunt/sluice/source/all" // every format, as the binary reads them
)

var update = flag.Bool("update", false, "rewrite golden files")

// Env is the default environment: internal networks netset.DefaultInternal, 5 evidence records.
func Env() *detect.Env {
	return &detect.Env{Internal: netset.MustParse(netset.DefaultInternal), Evidence: 5}
}

// Hunt runs d (with the params it has) over the files or folders, with Env(), and returns its
// findings in rank order. Evidence file names are the files' base names so that golden files
// do not depend on where the test runs.
func Hunt(t testing.TB, d detect.Detection, paths ...string) []finding.Finding {
	t.Helper()
	res := HuntResult(t, []detect.Detection{d}, paths...)
	return res.Findings
}

// HuntResult runs several detections and returns the whole engine result.
func HuntResult(t testing.TB, ds []detect.Detection, paths ...string) *engine.Result {
	t.Helper()
	return HuntEnv(t, Env(), ds, paths...)
}

// HuntEnv is HuntResult in the given environment (external networks, a baseline).
func HuntEnv(t testing.TB, env *detect.Env, ds []detect.Detection, paths ...string) *engine.Result {
	t.Helper()
	inputs, err := source.Expand(paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	var cds []config.Detection
	for _, d := range ds {
		cds = append(cds, config.Detection{Detection: d})
	}
	res, err := engine.Run(context.Background(), inputs, engine.Options{Detections: cds, Env: env, Attribution: attrib.DefaultOptions()})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range append(res.Failed, res.Unrecognized...) {
		t.Logf("input problem: %s", p)
	}
	for i := range res.Findings {
		for j := range res.Findings[i].Evidence {
			ev := &res.Findings[i].Evidence[j]
			ev.File = filepath.Base(ev.File)
		}
	}
	return res
}

// Golden compares findings, as JSON lines, with the file at path; with -update it writes them.
func Golden(t testing.TB, path string, fs []finding.Finding) {
	t.Helper()
	got := JSONL(t, fs)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl := strings.Split(string(got), "\n")
		wl := strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d (run with -update after checking the change):\n got: %s\nwant: %s", path, i+1, g, w)
			}
		}
	}
}

// JSONL renders findings one JSON object a line.
func JSONL(t testing.TB, fs []finding.Finding) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, f := range fs {
		if err := enc.Encode(f); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// ScoreConns feeds each part of the connections to its own aggregator of d, merges the
// aggregators in the order given (order nil: as given), and scores the result: a detection's
// unit test without files, which also shows that splitting the input changes nothing.
func ScoreConns(t testing.TB, d detect.Detection, env *detect.Env, order []int, parts ...[]*event.Conn) []finding.Finding {
	t.Helper()
	aggs := make([]detect.Aggregator, max(1, len(parts)))
	for i := range aggs {
		aggs[i] = d.NewAggregator(env)
	}
	for i, part := range parts {
		for _, c := range part {
			aggs[i].(detect.ConnObserver).ObserveConn(c)
		}
	}
	if order == nil {
		for i := range aggs {
			order = append(order, i)
		}
	}
	root := aggs[order[0]]
	for _, i := range order[1:] {
		root.Merge(aggs[i])
	}
	fs, err := d.Score(root, env)
	if err != nil {
		t.Fatalf("score: %v", err)
	}
	return fs
}

// Every returns every nth connection starting at the rth: a way to split one input in parts.
func Every(cs []*event.Conn, n, r int) []*event.Conn {
	var out []*event.Conn
	for i, c := range cs {
		if i%n == r {
			out = append(out, c)
		}
	}
	return out
}

// Reverse returns the connections in reverse order.
func Reverse(cs []*event.Conn) []*event.Conn {
	out := make([]*event.Conn, len(cs))
	for i, c := range cs {
		out[len(cs)-1-i] = c
	}
	return out
}

// HeapAlloc returns the bytes of live heap objects after a full collection, for tests that
// measure what state costs.
func HeapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// Observe feeds one event (*event.Conn, *event.HTTP, *event.DNS, *event.TLS, *event.File,
// *event.SMTP, *event.FTP, *event.X509, *event.Notice, *event.Host or *event.Cloud) to an aggregator, through the
// observer interface of its kind; an aggregator that does not read the kind ignores it.
func Observe(agg detect.Aggregator, e any) {
	switch e := e.(type) {
	case *event.Conn:
		if o, ok := agg.(detect.ConnObserver); ok {
			o.ObserveConn(e)
		}
	case *event.HTTP:
		if o, ok := agg.(detect.HTTPObserver); ok {
			o.ObserveHTTP(e)
		}
	case *event.DNS:
		if o, ok := agg.(detect.DNSObserver); ok {
			o.ObserveDNS(e)
		}
	case *event.TLS:
		if o, ok := agg.(detect.TLSObserver); ok {
			o.ObserveTLS(e)
		}
	case *event.File:
		if o, ok := agg.(detect.FileObserver); ok {
			o.ObserveFile(e)
		}
	case *event.SMTP:
		if o, ok := agg.(detect.SMTPObserver); ok {
			o.ObserveSMTP(e)
		}
	case *event.FTP:
		if o, ok := agg.(detect.FTPObserver); ok {
			o.ObserveFTP(e)
		}
	case *event.X509:
		if o, ok := agg.(detect.X509Observer); ok {
			o.ObserveX509(e)
		}
	case *event.Notice:
		if o, ok := agg.(detect.NoticeObserver); ok {
			o.ObserveNotice(e)
		}
	case *event.Host:
		if o, ok := agg.(detect.HostObserver); ok {
			o.ObserveHost(e)
		}
	case *event.Cloud:
		if o, ok := agg.(detect.CloudObserver); ok {
			o.ObserveCloud(e)
		}
	default:
		panic(fmt.Sprintf("detecttest.Observe: %T is not an event", e))
	}
}

// ScoreEvents is ScoreConns for events of any kind: each part goes to its own aggregator (after
// the detection's Prepare, when it has one), the aggregators merge in the order given (nil: as
// given), and the result is scored.
func ScoreEvents(t testing.TB, d detect.Detection, env *detect.Env, order []int, parts ...[]any) []finding.Finding {
	t.Helper()
	if p, ok := d.(detect.Preparer); ok {
		if err := p.Prepare(); err != nil {
			t.Fatalf("prepare: %v", err)
		}
	}
	aggs := make([]detect.Aggregator, max(1, len(parts)))
	for i := range aggs {
		aggs[i] = d.NewAggregator(env)
	}
	for i, part := range parts {
		for _, e := range part {
			Observe(aggs[i], e)
		}
	}
	if order == nil {
		for i := range aggs {
			order = append(order, i)
		}
	}
	root := aggs[order[0]]
	for _, i := range order[1:] {
		root.Merge(aggs[i])
	}
	fs, err := d.Score(root, env)
	if err != nil {
		t.Fatalf("score: %v", err)
	}
	finding.Sort(fs)
	return fs
}

// Datasets is the shared datasets folder as seen from a detection's package folder
// (detect/<name>): it lives beside the repository.
const Datasets = "../../../shared/datasets"

// Dataset returns the path of a real dataset (a file or folder under Datasets), skipping the
// test with a message when it is absent (a fresh clone without the shared folder).
func Dataset(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(Datasets, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real dataset %s not present (the shared datasets folder lives beside the repo): %v", name, err)
	}
	return p
}

// WriteFile writes what fill writes into a file of the given name in a fresh temporary folder
// and returns its path: fixtures made by a generator (package synth) in a vendor's format.
func WriteFile(t testing.TB, name string, fill func(io.Writer) error) string {
	t.Helper()
	var b bytes.Buffer
	if err := fill(&b); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
