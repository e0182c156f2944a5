package output

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/finding"
)

func TestJSONLGolden(t *testing.T) {
	fs := sample()
	var b bytes.Buffer
	if err := Write(&b, "jsonl", fs, finding.RollUp(fs), Options{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "findings.jsonl.golden", b.Bytes())

	// Deterministic, and no rollup lines.
	var again bytes.Buffer
	if err := Write(&again, "jsonl", sample(), nil, Options{Explain: true, Color: true}); err != nil {
		t.Fatal(err)
	}
	if again.String() != b.String() {
		t.Errorf("jsonl output depends on the rollup or options")
	}
}

func TestJSONLRoundTrip(t *testing.T) {
	fs := append(sample(), tricky())
	var b bytes.Buffer
	if err := Write(&b, "jsonl", fs, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != len(fs) {
		t.Fatalf("%d lines for %d findings", len(lines), len(fs))
	}
	for i, line := range lines {
		if !json.Valid([]byte(line)) {
			t.Fatalf("line %d is not valid JSON: %s", i+1, line)
		}
		var got finding.Finding
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		want := fs[i]
		// Figure values come back as JSON numbers (float64); compare them as the table
		// shows them, and the rest exactly.
		if len(got.Figures) != len(want.Figures) {
			t.Fatalf("line %d: %d figures, want %d", i+1, len(got.Figures), len(want.Figures))
		}
		for j := range got.Figures {
			g, w := got.Figures[j], want.Figures[j]
			if g.Name != w.Name || g.Unit != w.Unit || FormatValue(g) != FormatValue(w) {
				t.Errorf("line %d figure %d: got %+v, want %+v", i+1, j, g, w)
			}
		}
		got.Figures, want.Figures = nil, nil
		if want.Techniques == nil {
			want.Techniques = []string{}
		}
		if want.Evidence == nil {
			want.Evidence = []finding.Evidence{}
		}
		// JSON holds only valid UTF-8: invalid bytes come back as U+FFFD.
		want.Summary = strings.ToValidUTF8(want.Summary, "\uFFFD")
		if !reflect.DeepEqual(got, want) {
			t.Errorf("line %d decodes to\n%+v\nwant\n%+v", i+1, got, want)
		}
		// Encoding what was decoded gives the same JSON.
		var full finding.Finding
		if err := json.Unmarshal([]byte(line), &full); err != nil {
			t.Fatal(err)
		}
		re, err := json.Marshal(&full)
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		if json.Unmarshal([]byte(line), &a) != nil || json.Unmarshal(re, &b) != nil || !reflect.DeepEqual(a, b) {
			t.Errorf("line %d does not re-encode to itself:\n%s\n%s", i+1, re, line)
		}
	}
}

func TestJSONLOddValues(t *testing.T) {
	f := finding.Finding{
		Detection: "odd",
		Summary:   "<script>&</script>",
		Figures: []finding.Figure{
			finding.Fig("nan", math.NaN(), finding.Ratio),
			finding.Fig("inf", math.Inf(1), finding.Ratio),
			finding.Fig("ninf", float32(math.Inf(-1)), finding.Ratio),
			finding.Fig("ok", 1.5, finding.Ratio),
		},
	}
	var b bytes.Buffer
	if err := Write(&b, "jsonl", []finding.Finding{f}, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{`"value":"NaN"`, `"value":"+Inf"`, `"value":"-Inf"`, `"value":1.5`, `"summary":"<script>&</script>"`, `"techniques":[]`, `"evidence":[]`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	if !math.IsNaN(f.Figures[0].Value.(float64)) {
		t.Errorf("the caller's figure was changed")
	}
	// A value JSON cannot encode at all is an error naming the finding.
	f.Figures = []finding.Figure{finding.Fig("ch", make(chan int), finding.Text)}
	err := Write(&bytes.Buffer{}, "jsonl", []finding.Finding{f}, nil, Options{})
	if err == nil || !strings.Contains(err.Error(), "finding 1 (odd)") {
		t.Errorf("unencodable value: err = %v", err)
	}
}

func TestJSONLNoFindings(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "jsonl", nil, nil, Options{}); err != nil || b.Len() != 0 {
		t.Errorf("no findings: %q, %v", b.String(), err)
	}
}
