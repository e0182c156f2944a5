package dnsname

import (
	"bufio"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRegistered(t *testing.T) {
	for _, c := range []struct {
		name           string
		private, icann string
	}{
		{"www.example.com", "example.com", "example.com"},
		{"a.b.example.co.uk", "example.co.uk", "example.co.uk"},
		// Private suffixes: each customer is its own domain, or all fall under the provider.
		{"x9f2.evil.duckdns.org", "evil.duckdns.org", "duckdns.org"},
		{"abc123.ngrok-free.app", "abc123.ngrok-free.app", "ngrok-free.app"},
		{"d1a2b3c4.cloudfront.net", "d1a2b3c4.cloudfront.net", "cloudfront.net"},
		{"duckdns.org", "duckdns.org", "duckdns.org"}, // a suffix is its own domain
		// Suffixes nobody lists take their last label.
		{"wpad.corp.example", "corp.example", "corp.example"},
		{"c2.dnscat-lab.example", "dnscat-lab.example", "dnscat-lab.example"},
		{"localhost", "localhost", "localhost"},
		// A last label that cannot be a top-level domain is data: the first label is fixed.
		{"dnscat.6b2c01a3f7e2000000000", "dnscat", "dnscat"},
		{"x.9f8e7d6c5b4a39281706f5e4d3c2b1a0a1b2c3d4", "x", "x"},
		{"host.xn--p1ai", "host.xn--p1ai", "host.xn--p1ai"},
		{"com", "com", "com"},
		{"1.0.168.192.in-addr.arpa", ReverseV4, ReverseV4},
		{"b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa", ReverseV6, ReverseV6},
		{"10.1.2.3", "", ""},
		{".example.com", "", ""},
		{"a..example.com", "", ""},
		{"2001:db8::1", "", ""},
		{"", "", ""},
	} {
		if got := Registered(c.name, true); got != c.private {
			t.Errorf("Registered(%q, private) = %q, want %q", c.name, got, c.private)
		}
		if got := Registered(c.name, false); got != c.icann {
			t.Errorf("Registered(%q, icann only) = %q, want %q", c.name, got, c.icann)
		}
	}
}

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		"WWW.Example.COM.": "www.example.com",
		" a.b ":            "a.b",
		"x\\xe4.example":   "x\\xe4.example",
		"AB\xff.Example":   "ab\xff.example", // bytes that are not UTF-8 are kept
		"already.lower":    "already.lower",
	} {
		if got := Canonical(in); got != want {
			t.Errorf("Canonical(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAnalyzeMeasures(t *testing.T) {
	l := DefaultLimits()
	n := Analyze("ab\\xe4c.Example.COM.", l)
	if n.Length != 16 || n.Labels != 3 || n.Longest != 7 || n.Domain != "example.com" {
		t.Errorf("measures = %+v", n)
	}
	// Limits are strict: exactly 70 and 52 are not long.
	at := strings.Repeat("a", 52) + "." + strings.Repeat("b", 5) + ".example.com" // 52+1+5+1+11 = 70
	if n := Analyze(at, l); n.Long || n.Length != 70 || n.Longest != 52 {
		t.Errorf("at the limits: %+v", n)
	}
	if n := Analyze("x"+at, l); !n.Long {
		t.Errorf("71 characters and a 53-character label are long: %+v", n)
	}
	if n := Analyze(strings.Repeat("a1.", 30)+"example.com", l); !n.Long || n.Longest != 7 || n.Encoded {
		t.Errorf("a long name of short labels: %+v", n)
	}
}

func TestAnalyzeClasses(t *testing.T) {
	l := DefaultLimits()
	for _, c := range []struct {
		name    string
		enc     bool
		alpha   Alphabet
		payload int
	}{
		// Data: hex (dnscat2, Cobalt Strike), base32 (iodine, DNSExfiltrator), base64, raw bytes.
		{"0a1b2c3d4e5f60718293a4b5c6d7e8f9.c2.tunnel-lab.example", true, Hex, 34}, // c2 is a word with a digit, and hex,
		{"2b8401e6c2a10000000000.5d2e.dnscat-lab.example", true, Hex, 26},
		{"mzxw6ytboi2dkmrvgq3tmnzwgm4dqmjq.gu4dqnjt.t.exfil.example", true, Base32, 40},
		{"0qsahvLO0mm4WEFDC1C9x8aHCWP5oEfoF.tunnel.example.org", true, Base64, 33},
		{"a\\xe4b\\xc3\\xbcc\\xe9defghijklmnopqrstuvwx.t.example.org", true, Raw, 28},
		// The words around a payload do not count toward it.
		{"post.1a2b3c4d5e6f708192a3b4c5d6e7f8091.beacon.example.net", true, Hex, 33},
		// Words, product names, hostnames, service labels: not data.
		{"www.google.com", false, Text, 0},
		{"outlook.office365.com", false, Text, 0},
		{"windows10upgrade2020servers.updates.example.com", false, Text, 27},
		{"_ldap._tcp.dc._msdcs.corp.example.com", false, Text, 0},
		{"zhmyaA-Aaahhh-Drink-mal-ein-Jgermeister-.t.example.org", false, Text, 0},
		{"prod-rload-i29aru6c62s4-631862813.eu.example.com", false, Text, 0},
		{"r5---sn-a5mlrn7d.googlevideo.com", false, Text, 0},
		{"WwW.GoOgLe.CoM", false, Base64, 3}, // DNS 0x20 case randomisation of a short name
		// Too short to judge.
		{"a1b2c3d4.example.com", false, Hex, 8},
		// Reverse and multicast DNS names are never judged.
		{"4.4.8.8.in-addr.arpa", false, Text, 0},
		{"nougat [28:d2:44:0f:4c:e9]._workstation._tcp.local", false, Text, 0},
	} {
		n := Analyze(c.name, l)
		if n.Encoded != c.enc || n.Alphabet != c.alpha || n.Payload != c.payload {
			t.Errorf("Analyze(%q) = encoded %v, %v, payload %d; want %v, %v, %d (entropy %.2f)",
				c.name, n.Encoded, n.Alphabet, n.Payload, c.enc, c.alpha, c.payload, n.Entropy)
		}
	}
}

func TestChunked(t *testing.T) {
	for name, want := range map[string]bool{
		"12-aGVsbG8gd29ybGQgdGhpcw.x.example.com": true,
		"1-QUJDREVGR0hJSktMTU5P.x.example.com":    true,
		"123456-aGVsbG8gd29ybGQgdGhpcw.x.example": false, // six digits
		"12-short.x.example.com":                  false,
		"us-east-1.example.com":                   false,
		"12-aGVsbG8gd29y-bGQgdGhpcw.x.example":    false, // a second hyphen: words
	} {
		if got := Analyze(name, DefaultLimits()).Chunked; got != want {
			t.Errorf("Chunked(%q) = %v, want %v", name, got, want)
		}
	}
}

// tunnelNames are payloads of random bytes in the encodings tunnels use, split into labels of
// at most 63 characters under a fixed tunnel domain.
func tunnelNames(r *rand.Rand, enc string, n int) []string {
	out := make([]string, 0, n)
	for range n {
		b := make([]byte, 16+r.IntN(100))
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		var s string
		switch enc {
		case "hex":
			s = hex.EncodeToString(b)
		case "base32":
			s = strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
		case "base32hex":
			s = strings.ToLower(base32.HexEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
		case "base64url":
			s = base64.RawURLEncoding.EncodeToString(b)
		}
		var labels []string
		for len(s) > 63 {
			labels, s = append(labels, s[:63]), s[63:]
		}
		out = append(out, strings.Join(append(labels, s), ".")+".t.tunnel-lab.example.com")
	}
	return out
}

// TestEncodings: random data in each encoding tunnels use is judged encoded (not only the
// encodings of the labelled iodine set).
func TestEncodings(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for _, enc := range []string{"hex", "base32", "base32hex", "base64url"} {
		names := tunnelNames(r, enc, 3000)
		hit := 0
		for _, q := range names {
			if Analyze(q, DefaultLimits()).Encoded {
				hit++
			}
		}
		recall := float64(hit) / float64(len(names))
		t.Logf("%s: %d of %d names judged encoded (%.4f)", enc, hit, len(names), recall)
		if recall < 0.96 {
			t.Errorf("%s: recall %.4f, want >= 0.96", enc, recall)
		}
	}
}

func datasets(t *testing.T, dir string) string {
	p := filepath.Join("..", "..", "shared", "datasets", dir)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real dataset %s not found (it sits beside the project in a full checkout): %v", p, err)
	}
	return p
}

func readNames(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		label, q, ok := strings.Cut(s.Text(), ",")
		if !ok || label == "label" {
			continue
		}
		out = append(out, q)
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Flagged is the name classifier of the dns-tunnel detection: long or encoded.
func flagged(n Name) bool { return n.Long || n.Encoded }

// TestTunnelNames: the labelled iodine and plain names (netrack/learn). Recall on iodine
// >= 0.95 and false positives on plain names <= 1 %.
func TestTunnelNames(t *testing.T) {
	dir := datasets(t, "dns-tunnel-names")
	iodine := readNames(t, filepath.Join(dir, "iodine__names.csv"))
	plain := readNames(t, filepath.Join(dir, "plain__names.csv"))
	l := DefaultLimits()
	tp, enc, long := 0, 0, 0
	for _, q := range iodine {
		n := Analyze(q, l)
		if flagged(n) {
			tp++
		}
		if n.Encoded {
			enc++
		}
		if n.Long {
			long++
		}
	}
	fp := 0
	for _, q := range plain {
		if n := Analyze(q, l); flagged(n) {
			fp++
			t.Logf("plain name flagged: %s (%+v)", q, n)
		}
	}
	recall := float64(tp) / float64(len(iodine))
	fpr := float64(fp) / float64(len(plain))
	precision := float64(tp) / float64(tp+fp)
	t.Logf("iodine: %d names, %d flagged (recall %.4f; encoded %d, long %d); plain: %d names, %d flagged (%.4f); precision %.4f",
		len(iodine), tp, recall, enc, long, len(plain), fp, fpr, precision)
	if recall < 0.95 {
		t.Errorf("recall on iodine names %.4f, want >= 0.95", recall)
	}
	if fpr > 0.01 {
		t.Errorf("false positives on plain names %.4f, want <= 0.01", fpr)
	}
}

func BenchmarkAnalyze(b *testing.B) {
	names := []string{
		"www.google.com", "outlook.office365.com", "e1234.dscg.akamaiedge.net", "1.0.168.192.in-addr.arpa",
		"_ldap._tcp.dc._msdcs.corp.example.com", "prod-rload-i29aru6c62s4-631862813.us-east-1.elb.amazonaws.com",
		"0qsahvLO0mm4WEFDC1C9x8aHCWP5oEfoF.FFVEZ7XFixFEwPMwbbTT45ASYEz.tunnel.example.org",
		"mzxw6ytboi2dkmrvgq3tmnzwgm4dqmjqgu4dqnjtgq2dsnzv.gu4dqnjt.t.exfil.example",
	}
	l := DefaultLimits()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Analyze(names[i%len(names)], l)
	}
}

func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{"www.google.com.", "a\\xe4b.example", "\\x", "..", "1.2.3.4", "_tcp.local", "x.duckdns.org",
		"0qsahvLO0mm4WEFDC1C9x8aHCWP5oEfoF.FFVEZ7XFixFEwPMwbbTT45ASYEz.tunnel.example.org", "*\\x00\\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, private := range []bool{true, false} {
			l := DefaultLimits()
			l.PrivateSuffixes = private
			n := Analyze(s, l)
			if n.Payload > n.Length || n.Longest > n.Length || n.Entropy < 0 {
				t.Fatalf("Analyze(%q) = %+v", s, n)
			}
			if n.Encoded && n.Payload < l.MinPayload {
				t.Fatalf("Analyze(%q): encoded with a payload of %d", s, n.Payload)
			}
			// the registered domain ends the name, or (a last label that is no TLD) starts it
			if d, c := n.Domain, Canonical(s); d != "" && !strings.HasSuffix(c, d) && !strings.HasPrefix(c, d+".") {
				t.Fatalf("Analyze(%q): domain %q neither ends nor starts the name", s, d)
			}
		}
	})
}

func TestCache(t *testing.T) {
	c := NewCache[string]()
	calls := 0
	f := func(s string) string { calls++; return Registered(Canonical(s), true) }
	for range 3 {
		if got := c.Get("WWW.Example.COM", f); got != "example.com" {
			t.Fatalf("got %q", got)
		}
	}
	if calls != 1 {
		t.Errorf("computed %d times", calls)
	}
	for i := range cacheShards*cacheShardCap + 10 { // past the cap: shards start over, values stay right
		name := "h" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + ".example.org"
		if got := c.Get(name, f); got != "example.org" {
			t.Fatalf("%s: %q", name, got)
		}
	}
}
