package output

import (
	"bytes"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/finding"
)

func table(t *testing.T, fs []finding.Finding, rollup []finding.Rollup, opt Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, "table", fs, rollup, opt); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestTableGolden(t *testing.T) {
	fs := sample()
	ru := finding.RollUp(fs)
	golden(t, "table.golden", []byte(table(t, fs, ru, Options{})))
	golden(t, "table_explain.golden", []byte(table(t, fs, ru, Options{Explain: true})))
	golden(t, "table_wide.golden", []byte(table(t, fs, ru, Options{Width: 200})))
	golden(t, "table_narrow.golden", []byte(table(t, fs, ru, Options{Width: 72})))
}

func TestTableNoFindings(t *testing.T) {
	for _, fs := range [][]finding.Finding{nil, {}} {
		for _, opt := range []Options{{}, {Explain: true, Color: true, Width: 40}} {
			if got := table(t, fs, []finding.Rollup{{Entity: "10.0.0.1"}}, opt); got != "no findings\n" {
				t.Errorf("no findings: got %q", got)
			}
		}
	}
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// tricky has what logs throw at a terminal: wide and combining characters, a terminal escape,
// a bidirectional override, invalid UTF-8, tabs and newlines.
func tricky() finding.Finding {
	return finding.Finding{
		Detection: "dns-tunnel",
		Severity:  finding.Medium,
		Risk:      45,
		Entities: finding.Entities{
			Src: "fe80::1ff:fe23:4567:890a", Dst: "2001:db8::53", DstHost: "aGVsbG8gd29ybGQ.x7.日本語.example",
			DstPort: 53, Proto: "udp", App: "dns", User: "CORP\\ダニエル", UserAgent: "curl/8\x1b[2J",
		},
		Summary: "café\u0301 \x1b[31mred\x1b[0m \u202eevil\u202c\tend\nnext \xff bytes, 日本語のテキスト",
		Figures: []finding.Figure{
			finding.Fig("名前", "値", finding.Text),
			finding.Fig("queries", 123456, finding.Count),
		},
		Evidence: []finding.Evidence{{File: "dns.log", Line: 7, Note: "tab\there", Text: "a\tb\x1b[2Jc\r\n"}},
	}
}

func TestTableWidthRespected(t *testing.T) {
	fs := append(sample(), tricky())
	ru := finding.RollUp(fs)
	for w := 10; w <= 240; w += 3 {
		for _, opt := range []Options{{Width: w}, {Width: w, Explain: true, Color: true}} {
			out := table(t, fs, ru, opt)
			for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				plain := ansi.ReplaceAllString(line, "")
				if n := width(plain); n > w {
					t.Fatalf("width %d (%+v): line is %d wide:\n%s", w, opt, n, plain)
				}
				if strings.HasSuffix(plain, " ") {
					t.Errorf("width %d: trailing space in %q", w, plain)
				}
			}
		}
	}
	// The default is 120 columns.
	out := table(t, fs, ru, Options{})
	widest := 0
	for _, line := range strings.Split(out, "\n") {
		widest = max(widest, width(line))
	}
	if widest > DefaultWidth || widest < DefaultWidth-10 {
		t.Errorf("default width: widest line is %d, want about %d", widest, DefaultWidth)
	}
}

func TestTableAlignment(t *testing.T) {
	fs := append(sample(), tricky())
	out := table(t, fs, nil, Options{Width: 240})
	lines := strings.Split(out, "\n")
	// Every row's key figures start in the same cell as the header's.
	col := width(lines[0][:strings.Index(lines[0], "KEY FIGURES")])
	var rows []string
	for _, l := range lines[1:] {
		if l != "" && l[0] != ' ' || strings.HasPrefix(l, " ") && len(l) > 2 && l[1] >= '0' && l[1] <= '9' {
			rows = append(rows, l)
		}
	}
	for i, marker := range []string{"bytes_out=", "score=", "queries=", "名前="} {
		line := rows[i]
		j := strings.Index(line, marker)
		if j < 0 {
			t.Fatalf("row %d lacks %q: %q", i+1, marker, line)
		}
		if got := width(line[:j]); got != col {
			t.Errorf("row %d: key figures start at cell %d, header at %d\n%s", i+1, got, col, out)
		}
	}
}

