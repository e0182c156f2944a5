package chstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/chstore"
	"github.com/sluice-hunt/sluice/clickhouse"
	"github.com/sluice-hunt/sluice/clickhouse/chtest"
	"github.com/sluice-hunt/sluice/config"
	"github.com/sluice-hunt/sluice/detect"
	_ "github.com/sluice-hunt/sluice/detect/all"
	"github.com/sluice-hunt/sluice/engine"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/netset"
	"github.com/sluice-hunt/sluice/source"
	_ "github.com/sluice-hunt/sluice/source/all"
	"github.com/sluice-hunt/sluice/synth"
)

var update = flag.Bool("update", false, "rewrite golden files")

func client(t *testing.T, srv *chtest.Server) *clickhouse.Client {
	t.Helper()
	c, err := clickhouse.New(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	if err := chstore.Migrate(context.Background(), c, chstore.Layout{}); err != nil {
		t.Fatal(err)
	}
	return c
}

func ingest(t *testing.T, c *clickhouse.Client, opt chstore.Options, paths ...string) *chstore.Report {
	t.Helper()
	inputs, err := source.Expand(paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := chstore.Ingest(context.Background(), c, inputs, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Failed) > 0 {
		t.Fatalf("failed: %v", rep.Failed)
	}
	return rep
}

// hunt runs every detection with the defaults over inputs.
func hunt(t *testing.T, inputs []source.Input) *engine.Result {
	t.Helper()
	res, err := engine.Run(context.Background(), inputs, options(t))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func options(t *testing.T) engine.Options {
	t.Helper()
	dets, err := (&config.Config{}).Apply(detect.All())
	if err != nil {
		t.Fatal(err)
	}
	env := &detect.Env{Internal: netset.MustParse(netset.DefaultInternal), Evidence: 5}
	return engine.Options{Detections: dets, Env: env, Workers: 2}
}

// huntStore hunts what the store holds with every detection: with sql, the aggregations that
// have SQL run in the store and only the kinds the others read are streamed back.
func huntStore(t *testing.T, c *clickhouse.Client, sql bool) *engine.Result {
	t.Helper()
	ctx := context.Background()
	opt := options(t)
	var agg *chstore.Aggregates
	inputs, err := chstore.Inputs(ctx, c, 0, 0, func() event.KindSet {
		if agg != nil {
			return agg.Streamed
		}
		return ^event.KindSet(0)
	})
	if err != nil {
		t.Fatal(err)
	}
	if sql {
		plain := make([]detect.Detection, len(opt.Detections))
		for i, d := range opt.Detections {
			plain[i] = d.Detection
		}
		if agg, err = chstore.Aggregate(ctx, c, plain, opt.Env, 0, 0, inputs); err != nil {
			t.Fatal(err)
		}
		agg.Apply(&opt)
	}
	res, err := engine.Run(ctx, inputs, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) > 0 {
		t.Fatalf("failed: %v", res.Failed)
	}
	return res
}

func findingsJSON(t *testing.T, res *engine.Result) []string {
	t.Helper()
	var out []string
	for _, f := range res.Findings {
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

// rowCount counts the rows of a table.
func rowCount(t *testing.T, c *clickhouse.Client, table string) int64 {
	t.Helper()
	var n int64
	err := c.Query(context.Background(), "SELECT count() FROM "+table, func(f [][]byte) error {
		_, err := fmt.Sscan(string(f[0]), &n)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// fixtures are the folders of inputs the golden tests of the detections and the README's
// sample read.
func fixtures(t *testing.T) []string {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join("..", "detect", "*", "testdata"))
	for _, d := range []string{"zeek", "host", "cloud", "pcap"} {
		dirs = append(dirs, filepath.Join("..", "testdata", d))
	}
	return dirs
}

// TestHuntMatchesEmbedded loads every golden fixture and the sample day into ClickHouse and
// hunts each both ways, every detection with its defaults: the findings (entities, figures,
// evidence and its text) are the same.
func TestHuntMatchesEmbedded(t *testing.T) {
	srv := chtest.Start(t)
	for i, dir := range fixtures(t) {
		name := strings.TrimPrefix(filepath.ToSlash(dir), "../")
		t.Run(name, func(t *testing.T) {
			base := srv.URL()[:strings.LastIndex(srv.URL(), "/")]
			c, err := clickhouse.New(base + "/fixture" + strconv.Itoa(i))
			if err != nil {
				t.Fatal(err)
			}
			if err := chstore.Migrate(context.Background(), c, chstore.Layout{}); err != nil {
				t.Fatal(err)
			}
			inputs, err := source.Expand([]string{dir}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := chstore.Ingest(context.Background(), c, inputs, chstore.Options{}); err != nil {
				t.Fatal(err)
			}
			want := findingsJSON(t, hunt(t, inputs))
			for _, way := range []struct {
				name string
				sql  bool
			}{{"streamed", false}, {"sql", true}} {
				got := findingsJSON(t, huntStore(t, c, way.sql))
				if len(got) != len(want) {
					t.Fatalf("%s: %d findings from ClickHouse, %d from the files", way.name, len(got), len(want))
				}
				for k := range want {
					if got[k] != want[k] {
						t.Fatalf("%s: finding %d differs:\nstore: %s\nfiles: %s", way.name, k, got[k], want[k])
					}
				}
			}
		})
	}
}

// TestMigrateOldStore: a store an older sluice made (ssl without its established column) is
// refused by a hunt with a message that says how to migrate it; migrated, its rows loaded
// before read the new column from their events, and the findings are those of the files.
func TestMigrateOldStore(t *testing.T) {
	srv := chtest.Start(t)
	c := client(t, srv)
	dir := filepath.Join("..", "testdata", "zeek")
	ingest(t, c, chstore.Options{}, dir)
	ctx := context.Background()
	if err := c.Exec(ctx, "ALTER TABLE ssl DROP COLUMN established"); err != nil {
		t.Fatal(err)
	}
	inputs, err := chstore.Inputs(ctx, c, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	opt := options(t)
	var plain []detect.Detection
	for _, d := range opt.Detections {
		plain = append(plain, d.Detection)
	}
	_, err = chstore.Aggregate(ctx, c, plain, opt.Env, 0, 0, inputs)
	if err == nil || !strings.Contains(err.Error(), "ssl.established") || !strings.Contains(err.Error(), "sluice ingest") {
		t.Fatalf("hunt over an old store: %v", err)
	}
	if err := chstore.Migrate(ctx, c, chstore.Layout{}); err != nil {
		t.Fatal(err)
	}
	var established int64
	err = c.Query(ctx, "SELECT sum(established) FROM ssl", func(f [][]byte) error {
		established = detect.Int(f[0])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if established == 0 {
		t.Fatal("the migrated column reads 0 for every row loaded before")
	}
	files, err := source.Expand([]string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, got := findingsJSON(t, hunt(t, files)), findingsJSON(t, huntStore(t, c, true))
	if !slices.Equal(got, want) {
		t.Fatalf("%d findings from the migrated store, %d from the files", len(got), len(want))
	}
}

// TestIngestIsIdempotent: loading the same files again adds nothing.
func TestIngestIsIdempotent(t *testing.T) {
	srv := chtest.Start(t)
	c := client(t, srv)
	first := ingest(t, c, chstore.Options{}, filepath.Join("..", "testdata", "zeek"))
	n := rowCount(t, c, "conn")
	if len(first.Loaded) != 5 || n == 0 {
		t.Fatalf("loaded %v, %d conn rows", first.Loaded, n)
	}
	again := ingest(t, c, chstore.Options{}, filepath.Join("..", "testdata", "zeek"))
	if len(again.Already) != 5 || len(again.Loaded) != 0 || rowCount(t, c, "conn") != n {
		t.Errorf("second load: loaded %v, already %v, %d rows (want %d)", again.Loaded, again.Already, rowCount(t, c, "conn"), n)
	}
}

// TestGrowingLog: a log loaded while it was being written, loaded again when it has grown,
// adds only its new lines.
func TestGrowingLog(t *testing.T) {
	srv := chtest.Start(t)
	c := client(t, srv)
	var b bytes.Buffer
	if err := synth.WriteConn(&b, 3000, synth.DefaultOptions()); err != nil {
		t.Fatal(err)
	}
	all := b.Bytes()
	lines := bytes.Split(bytes.TrimRight(all, "\n"), []byte("\n"))
	var records int
	for _, l := range lines {
		if len(l) > 0 && l[0] != '#' {
			records++
		}
	}
	cut := bytes.Index(all, []byte("\n")) // after the header, about half the lines
	for i := 0; i < len(lines)/2; i++ {
		cut += bytes.IndexByte(all[cut+1:], '\n') + 1
	}
	path := filepath.Join(t.TempDir(), "conn.log")
	if err := os.WriteFile(path, all[:cut+1], 0o644); err != nil {
		t.Fatal(err)
	}
	ingest(t, c, chstore.Options{BatchRows: 500}, path)
	half := rowCount(t, c, "conn")
	if err := os.WriteFile(path, all, 0o644); err != nil {
		t.Fatal(err)
	}
	rep := ingest(t, c, chstore.Options{BatchRows: 500}, path)
	if len(rep.Grown) != 1 || rowCount(t, c, "conn") != int64(records) || half == 0 || half >= int64(records) {
		t.Errorf("grown %v: %d rows after the first load, %d after the second, want %d", rep.Grown, half, rowCount(t, c, "conn"), records)
	}
	if again := ingest(t, c, chstore.Options{}, path); len(again.Already) != 1 {
		t.Errorf("third load: %+v", again)
	}
}

// TestKilledServerResume kills the server in the middle of a load, restarts it and loads
// again: the row count is exact.
func TestKilledServerResume(t *testing.T) {
	srv := chtest.Start(t)
	c := client(t, srv)
	var b bytes.Buffer
	if err := synth.WriteConn(&b, 200_000, synth.DefaultOptions()); err != nil {
		t.Fatal(err)
	}
	want := int64(bytes.Count(b.Bytes(), []byte("\n")) - bytes.Count(b.Bytes(), []byte("\n#")) - 1)
	path := filepath.Join(t.TempDir(), "conn.log")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	inputs, _ := source.Expand([]string{path}, nil)
	done := make(chan error, 1)
	go func() {
		_, err := chstore.Ingest(context.Background(), c, inputs, chstore.Options{BatchRows: 5000})
		done <- err
	}()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var n int64
		c.Query(context.Background(), "SELECT count() FROM conn", func(f [][]byte) error { _, err := fmt.Sscan(string(f[0]), &n); return err })
		if n > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	srv.Kill()
	err := <-done
	if err == nil {
		t.Log("the load finished before the kill; the resume below still checks the count")
	}
	srv.Restart(t)
	rep := ingest(t, c, chstore.Options{BatchRows: 5000}, path)
	if got := rowCount(t, c, "conn"); got != want {
		t.Errorf("%d conn rows after the resumed load, want %d (resumed %d batches)", got, want, rep.Resumed)
	}
}

// TestClusterDDL: the statements for a cluster (no server needed): ReplicatedMergeTree shards
// and Distributed tables over them, sharded by source address.
func TestClusterDDL(t *testing.T) {
	got := strings.Join(chstore.DDL("sluice", chstore.Layout{Cluster: "hunt", TTLDays: 30, TTL: true}), ";\n\n") + ";\n"
	golden := filepath.Join("testdata", "cluster.sql")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("cluster DDL differs from %s (check, then -update)", golden)
	}
}

// TestTTLDropsOldDays: on a server without TTL (18.16), --ttl drops the days past it after a
// load; the days kept are whole.
func TestTTLDropsOldDays(t *testing.T) {
	srv := chtest.Start(t)
	c := client(t, srv)
	opt := synth.DefaultOptions()
	opt.Duration = 72 * time.Hour
	var b bytes.Buffer
	if err := synth.WriteConn(&b, 30_000, opt); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "conn.log")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	days := func() (n int64, oldest string) {
		c.Query(context.Background(), "SELECT uniqExact(day), toString(min(day)) FROM conn", func(f [][]byte) error {
			fmt.Sscan(string(f[0]), &n)
			oldest = string(f[1])
			return nil
		})
		return
	}
	ingest(t, c, chstore.Options{}, path)
	all, first := days()
	v, err := c.Version(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v.AtLeast(19, 6) {
		t.Skip("the server has TTL: the tables carry it, nothing is dropped by ingest")
	}
	other := filepath.Join(t.TempDir(), "x.log") // a new load with --ttl 1 applies it to all
	os.WriteFile(other, b.Bytes()[:bytes.IndexByte(b.Bytes(), '\n')+1], 0o644)
	ingest(t, c, chstore.Options{TTLDays: 1}, other)
	kept, oldest := days()
	if all < 3 || kept != 2 || oldest <= first {
		t.Errorf("days: %d loaded (from %s), %d kept (from %s); want 2 kept", all, first, kept, oldest)
	}
}
