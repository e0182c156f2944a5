package output

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func at(s string) event.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return event.FromStd(t)
}

// sample is a small hand-built run: an upload, a beacon, and a finding with no entities.
func sample() []finding.Finding {
	return []finding.Finding{
		{
			Detection:  "large-upload",
			Title:      "Large upload to an external host",
			Techniques: []string{"T1048.002", "T1567"},
			Severity:   finding.Critical,
			Risk:       88,
			Entities: finding.Entities{
				Src: "10.0.0.5", Dst: "203.0.113.7", DstHost: "files.example-share.net",
				DstPort: 443, Proto: "tcp", App: "ssl",
			},
			First:   at("2012-03-16T12:30:00.250000Z"),
			Last:    at("2012-03-16T12:41:45.250000Z"),
			Summary: "10.0.0.5 sent 2.3 MB to files.example-share.net over 3 TLS connections, 12x what it received",
			Figures: []finding.Figure{
				finding.Fig("bytes_out", int64(2254857), finding.Bytes),
				finding.Fig("out_in", 12.34, finding.Ratio),
				finding.Fig("duration", 705, finding.Seconds),
				finding.Fig("connections", 3, finding.Count),
			},
			Evidence: []finding.Evidence{
				{
					File: "conn.log", Line: 41, TS: at("2012-03-16T12:30:00.250000Z"),
					Note: "1,082,089 B sent",
					Text: "1331901000.250000\tCHhAvVGS1DHFjwGM9\t10.0.0.5\t49152\t203.0.113.7\t443\ttcp\tssl\t300.0\t1082089\t51234\tSF",
				},
				{
					File: "conn.log", Line: 97, TS: at("2012-03-16T12:36:40.000000Z"),
					Note: "largest upload",
					Text: "1331901400.000000\tC4J4Th3PJpwUYZZ6gc\t10.0.0.5\t49170\t203.0.113.7\t443\ttcp\tssl\t405.0\t1172768\t131000\tSF",
				},
			},
		},
		{
			Detection:  "beacon",
			Title:      "Beaconing",
			Techniques: []string{"T1071.001"},
			Severity:   finding.High,
			Risk:       71,
			Entities: finding.Entities{
				Src: "10.0.0.9", Dst: "198.51.100.20", DstPort: 8080, Proto: "tcp", App: "http",
				UserAgent: `Mozilla/4.0 (compatible; MSIE 7.0; "x")`,
			},
			First: at("2012-03-16T03:00:00Z"),
			Last:  at("2012-03-16T12:02:00Z"),
			Summary: "10.0.0.9 called 198.51.100.20:8080 every 60s (jitter 2.5%) for 9h02m, 1,234 times, " +
				`with the user agent "Mozilla/4.0 (compatible; MSIE 7.0; \"x\")", an old agent few hosts use`,
			Figures: []finding.Figure{
				finding.Fig("score", 0.873, finding.Score),
				finding.Fig("interval", 60.0, finding.Seconds),
				finding.Fig("connections", 1234, finding.Count),
				finding.Fig("jitter", 2.5, finding.Percent),
				finding.Fig("span", 32520, finding.Seconds),
			},
			Evidence: []finding.Evidence{
				{
					File: "http.log", Line: 12, TS: at("2012-03-16T03:00:00Z"),
					Note: `first call, "GET /cdn/pixel.gif"`,
				},
			},
		},
		{
			Detection: "dns-volume",
			Title:     "Unusual DNS volume",
			Severity:  finding.Low,
			Risk:      25,
			Summary:   "1,200,000 queries in the run, most to one zone",
			Figures: []finding.Figure{
				finding.Fig("queries", int64(1200000), finding.Count),
				finding.Fig("top_zone", "example.org", finding.Text),
				finding.Fig("baseline", nil, finding.Count),
			},
		},
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}