func TestTableSafe(t *testing.T) {
	fs := []finding.Finding{tricky()}
	out := table(t, fs, finding.RollUp(fs), Options{Explain: true, Width: 300})
	if strings.ContainsAny(out, "\x1b\r\t\u202e") {
		t.Errorf("raw control or bidi characters reached the terminal:\n%q", out)
	}
	for _, want := range []string{`\x1b[31mred\x1b[0m`, `\u202eevil\u202c`, "end next", "\uFFFD bytes", `curl/8\x1b[2J`, `a b\x1b[2Jc`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestTableColor(t *testing.T) {
	fs := sample()
	plain := table(t, fs, finding.RollUp(fs), Options{})
	if strings.Contains(plain, "\x1b") {
		t.Errorf("escape codes without Color:\n%q", plain)
	}
	colored := table(t, fs, finding.RollUp(fs), Options{Color: true})
	for _, want := range []string{"\x1b[1;31mcritical\x1b[0m", "\x1b[31mhigh\x1b[0m", "\x1b[36mlow\x1b[0m"} {
		if !strings.Contains(colored, want) {
			t.Errorf("colored output lacks %q", want)
		}
	}
	// Colors change nothing else.
	if got := ansi.ReplaceAllString(colored, ""); got != plain {
		t.Errorf("colored output differs from plain beyond the colors:\n%s\n---\n%s", got, plain)
	}
}

func TestTableExplain(t *testing.T) {
	fs := sample()
	plain := table(t, fs, nil, Options{})
	out := table(t, fs, nil, Options{Explain: true})
	for _, want := range []string{
		"conn.log:41  1,082,089 B sent",
		"1331901000.250000 CHhAvVGS1DHFjwGM9 10.0.0.5 49152",
		"conn.log:97  largest upload",
		`http.log:12  first call, "GET /cdn/pixel.gif"`,
		"bytes_out:   2.3 MB (2,254,857 B)",
		"span:        9h02m",
		"baseline: -",
		"title:    Large upload to an external host [T1048.002, T1567]",
		"time:     2012-03-16T12:30:00Z .. 2012-03-16T12:41:45Z (11m45s)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explained table lacks %q", want)
		}
		if strings.Contains(plain, want) {
			t.Errorf("plain table has %q", want)
		}
	}
	// The rows themselves are the same (the summaries below the rows move into the
	// explanation).
	for _, line := range strings.Split(strings.TrimSpace(plain), "\n") {
		if strings.HasPrefix(line, "   ") {
			continue
		}
		if !strings.Contains(out, line+"\n") {
			t.Errorf("explained table lacks row %q", line)
		}
	}
}

