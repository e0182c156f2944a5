package postc2

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

const (
	firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:99.0) Gecko/20100101 Firefox/99.0"
	chrome  = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"
	ie11    = "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko"
	t0      = event.Time(1_709_506_651_000_000)
)

// randomBytes returns n reproducible pseudo-random bytes: a stand-in for ciphertext.
func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

// teslaBody is a body shaped as AgentTesla's: p= and the URL-encoded base64 of ciphertext.
func teslaBody() string {
	b64 := base64.StdEncoding.EncodeToString(randomBytes(1, 336))
	return "p=" + strings.ReplaceAll(b64, "+", "%2B")
}

func prepared(t testing.TB) *Detection {
	t.Helper()
	d := New()
	if err := d.Prepare(); err != nil {
		t.Fatal(err)
	}
	return d
}

// req builds a request; n orders it in time and in the file.
func req(n int, src, dst, method, host, uri, ua string) *event.HTTP {
	return &event.HTTP{
		Meta:   event.Meta{TS: t0 + event.Time(n)*1_000_000, Ref: event.Ref{Line: uint32(n + 1)}},
		Flow:   event.Flow{Src: netip.MustParseAddr(src), SrcPort: uint16(49000 + n), Dst: netip.MustParseAddr(dst), DstPort: 80},
		Method: method, Host: host, URI: uri, UserAgent: ua,
		RequestBodyLen: event.Unset, ResponseBodyLen: event.Unset, StatusCode: 200,
	}
}

func with(h *event.HTTP, f func(*event.HTTP)) *event.HTTP { f(h); return h }

func TestIsBrowser(t *testing.T) {
	c := prepared(t).c
	for _, tc := range []struct {
		ua   string
		want bool
	}{
		{firefox, true},
		{chrome, true},
		{ie11, true},
		{"Mozilla/4.0 (compatible; MSIE 5.0; Windows 98)", true}, // Pony's
		{"Opera/9.80 (Windows NT 6.1) Presto/2.12.388 Version/12.18", true},
		{"Mozilla/4.0 (compatible; FCT 5.6.0; Windows NT 5.1)", false}, // FortiClient: no engine
		{"Mozilla/4.08 (Charon; Inferno)", false},                      // Lokibot's own string
		{"Microsoft-CryptoAPI/10.0", false},
		{"curl/8.5.0", false},
		{"", false},
		{"Gecko/20100101 Firefox/99.0", false}, // no Mozilla/ prefix
	} {
		if got := c.isBrowser(tc.ua); got != tc.want {
			t.Errorf("isBrowser(%q) = %v, want %v", tc.ua, got, tc.want)
		}
	}
}

func TestEncodedBody(t *testing.T) {
	p := DefaultParams()
	rnd := randomBytes(2, 300)
	hexRun := ""
	for i := 0; i < 64; i++ {
		hexRun += string("0123456789abcdef"[rnd[i]%16]) + string("0123456789abcdef"[rnd[i+64]%16])
	}
	var utf16 bytes.Buffer
	for _, r := range "Hello from the quarterly report, see the attached figures for details. " + "Regards, the finance team and everyone else who read it." {
		utf16.WriteByte(byte(r))
		utf16.WriteByte(0)
	}
	pct := func(b []byte) string {
		var s strings.Builder
		for _, c := range b {
			s.WriteString("%")
			s.WriteString(strings.ToUpper(string("0123456789abcdef"[c>>4]) + string("0123456789abcdef"[c&15])))
		}
		return s.String()
	}
	for _, tc := range []struct {
		name, body, want string // want: prefix of the reason, "" for not encoded
		form             bool
	}{
		{"agenttesla form value", teslaBody(), "base64 run of 448 characters", true},
		{"agenttesla, type unknown", teslaBody(), "base64 run of 448 characters", false},
		{"base64 in a JSON value", `{"d":"` + base64.StdEncoding.EncodeToString(rnd[:120]) + `"}`, "base64 run of 160", false},
		{"base64url", "data=" + base64.RawURLEncoding.EncodeToString(rnd[:100]), "base64 run of 134", false},
		{"long hex", "id=" + hexRun, "hex run of 128", false},
		{"sha-256 hex is short", "h=" + hexRun[:64], "", false},
		{"short token", "csrf=" + base64.StdEncoding.EncodeToString(rnd[:32]) + "&user=alice", "", false},
		{"login form", "user=alice%40example.com&password=correct+horse+battery+staple&remember=1", "", true},
		{"login form, type unknown", "user=alice%40example.com&password=correct+horse+battery+staple&remember=1", "", false},
		{"english words, no spaces", "q=" + strings.Repeat("TheQuickBrownFoxJumpsOverTheLazyDog", 4), "", false},
		{"all digits", "n=" + strings.Repeat("1234567890", 12), "", false},
		{"raw ciphertext", string(rnd[:256]), "binary, ", false},
		{"percent-encoded ciphertext", "blob=" + pct(rnd[:200]), "binary, ", false},
		{"short binary", string(rnd[:64]), "", false},
		{"utf-16 text", utf16.String(), "", false},
		{"empty", "", "", false},
	} {
		got := encodedBody(&p, tc.body, tc.form)
		if tc.want == "" && got != "" || tc.want != "" && !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: encodedBody = %q, want prefix %q", tc.name, got, tc.want)
		}
	}
}

