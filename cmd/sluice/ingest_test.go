package main

import (
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/clickhouse/chtest"
)

// TestIngestThenHuntClickHouse loads the sample's Zeek logs and packet capture with `sluice
// ingest`, loads them again (nothing added), and hunts the store: the findings are those of a
// hunt over the files.
func TestIngestThenHuntClickHouse(t *testing.T) {
	srv := chtest.Start(t)
	paths := []string{"../../testdata/zeek/", "../../testdata/pcap/"}
	// no paths: the tables are created (or migrated) only
	_, stderr, err := run(t, "", "ingest", "--clickhouse", srv.URL())
	if err != nil || !strings.Contains(stderr, "are this sluice's") {
		t.Fatalf("ingest without paths (%v):\n%s", err, stderr)
	}
	_, stderr, err = run(t, "", append([]string{"ingest", "--no-progress", "--clickhouse", srv.URL()}, paths...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "from 6 files") || !strings.Contains(stderr, "conn ") {
		t.Errorf("first load:\n%s", stderr)
	}
	_, stderr, err = run(t, "", append([]string{"ingest", "--no-progress", "--clickhouse", srv.URL()}, paths...)...)
	if err != nil || !strings.Contains(stderr, "loaded 0 rows") || !strings.Contains(stderr, "already loaded (same content): 6 files") {
		t.Errorf("second load (%v):\n%s", err, stderr)
	}
	want, _, err := run(t, "", append([]string{"hunt", "--format", "jsonl"}, paths...)...)
	if err != nil {
		t.Fatal(err)
	}
	got, stderr, err := run(t, "", "hunt", "--format", "jsonl", "--clickhouse", srv.URL())
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if got != want {
		t.Errorf("findings from ClickHouse differ from the files'\n%s", stderr)
	}
	// --window keeps the last hour before the newest event (the Zeek day's last hour): the
	// capture's morning hour is out
	win, _, err := run(t, "", "hunt", "--format", "jsonl", "--clickhouse", srv.URL(), "--window", "1h")
	if err != nil || win == "" || len(win) >= len(got) || strings.Contains(win, "10.60.0.32") {
		t.Errorf("--window 1h (%v): %d bytes of findings, all: %d", err, len(win), len(got))
	}
}