func TestTableRollup(t *testing.T) {
	fs := sample()
	if out := table(t, fs, nil, Options{}); strings.Contains(out, "Risk by source") {
		t.Errorf("rollup printed without one:\n%s", out)
	}
	fs = append(fs, finding.Finding{Detection: "beacon", Severity: finding.Medium, Risk: 50, Entities: finding.Entities{Src: "10.0.0.5"}})
	out := table(t, fs, finding.RollUp(fs), Options{})
	if !strings.Contains(out, "\n\nRisk by source\n") {
		t.Fatalf("no rollup after a blank line:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^10\.0\.0\.5\s+138\s+2\s+critical\s+2: beacon, large-upload$`).MatchString(out) {
		t.Errorf("rollup row for 10.0.0.5 is wrong:\n%s", out)
	}
}

func TestDestination(t *testing.T) {
	tests := []struct {
		e    finding.Entities
		want string
	}{
		{finding.Entities{}, "-"},
		{finding.Entities{Dst: "203.0.113.7"}, "203.0.113.7"},
		{finding.Entities{Dst: "203.0.113.7", DstPort: 443, Proto: "tcp"}, "203.0.113.7:443/tcp"},
		{finding.Entities{Dst: "203.0.113.7", DstHost: "a.example", DstPort: 443, Proto: "tcp", App: "ssl"}, "a.example:443/ssl"},
		{finding.Entities{Dst: "2001:db8::1", DstPort: 443}, "[2001:db8::1]:443"},
		{finding.Entities{Dst: "2001:db8::1", App: "dns"}, "2001:db8::1/dns"},
		{finding.Entities{DstPort: 53, Proto: "udp"}, ":53/udp"},
		{finding.Entities{DstHost: "s3://corp-exports", App: "s3"}, "s3://corp-exports"},
		{finding.Entities{DstHost: "eve@contoso.com", App: "exchange"}, "eve@contoso.com/exchange"},
	}
	for _, tt := range tests {
		host, suf := destination(tt.e)
		if got := host + suf; got != tt.want {
			t.Errorf("destination(%+v) = %q, want %q", tt.e, got, tt.want)
		}
	}
}

func TestSource(t *testing.T) {
	tests := []struct {
		e    finding.Entities
		want string
	}{
		{finding.Entities{}, "-"},
		{finding.Entities{Src: "10.0.0.5"}, "10.0.0.5"},
		{finding.Entities{Src: "10.0.0.5", Process: "powershell.exe", User: "CORP\\bob"}, "10.0.0.5 powershell.exe"},
		{finding.Entities{Host: "WS1", Process: "curl.exe"}, "WS1 curl.exe"},
		{finding.Entities{Src: "203.0.113.9", User: "alice@contoso.com"}, "203.0.113.9 alice@contoso.com"},
		{finding.Entities{User: "alice@contoso.com"}, "alice@contoso.com"},
		{finding.Entities{Process: "x.exe"}, "x.exe"},
	}
	for _, tt := range tests {
		if got := source(tt.e); got != tt.want {
			t.Errorf("source(%+v) = %q, want %q", tt.e, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		s    string
		w    int
		want string
		left string
	}{
		{"abcdef", 10, "abcdef", "abcdef"},
		{"abcdef", 6, "abcdef", "abcdef"},
		{"abcdef", 4, "abc…", "…def"},
		{"abcdef", 1, "…", "…"},
		{"abcdef", 0, "", ""},
		{"日本語テキスト", 7, "日本語…", "…キスト"},
		{"日本語テキスト", 6, "日本…", "…スト"},
	}
	for _, tt := range tests {
		if got := truncate(tt.s, tt.w); got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.s, tt.w, got, tt.want)
		}
		if got := truncateLeft(tt.s, tt.w); got != tt.left {
			t.Errorf("truncateLeft(%q, %d) = %q, want %q", tt.s, tt.w, got, tt.left)
		}
	}
	if w := width("e\u0301日"); w != 3 {
		t.Errorf("width with a combining mark and a wide rune = %d, want 3", w)
	}
}

func TestWriteLeavesFindingsAlone(t *testing.T) {
	fs := append(sample(), tricky())
	fs[0].Figures = append(fs[0].Figures, finding.Fig("nan", 0.0, finding.Ratio))
	want := append([]finding.Finding(nil), fs...)
	for i := range want {
		want[i].Figures = append([]finding.Figure(nil), fs[i].Figures...)
	}
	for _, format := range Formats {
		var b bytes.Buffer
		if err := Write(&b, format, fs, finding.RollUp(fs), Options{Explain: true}); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
	}
	if !reflect.DeepEqual(fs, want) {
		t.Errorf("Write changed its input")
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	err := Write(&bytes.Buffer{}, "xml", sample(), nil, Options{})
	if err == nil || !strings.Contains(err.Error(), `"xml"`) || !strings.Contains(err.Error(), "table, jsonl, csv") {
		t.Errorf("unknown format: err = %v", err)
	}
}

func TestCutSourceKeepsTheAddress(t *testing.T) {
	for _, tc := range []struct {
		s    string
		w    int
		want string
	}{
		{"192.168.100.164 husband@elquijotebanquetes.com", 15, "192.168.100.164"},
		{"192.168.100.164 husband@elquijotebanquetes.com", 26, "192.168.100.164 …uetes.com"},
		{"10.0.0.5 powershell.exe", 39, "10.0.0.5 powershell.exe"},
		{"arn:aws:iam::111122223333:user/alice", 12, "…:user/alice"},
	} {
		if got := cutSource(0, tc.s, tc.w); got != tc.want {
			t.Errorf("cutSource(%q, %d) = %q, want %q", tc.s, tc.w, got, tc.want)
		}
	}
}