func TestJudge(t *testing.T) {
	d := prepared(t)
	base := func(uri string) *event.HTTP {
		return req(1, "10.0.0.5", "203.0.113.9", "POST", "x.example.com", uri, firefox)
	}
	for _, tc := range []struct {
		name  string
		h     *event.HTTP
		flags signal
		gate  string
	}{
		{"agenttesla", base("/sew/inc/10a5031d37bc79.php"), sigNoReferrer | sigScriptPath | sigGatePath, "/inc/, hex script name 10a5031d37bc79.php"},
		{"hex name alone", base("/x/4f2a9c0e7b.php"), sigNoReferrer | sigScriptPath | sigGatePath, "hex script name 4f2a9c0e7b.php"},
		{"hex name too short", base("/x/4f2a9c0.php"), sigNoReferrer | sigScriptPath, ""},
		{"hex-looking word", base("/x/deadbeefcafe.php"), sigNoReferrer | sigScriptPath, ""}, // no digit
		{"lokibot", base("/kbl/fre.php?x=1"), sigNoReferrer | sigScriptPath | sigGatePath, "fre.php"},
		{"pony, upper case", base("/Panel/Gate.PHP"), sigNoReferrer | sigScriptPath | sigGatePath, "gate.php"},
		{"absolute uri via proxy", base("http://x.example.com/a/b.aspx"), sigNoReferrer | sigScriptPath, ""},
		{"no script", base("/api/v1/items"), sigNoReferrer, ""},
		{"a directory named .php", base("/x.php/"), sigNoReferrer, ""},
		{"bare extension", base("/.php"), sigNoReferrer, ""},
		{"referer", with(base("/a.php"), func(h *event.HTTP) { h.Referrer = "http://x.example.com/" }), sigScriptPath, ""},
		{"origin", with(base("/a.php"), func(h *event.HTTP) { h.Origin = "http://x.example.com" }), sigScriptPath, ""},
		{"not a browser", with(base("/a.php"), func(h *event.HTTP) { h.UserAgent = "curl/8.5.0" }), sigScriptPath, ""},
		{"form with encoded value", with(base("/a"), func(h *event.HTTP) {
			h.ContentType, h.Body = "application/x-www-form-urlencoded; charset=UTF-8", teslaBody()
		}), sigNoReferrer | sigFormType | sigEncodedBody, ""},
		{"no content type, encoded", with(base("/a"), func(h *event.HTTP) { h.Body = teslaBody() }), sigNoReferrer | sigEncodedBody, ""},
		{"json is not judged", with(base("/a"), func(h *event.HTTP) {
			h.ContentType, h.Body = "application/json", `{"d":"`+teslaBody()+`"}`
		}), sigNoReferrer, ""},
		{"octet-stream", with(base("/a"), func(h *event.HTTP) {
			h.ContentType, h.Body = "Application/Octet-Stream", string(randomBytes(3, 400))
		}), sigNoReferrer | sigFormType | sigEncodedBody, ""},
	} {
		j := d.c.judge(&d.p, tc.h)
		if j.flags != tc.flags || j.gate != tc.gate {
			t.Errorf("%s: flags %b gate %q, want %b %q", tc.name, j.flags, j.gate, tc.flags, tc.gate)
		}
	}
}

