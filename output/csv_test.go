package output

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/finding"
)

func TestCSVGolden(t *testing.T) {
	fs := sample()
	var b bytes.Buffer
	if err := Write(&b, "csv", fs, finding.RollUp(fs), Options{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "findings.csv.golden", b.Bytes())
}

func TestCSVRoundTrip(t *testing.T) {
	fs := append(sample(), tricky())
	var b bytes.Buffer
	if err := Write(&b, "csv", fs, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != len(fs)+1 {
		t.Fatalf("%d records for %d findings and a header", len(records), len(fs))
	}
	if !reflect.DeepEqual(records[0], csvHeader) {
		t.Errorf("header = %q", records[0])
	}
	col := map[string]int{}
	for i, h := range records[0] {
		col[h] = i
	}
	for i, f := range fs {
		r := records[i+1]
		get := func(name string) string { return r[col[name]] }
		e := f.Entities
		for name, want := range map[string]string{
			"severity": f.Severity.String(), "detection": f.Detection, "title": f.Title,
			"techniques": strings.Join(f.Techniques, ";"), "src": e.Src, "dst": e.Dst,
			"dst_host": e.DstHost, "proto": e.Proto, "app": e.App, "user": e.User,
			"host": e.Host, "process": e.Process, "domain": e.Domain, "user_agent": e.UserAgent, "summary": f.Summary,
		} {
			if got := get(name); got != want {
				t.Errorf("row %d %s = %q, want %q", i+1, name, got, want)
			}
		}
	}
	r := records[1]
	for name, want := range map[string]string{
		"rank": "1", "risk": "88", "dst_port": "443",
		"first":    "2012-03-16T12:30:00.250000Z",
		"figures":  "bytes_out=2.3 MB; out_in=x12.3; duration=11m45s; connections=3",
		"evidence": "conn.log:41; conn.log:97",
	} {
		if got := r[col[name]]; got != want {
			t.Errorf("row 1 %s = %q, want %q", name, got, want)
		}
	}
	// Unknown port and times are empty cells.
	if r := records[3]; r[col["dst_port"]] != "" || r[col["first"]] != "" || r[col["evidence"]] != "" {
		t.Errorf("row 3 (no entities) = %q", r)
	}
}

func TestCSVNoFindings(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "csv", nil, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(csvHeader, ",") + "\n"; b.String() != want {
		t.Errorf("no findings: %q, want the header alone", b.String())
	}
}
