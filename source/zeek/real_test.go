package zeek

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

const datasets = "../../../shared/datasets"

func dataset(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(datasets, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real dataset %s not present (it lives in the shared datasets folder beside the repo): %v", name, err)
	}
	return p
}

func fileInput(t testing.TB, path string) source.Input {
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return source.FileInput(path, st.Size())
}

// TSV and JSON of the same Zeek logs must give identical events.
func TestParityWRCCDC(t *testing.T) {
	dir := dataset(t, "wrccdc-dns-ssl")
	for _, lt := range []struct {
		kind      event.Kind
		tsv, json string
	}{
		{event.KindDNS, "zeek-default__dns.log.gz", "zeek-json__dns.json.gz"},
		{event.KindTLS, "zeek-default__ssl.log.gz", "zeek-json__ssl.json.gz"},
	} {
		a, b := newCollector(), newCollector()
		sa, err := readAll(t, fileInput(t, filepath.Join(dir, lt.tsv)), a)
		if err != nil {
			t.Fatal(err)
		}
		sb, err := readAll(t, fileInput(t, filepath.Join(dir, lt.json)), b)
		if err != nil {
			t.Fatal(err)
		}
		if sa.TotalSkipped() != 0 || sb.TotalSkipped() != 0 {
			t.Errorf("%s: skipped records: tsv %v %v, json %v %v", lt.kind, sa.Skipped, sa.Problems, sb.Skipped, sb.Problems)
		}
		ga, gb := a.recs[lt.kind], b.recs[lt.kind]
		if len(ga) == 0 || len(ga) != len(gb) {
			t.Fatalf("%s: %d TSV events, %d JSON events", lt.kind, len(ga), len(gb))
		}
		diffs := 0
		for i := range ga {
			if ga[i] != gb[i] {
				diffs++
				if diffs <= 3 {
					t.Errorf("%s record %d differs:\n tsv:  %s\n json: %s", lt.kind, i+1, ga[i], gb[i])
				}
			}
		}
		if diffs > 0 {
			t.Errorf("%s: %d of %d records differ", lt.kind, diffs, len(ga))
		}
		t.Logf("%s: %d identical events from TSV and JSON", lt.kind, len(ga))
	}
}

// Real logs of every shape read without a skipped record: HELK JSON (APT29), Zeek JSON with
// every field (RITA's test data), Zeek TSV (RITA's http.log.gz).
func TestRealLogsReadCleanly(t *testing.T) {
	for _, tc := range []struct {
		dir   string
		files []string
		want  map[string]int64
	}{
		{"apt29-day1-zeek", []string{"NASHUA_conn.log", "SCRANTON_conn.log", "SCRANTON_http.log", "NASHUA_dns.log", "NASHUA_ssl.log", "NASHUA_files.log", "NASHUA_x509.log", "NASHUA_notice.log", "NASHUA_smb_files.log", "NASHUA_weird.log"},
			map[string]int64{"conn": 613, "http": 62, "x509": 376}},
		{"rita-http", []string{"json_with_all_fields__conn.log", "json_with_all_fields__dns.log", "json_with_all_fields__http.log", "json_with_all_fields__ssl.log", "valid_tsv__http.log.gz"}, nil},
	} {
		dir := dataset(t, tc.dir)
		total := source.NewStats()
		for _, name := range tc.files {
			st, err := readAll(t, fileInput(t, filepath.Join(dir, name)), newCollector())
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if st.TotalSkipped() != 0 {
				t.Errorf("%s: skipped %v: %v", name, st.Skipped, st.Problems)
			}
			total.Merge(st)
		}
		for k, n := range tc.want {
			if total.Read[k] != n {
				t.Errorf("%s: %d %s records, want %d (all read: %v)", tc.dir, total.Read[k], k, n, total.Read)
			}
		}
		t.Logf("%s: read %v, not read %v", tc.dir, total.Read, total.Ignored)
	}
}