func TestDynamicDomain(t *testing.T) {
	c := prepared(t).c
	for host, want := range map[string]string{
		"originwealth.ydns.eu": "ydns.eu",
		"a.b.hopto.org":        "hopto.org",
		"x.no-ip.org":          "no-ip.org",
		"ydns.eu":              "", // the provider itself
		"evilydns.eu":          "",
		"www.example.com":      "",
		"1.2.3.4":              "",
		"":                     "",
		"eu":                   "",
	} {
		if got := c.dynamicDomain(host); got != want {
			t.Errorf("dynamicDomain(%q) = %q, want %q", host, got, want)
		}
	}
	seen := map[string]bool{}
	for _, dom := range DefaultDynamicDNS() {
		if seen[dom] || dom != strings.ToLower(strings.Trim(dom, ". ")) || !strings.Contains(dom, ".") {
			t.Errorf("default dynamic_dns entry %q: duplicate or malformed", dom)
		}
		seen[dom] = true
	}
}

func TestExcluded(t *testing.T) {
	c := prepared(t).c
	post := func(host, ua string) *event.HTTP { return req(1, "10.0.0.5", "203.0.113.9", "POST", host, "/", ua) }
	for _, tc := range []struct {
		name    string
		h       *event.HTTP
		dynamic bool
		want    bool
	}{
		{"cryptoapi", post("x.example.com", "Microsoft-CryptoAPI/10.0"), false, true},
		{"update agent, any case", post("x.example.com", "windows-update-agent/10.0"), false, true},
		{"ocsp host", post("ocsp.sectigo.com", firefox), false, true},
		{"oneocsp", post("oneocsp.microsoft.com", firefox), false, true},
		{"crl host", post("crl3.digicert.com", firefox), false, true},
		{"excluded domain", post("fe2.update.microsoft.com", "x"), false, true},
		{"lets encrypt", post("r3.o.lencr.org", firefox), false, true},
		{"ocsp content type", with(post("x.example.com", firefox), func(h *event.HTTP) { h.ContentType = "application/ocsp-request" }), false, true},
		{"ocsp body type (zeek)", with(post("x.example.com", firefox), func(h *event.HTTP) { h.OrigMimeTypes = event.List{"application/ocsp-request"} }), false, true},
		{"ocsp label only in a later label", post("www.ocsp-example.com", firefox), false, false},
		{"plain", post("x.example.com", firefox), false, false},
		{"address host", post("198.51.100.1", firefox), false, false},
		{"dynamic host is never excluded", post("ocsp.duckdns.org", "Microsoft-CryptoAPI/10.0"), true, false},
	} {
		if got := c.excluded(tc.h, detect.HTTPHost(tc.h), tc.dynamic); got != tc.want {
			t.Errorf("%s: excluded = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// score runs the detection over the events with min_risk 0 and returns the findings by
// source.
func scoreAll(t *testing.T, evs []any, minRisk int) map[string]finding.Finding {
	t.Helper()
	d := New()
	d.p.MinRisk = minRisk
	out := map[string]finding.Finding{}
	for _, f := range detecttest.ScoreEvents(t, d, detecttest.Env(), nil, evs) {
		if _, dup := out[f.Entities.Src]; dup {
			t.Fatalf("two findings for %s", f.Entities.Src)
		}
		out[f.Entities.Src] = f
	}
	return out
}

// TestWeights checks the risk the brief's cases get: the AgentTesla POST well above min_risk
// with or without its body, the benign POSTs below it.
func TestWeights(t *testing.T) {
	tesla := req(10, "192.168.100.134", "78.41.139.12", "POST", "originwealth.ydns.eu", "/sew/inc/10a5031d37bc79.php", firefox)
	tesla.RequestBodyLen = 460
	teslaBodyEv := req(11, "192.168.100.135", "78.41.139.12", "POST", "originwealth.ydns.eu", "/sew/inc/10a5031d37bc79.php", firefox)
	teslaBodyEv.ContentType, teslaBodyEv.Body = "application/x-www-form-urlencoded", teslaBody()
	// The same implant on a plain domain, no gate name: still above.
	plain := req(12, "192.168.100.136", "203.0.113.5", "POST", "shop-example.com", "/x/submit.php", firefox)
	evs := []any{
		req(1, "192.168.100.134", "192.229.221.95", "GET", "ocsp.digicert.com", "/MFEw", "Microsoft-CryptoAPI/10.0"),
		req(2, "192.168.100.134", "184.51.127.41", "GET", "crl.microsoft.com", "/pki/crl/x.crl", "Microsoft-CryptoAPI/10.0"),
		req(3, "192.168.100.134", "239.255.255.250", "M-SEARCH", "239.255.255.250:1900", "*", ""),
		tesla, teslaBodyEv, plain,
		// OCSP POST from CryptoAPI.
		with(req(20, "10.0.0.20", "192.229.221.95", "POST", "ocsp.digicert.com", "/", "Microsoft-CryptoAPI/10.0"), func(h *event.HTTP) { h.ContentType = "application/ocsp-request" }),
		// A form posted with Referer and Origin after its page.
		req(30, "10.0.0.30", "203.0.113.80", "GET", "www.shop-example.com", "/login.php", firefox),
		with(req(31, "10.0.0.30", "203.0.113.80", "POST", "www.shop-example.com", "/login.php", firefox), func(h *event.HTTP) {
			h.Referrer, h.Origin = "http://www.shop-example.com/login.php", "http://www.shop-example.com"
			h.ContentType, h.Body = "application/x-www-form-urlencoded", "user=alice&password=hunter2"
		}),
		// An API client POSTing JSON under its own user agent.
		with(req(40, "10.0.0.40", "198.51.100.20", "POST", "api.sync-example.com", "/v2/items", "ExampleSync/3.2"), func(h *event.HTTP) {
			h.ContentType, h.Body = "application/json", `{"id":1,"blob":"`+base64.StdEncoding.EncodeToString(randomBytes(4, 200))+`"}`
		}),
	}
	fs := scoreAll(t, evs, 0)
	want := map[string]int{
		"192.168.100.134": 100, // 20+25+10+15+20+10 without the body
		"192.168.100.135": 100, // and the body: +20 +5, capped
		"192.168.100.136": 65,  // post only, browser without Referer/Origin, .php, external
		"10.0.0.30":       25,  // .php, external, form content type
		"10.0.0.40":       30,  // post only, external; JSON bodies are not judged
	}
	for src, risk := range want {
		f, ok := fs[src]
		if !ok {
			t.Errorf("%s: no finding", src)
			continue
		}
		if f.Risk != risk {
			t.Errorf("%s: risk %d, want %d (%s)", src, f.Risk, risk, f.Figure("signals"))
		}
	}
	if len(fs) != len(want) {
		t.Errorf("%d findings, want %d (the OCSP POST is excluded)", len(fs), len(want))
	}
	min := DefaultParams().MinRisk
	if fs["192.168.100.134"].Risk < min+30 {
		t.Errorf("the AgentTesla POST without a body is not well above min_risk %d", min)
	}
	f := fs["192.168.100.134"]
	if f.Entities.DstHost != "originwealth.ydns.eu" || f.Entities.Dst != "78.41.139.12" || f.Entities.UserAgent != firefox ||
		f.Figure("uri") != "/sew/inc/10a5031d37bc79.php" || f.Figure("other_requests") != int64(0) {
		t.Errorf("entities or figures: %+v %v", f.Entities, f.Figures)
	}
	for _, s := range []string{"192.168.100.134", "originwealth.ydns.eu", "/sew/inc/10a5031d37bc79.php", firefox, "neither Referer nor Origin", "ydns.eu"} {
		if !strings.Contains(f.Summary, s) {
			t.Errorf("summary lacks %q: %s", s, f.Summary)
		}
	}
	fb := fs["192.168.100.135"]
	if len(fb.Evidence) != 1 || !strings.Contains(fb.Evidence[0].Note, "p=") || !strings.Contains(fb.Evidence[0].Note, "encoded body") {
		t.Errorf("evidence of the POST with a body: %+v", fb.Evidence)
	}
	// At the default min_risk only the implant's pairs are reported.
	if got := scoreAll(t, evs, min); len(got) != 3 {
		t.Errorf("default min_risk: %d findings, want 3", len(got))
	}
}

func TestPairSignals(t *testing.T) {
	env := detecttest.Env()
	for _, tc := range []struct {
		name string
		evs  []any
		want string // signals
	}{
		{"fetched before", []any{
			req(1, "10.0.0.5", "203.0.113.9", "GET", "a.example.com", "/", "x"),
			req(2, "10.0.0.5", "203.0.113.9", "POST", "a.example.com", "/p", "x"),
		}, "external"},
		{"fetched after", []any{
			req(2, "10.0.0.5", "203.0.113.9", "POST", "a.example.com", "/p", "x"),
			req(3, "10.0.0.5", "203.0.113.9", "GET", "a.example.com", "/", "x"),
		}, "external"},
		{"another source fetched", []any{
			req(1, "10.0.0.6", "203.0.113.9", "GET", "a.example.com", "/", "x"),
			req(2, "10.0.0.5", "203.0.113.9", "POST", "a.example.com", "/p", "x"),
		}, "post_only, external"},
		{"host with port and case", []any{
			req(1, "10.0.0.5", "203.0.113.9", "GET", "A.Example.com:80", "/", "x"),
			req(2, "10.0.0.5", "203.0.113.9", "POST", "a.example.com", "/p", "x"),
		}, "external"},
		{"bare external address", []any{req(1, "10.0.0.5", "203.0.113.9", "POST", "203.0.113.9", "/p", "x")}, "post_only, ip_host, external"},
		{"no host header", []any{req(1, "10.0.0.5", "203.0.113.9", "POST", "", "/p", "x")}, "post_only, ip_host, external"},
		{"internal address", []any{req(1, "10.0.0.5", "10.0.0.9", "POST", "10.0.0.9", "/p", "x")}, "post_only"},
		{"through a proxy, a name", []any{req(1, "10.0.0.5", "10.0.0.3", "POST", "a.example.com", "http://a.example.com/p", "x")}, "post_only, external"},
		{"through a proxy, an internal address", []any{req(1, "10.0.0.5", "10.0.0.3", "POST", "10.0.0.9", "http://10.0.0.9/p", "x")}, "post_only"},
		{"dynamic dns", []any{req(1, "10.0.0.5", "203.0.113.9", "POST", "a.duckdns.org", "/p", "x")}, "post_only, dynamic_dns, external"},
		{"PUT is not scored, counts as a fetch", []any{
			req(1, "10.0.0.5", "203.0.113.9", "PUT", "a.example.com", "/p", "x"),
			req(2, "10.0.0.5", "203.0.113.9", "POST", "a.example.com", "/p", "x"),
		}, "external"},
	} {
		d := New()
		d.p.MinRisk = 0
		fs := detecttest.ScoreEvents(t, d, env, nil, tc.evs)
		if len(fs) != 1 {
			t.Errorf("%s: %d findings", tc.name, len(fs))
			continue
		}
		if got := fs[0].Figure("signals"); got != tc.want {
			t.Errorf("%s: signals %q, want %q", tc.name, got, tc.want)
		}
	}
	// A record without its request, or without a source, is ignored.
	d := New()
	d.p.MinRisk = 0
	noReq := req(1, "10.0.0.5", "203.0.113.9", "-", "a.example.com", "/p", "x")
	noReq.Method = ""
	if fs := detecttest.ScoreEvents(t, d, env, nil, []any{noReq, with(req(2, "10.0.0.5", "203.0.113.9", "POST", "a.example.com", "/p", "x"), func(h *event.HTTP) { h.Src = netip.Addr{} })}); len(fs) != 0 {
		t.Errorf("records without request or source: %d findings", len(fs))
	}
}

// TestMergeOrder feeds the same events split in parts, in different orders of parts and merges:
// the findings must not change.
func TestMergeOrder(t *testing.T) {
	var evs []any
	for i := 0; i < 40; i++ {
		src := []string{"10.0.0.5", "10.0.0.6", "10.0.0.7"}[i%3]
		host := []string{"a.duckdns.org", "b.example.com", "203.0.113.9"}[i%4%3]
		method := "POST"
		if i%7 == 0 {
			method = "GET"
		}
		h := req(i, src, "203.0.113.9", method, host, []string{"/g/gate.php", "/p", "/x/a1b2c3d4e5.php", "/z.aspx", "/y", "/w", "/v"}[i%7], []string{firefox, "x", chrome}[i%3])
		if i%5 == 0 {
			h.ContentType, h.Body = "application/x-www-form-urlencoded", teslaBody()
		}
		evs = append(evs, h)
	}
	d := New()
	d.p.MinRisk = 0
	want := detecttest.JSONL(t, detecttest.ScoreEvents(t, d, detecttest.Env(), nil, evs))
	parts := func(n int) [][]any {
		out := make([][]any, n)
		for i, e := range evs {
			out[i%n] = append(out[i%n], e)
		}
		return out
	}
	rev := make([]any, len(evs))
	for i, e := range evs {
		rev[len(evs)-1-i] = e
	}
	for _, tc := range []struct {
		name  string
		order []int
		parts [][]any
	}{
		{"reversed", nil, [][]any{rev}},
		{"3 parts", []int{0, 1, 2}, parts(3)},
		{"3 parts backwards", []int{2, 1, 0}, parts(3)},
		{"5 parts shuffled", []int{3, 0, 4, 2, 1}, parts(5)},
	} {
		d := New()
		d.p.MinRisk = 0
		got := detecttest.JSONL(t, detecttest.ScoreEvents(t, d, detecttest.Env(), tc.order, tc.parts...))
		if !bytes.Equal(got, want) {
			t.Errorf("%s: findings differ:\n%s\nwant\n%s", tc.name, got, want)
		}
	}
	// MergeDisjoint of aggregators that hold different sources gives the same findings.
	d = New()
	d.p.MinRisk = 0
	if err := d.Prepare(); err != nil {
		t.Fatal(err)
	}
	env := detecttest.Env()
	bySrc := map[netip.Addr]detect.Aggregator{}
	var aggs []detect.Aggregator
	for _, e := range evs {
		h := e.(*event.HTTP)
		a := bySrc[h.Src]
		if a == nil {
			a = d.NewAggregator(env)
			bySrc[h.Src] = a
			aggs = append(aggs, a)
		}
		detecttest.Observe(a, e)
	}
	aggs[0].(detect.DisjointMerger).MergeDisjoint(aggs[1:])
	fs, err := d.Score(aggs[0], env)
	if err != nil {
		t.Fatal(err)
	}
	if got := detecttest.JSONL(t, fs); !bytes.Equal(got, want) {
		t.Errorf("MergeDisjoint: findings differ:\n%s\nwant\n%s", got, want)
	}
}

func TestEvidenceAndPaths(t *testing.T) {
	var evs []any
	for i := 0; i < 9; i++ {
		h := req(i, "10.0.0.5", "203.0.113.9", "POST", "a.duckdns.org", "/p"+string(rune('0'+i)), "x")
		if i == 6 {
			h.URI = "/gate.php" // the one with the most request signals
		}
		evs = append(evs, h)
	}
	d := New()
	fs := detecttest.ScoreEvents(t, d, detecttest.Env(), nil, evs)
	if len(fs) != 1 {
		t.Fatalf("%d findings", len(fs))
	}
	f := fs[0]
	if f.Figure("uri") != "/gate.php" || f.Figure("posts") != int64(9) {
		t.Errorf("best POST or count: %v", f.Figures)
	}
	if got := f.Figure("paths"); got != "/gate.php /p0 /p1 /p2 /p3 ..." {
		t.Errorf("paths %q", got)
	}
	if len(f.Evidence) != 5 || !strings.Contains(f.Evidence[0].Note, "POST /p0") {
		t.Fatalf("evidence: %+v", f.Evidence)
	}
	var gate bool
	for i, e := range f.Evidence {
		gate = gate || strings.Contains(e.Note, "/gate.php")
		if i > 0 && e.TS < f.Evidence[i-1].TS {
			t.Errorf("evidence not in time order")
		}
	}
	if !gate {
		t.Errorf("the gate POST is not in the evidence: %+v", f.Evidence)
	}
}

func TestPrepare(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "dyn.txt")
	if err := os.WriteFile(list, []byte("# providers\nmy-dyn.example  # a comment\n*.other-dyn.example,provider\n\nnodot\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := New()
	d.p.DynamicDNSFile = list
	if err := d.Prepare(); err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]string{"a.my-dyn.example": "my-dyn.example", "b.other-dyn.example": "other-dyn.example", "c.nodot": "", "d.duckdns.org": "duckdns.org"} {
		if got := d.c.dynamicDomain(host); got != want {
			t.Errorf("with the file: dynamicDomain(%q) = %q, want %q", host, got, want)
		}
	}
	for name, change := range map[string]func(*Params){
		"min_risk":         func(p *Params) { p.MinRisk = 101 },
		"methods":          func(p *Params) { p.Methods = nil },
		"min_encoded_run":  func(p *Params) { p.MinEncodedRun = 4 },
		"entropy":          func(p *Params) { p.Base64Entropy = 0 },
		"binary_share":     func(p *Params) { p.BinaryShare = 2 },
		"empty gate":       func(p *Params) { p.GatePaths = []string{""} },
		"empty user agent": func(p *Params) { p.ExcludeUserAgents = append(p.ExcludeUserAgents, "") },
		"missing file":     func(p *Params) { p.DynamicDNSFile = filepath.Join(dir, "absent") },
	} {
		d := New()
		change(&d.p)
		if err := d.Prepare(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// Every parameter is documented for `sluice detections` and `sluice config`.
	names := map[string]bool{}
	for _, p := range detect.ListParams(New().Params()) {
		names[p.Name] = true
		if p.Doc == "" {
			t.Errorf("parameter %s has no doc", p.Name)
		}
	}
	for _, n := range []string{"min_risk", "risk.post_only", "risk.no_referrer", "dynamic_dns", "exclude_user_agents"} {
		if !names[n] {
			t.Errorf("parameter %s not listed", n)
		}
	}
	// Without Prepare, the aggregator prepares the detection itself.
	d = New()
	d.p.MinRisk = 0
	fs := detecttest.ScoreConns(t, d, detecttest.Env(), nil)
	if len(fs) != 0 {
		t.Errorf("empty input: %d findings", len(fs))
	}
}

// FuzzEncodedBody checks that no body makes the body judgement or a POST's note panic, seeded
// with the bodies of the fixtures (AgentTesla's shape, forms, JSON, multipart, binary).
func FuzzEncodedBody(f *testing.F) {
	f.Add(teslaBody(), "application/x-www-form-urlencoded")
	f.Add("user=alice%40example.com&password=correct+horse+battery+staple&remember=1&csrf=3f9a1c2e7b", "application/x-www-form-urlencoded")
	f.Add(`{"name":"notes.txt","data":"U29tZSBub3RlcyBhYm91dCB0aGUgbWVldGluZw=="}`, "application/json")
	f.Add("------WebKitFormBoundaryq3Xz7RkT2mNp9LcV\r\nContent-Disposition: form-data; name=\"photo\"\r\n\r\n\xff\xd8\xff\xe0", "multipart/form-data; boundary=----WebKitFormBoundaryq3Xz7RkT2mNp9LcV")
	f.Add(string(randomBytes(5, 512)), "")
	f.Add("%", "")
	f.Add("%4", "text/plain")
	f.Add("a=%zz%2", ";")
	d := New()
	if err := d.Prepare(); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body, ctype string) {
		_ = encodedBody(&d.p, body, true)
		_ = encodedBody(&d.p, body, false)
		h := req(1, "10.0.0.5", "203.0.113.9", "POST", "a.example.com", "/"+body, firefox)
		h.Body, h.ContentType = body, ctype
		j := d.c.judge(&d.p, h)
		_ = postNote(h, &j)
		_ = printable(body, 80)
	})
}

func BenchmarkObserveHTTP(b *testing.B) {
	d := New()
	if err := d.Prepare(); err != nil {
		b.Fatal(err)
	}
	env := detecttest.Env()
	// 200 sources browsing 20 sites: one request in ten a POST, one POST in five with a body.
	var evs []*event.HTTP
	hosts := []string{"www.example.com", "cdn.example.net", "a.duckdns.org", "Static.Example.org", "198.51.100.7"}
	for i := 0; i < 5000; i++ {
		src := netip.AddrFrom4([4]byte{10, 0, byte(i % 200 / 100), byte(i % 100)}).String()
		method := "GET"
		if i%10 == 0 {
			method = "POST"
		}
		h := req(i, src, "203.0.113.9", method, hosts[i%5]+strings.Repeat("x", i/5%4), "/index.php?x=1", chrome)
		if method == "POST" && i%50 == 0 {
			h.ContentType, h.Body = "application/x-www-form-urlencoded", teslaBody()
		}
		evs = append(evs, h)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a := d.NewAggregator(env).(*Aggregator)
		for _, h := range evs {
			a.ObserveHTTP(h)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/record")
}
