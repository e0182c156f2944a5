package dnssig

import (
	"bufio"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Positive examples, built from each tool's documented or coded format (see the references of
// the signature). Every default signature must have at least one.
var positives = []struct{ name, sig string }{
	// iodine: version 0x00000502 plus counter, as the client's send_version builds it.
	{"vaaaakau3su.t.example.com", "iodine-version"},
	{"vaaaaiaqxyz.t.example.com", "iodine-version"}, // protocol 0x00000402
	// iodine upstream codec checks: 'z', counter, test string; Zeek escapes the high bytes.
	{`zhmyaA-Aaahhh-Drink-mal-ein-J\xe4germeister-.t.example.com`, "iodine-case-check"},
	{`zhmzaA-La-fl\xfbte-na\xefve-fran\xe7aise-est-retir\xe9-\xe0-Cr\xe8te.t.example.com`, "iodine-case-check"},
	{"zab0aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvVwWxXyYzZ+0129-.t.example.com", "iodine-case-check"},
	{`zab1aA0123456789\xbc\xbd\xbe\xbf.t.example.com`, "iodine-case-check"},
	{`zab2aA\xd0\xd1\xd2\xd3\xd4\xd5.t.example.com`, "iodine-case-check"},
	{"zab3aA\xd0\xd1\xd2\xd3\xd4.t.example.com", "iodine-case-check"}, // raw bytes, unescaped
	// iodine downstream codec check (codec s, variant 1) and fragment size.
	{"ysbhmu.t.example.com", "iodine-codec-probe"},
	{"naackfhnm.t.example.com", "iodine-codec-probe"},
	{"rbead0angh0angh0angh0angh0angh.0angh0angh0angh0angh0angh0.angh0angh0angh0angh0angh0a.t.example.com", "iodine-fragsize-probe"},
	{"paaamiii.t.example.com", "iodine-ping"},
	{"pabyj1sy.t.example.com", "iodine-ping"},
	// dnscat2: SYN (id, 00, session, isn, options) with the wildcard prefix; idle MSG polls.
	{"dnscat.7b1a00d3a12c4e0021", "dnscat2-prefix"},
	{"dnscat.7b1a01d3a14e9a7c11.0123456789", "dnscat2-prefix"},
	{"3f2a01d3a14e9a7c11.c2.example.com", "dnscat2-poll"},
	{"3f2a01d3a19c0e5b7a2f6100074e9a7c11.c2.example.com", "dnscat2-poll"},
	// dns2tcp session setup.
	{"AAAAAAAAAAB4.=auth.dns.example.com", "dns2tcp-control"},
	{"AQIDBAUGBwg.=resource.dns.example.com", "dns2tcp-control"},
	{"AQIDBAUGBwgJc3No.=connect.dns.example.com", "dns2tcp-control"},
	// Cobalt Strike stager, default subhost and others.
	{"aaa.stage.123456.c2.example.com", "cobalt-strike-stager-subhost"},
	{"caa.stage.123456.c2.example.com", "cobalt-strike-stager-subhost"},
	{"aaa.stage.14919005.c2.example.com", "cobalt-strike-stager-first"},
	{"baa.stage.14919005.c2.example.com", "cobalt-strike-stager"},
	// Cobalt Strike beacon: output length, data, task fetches, the reference-profile values.
	{"post.1a4.3c1d2e4f5a6b.c2.example.com", "cobalt-strike-post-length"},
	{"post.2" + strings.Repeat("0123abcd", 5) + "." + strings.Repeat("4567ef89", 5) + ".1a2b3c4d5e6f7a8b.c2.example.com", "cobalt-strike-put"},
	{"www.1" + strings.Repeat("89abcdef", 7) + ".7f3e2d1c.c2.example.com", "cobalt-strike-put"},
	{"cdn.1f2e3d4c5b6a.c2.example.com", "cobalt-strike-get"},
	{"www6.1f2e3d4c5b6a.c2.example.com", "cobalt-strike-get"},
	{"api.52a1b3c77e0f.c2.example.com", "cobalt-strike-get"},
	{"doc.tx.1a2b3c4d.c2.example.com", "cobalt-strike-doc-profile"},
	{"doc.bc.305419896.c2.example.com", "cobalt-strike-doc-profile"},
	// DNSExfiltrator init: base32("secret.zip|12").
	{"init.ONSWG4TFOQXHU2LQPQYTE.base32.exfil.example.com", "dnsexfiltrator-init"},
	{"init.MF6DC.base64.exfil.example.com", "dnsexfiltrator-init"},
	// DET: job id aB3dE5f, then hex("aB3dE5f|!|0|!|...").
	{"aB3dE5f614233644535667c217c307c217c789c0b2e.exfil.example.com", "det-dns"},
	// dnsteal: gzip+base64 chunks ending in '-', then the file name.
	{"H4sIAAAAAAAAA*tUwQ-.0123456789abQ/-.secret.txt", "dnsteal"},
	// SNIcat server names.
	{"LIST-aB3dE5fG7hJ9kL1m.sni.cat", "snicat-command"},
	{"ALIVE-0123456789ABCDEF.sni.cat", "snicat-command"},
	{"finito-Zz9Yy8Xx7Ww6Vv5U.sni.cat", "snicat-command"},
}

// Everyday names that look close to a signature; none may match.
var negatives = []string{
	"api.github.com",
	"post.example.com",
	"www.google.com",
	"cdn.jsdelivr.net",
	"stage.example.com",
	"aaa.com",
	"f0f5c9f02e11f6d3dfd7f02bc093c7f3.clo.footprintdns.com",
	"nv-p1-elb-district-wrlin-01-2006273565.us-east-1.elb.amazonaws.com",
	"_ldap._tcp.dc._msdcs.corp.example.com",
	"1.0.168.192.in-addr.arpa",
	"2.0.0.127.zen.spamhaus.org",
	"www.stage.example.com",
	"aaa.stage.example.com",
	"api.stage.example.com",
	"cdn.decade.com",
	"api.2024.example.com",
	"api.v1.example.com",
	"post.1password.com",
	"www.1e100.net",
	"www6.example.com",
	"dnscat.com",
	"dnscat2.readthedocs.io",
	"dnscat.example.com",
	"pastebin.com",
	"yubico.com",
	"online.gov.vn",
	"init.example.com",
	"init.base32.example.com",
	"docs.google.com",
	"doc.example.com",
	"list-ab3de5fg7hj9kl1m.sni.cat", // SNIcat words are upper case
	"LIST-short.sni.cat",
	"my-host-.example.com", // a label ending in '-', but short
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.example.com",
	"0123456789abcdef0123456789abcdef01.example.com", // 34 hex, no 01 at byte 3
	"zoom.us",
	"vaaaa.example.com",
	"r3---sn-4g5e6nsz.googlevideo.com",
	"xn--bcher-kva.example",
	"",
	".",
}

func TestMatch(t *testing.T) {
	s := Default()
	covered := map[string]bool{}
	for _, tc := range positives {
		got := s.Match(tc.name)
		if got == nil || got.Name != tc.sig {
			t.Errorf("Match(%q) = %v, want %s", tc.name, nameOf(got), tc.sig)
		}
		covered[tc.sig] = true
	}
	for _, sig := range s.All() {
		if !covered[sig.Name] {
			t.Errorf("signature %s has no positive example in this test", sig.Name)
		}
	}
	for _, name := range negatives {
		if got := s.Match(name); got != nil {
			t.Errorf("Match(%q) = %s, want nil", name, got.Name)
		}
	}
}

func nameOf(s *Signature) string {
	if s == nil {
		return "nil"
	}
	return s.Name
}

func TestNormalisation(t *testing.T) {
	s := Default()
	for _, tc := range []struct{ name, sig string }{
		{"vaaaakau3su.t.example.com.", "iodine-version"}, // trailing dot
		{"VAAAAKAU3SU.T.Example.COM.", "iodine-version"}, // case folded
		{"DnScAt.7B1A00D3A12C4E0021.", "dnscat2-prefix"}, // 0x20-style mixed case
		{"aAA.sTaGe.123456.C2.example.com", "cobalt-strike-stager-subhost"},
		{`ZHMYAA-AAAHHH-DRINK-MAL-EIN-J\XE4GERMEISTER-.T.EXAMPLE.COM`, "iodine-case-check"},
		{"LIST-aB3dE5fG7hJ9kL1m.sni.cat.", "snicat-command"}, // case-sensitive: trailing dot only
		{"list-aB3dE5fG7hJ9kL1m.sni.cat", ""},                // ... and case kept
		{"LIST-AB3DE5FG7HJ9KL1M.SNI.CAT", "snicat-command"},
	} {
		got := s.Match(tc.name)
		if nameOf(got) != tc.sig && !(got == nil && tc.sig == "") {
			t.Errorf("Match(%q) = %s, want %q", tc.name, nameOf(got), tc.sig)
		}
	}
}

// A name several signatures match gets the highest risk; equal risks go to the earlier entry.
func TestHighestRisk(t *testing.T) {
	s := Default()
	name := "aaa.stage.123456.c2.example.com" // stager-subhost 80, stager-first 75, stager 70
	if got := s.Match(name); got == nil || got.Name != "cobalt-strike-stager-subhost" {
		t.Errorf("Match(%q) = %s, want the 80-risk cobalt-strike-stager-subhost", name, nameOf(got))
	}
	sigs, err := Parse([]byte(`
- {name: low, tool: t, pattern: '^abc', risk: 10, min_names: 1}
- {name: first, tool: t, pattern: '^ab', risk: 50, min_names: 1}
- {name: second, tool: t, pattern: '^a', risk: 50, min_names: 1}
`))
	if err != nil {
		t.Fatal(err)
	}
	set, err := New(sigs)
	if err != nil {
		t.Fatal(err)
	}
	if got := set.Match("abc.example"); nameOf(got) != "first" {
		t.Errorf("Match = %s, want first", nameOf(got))
	}
	if got := set.All(); len(got) != 3 || got[0].Name != "low" || got[2].Name != "second" {
		t.Errorf("All() not in definition order: %v", got)
	}
}

func TestDefaultFile(t *testing.T) {
	sigs := DefaultSignatures()
	if len(sigs) < 15 {
		t.Fatalf("only %d default signatures", len(sigs))
	}
	for _, sig := range sigs {
		if sig.Pattern == "" || sig.Tool == "" || sig.About == "" || len(sig.References) == 0 {
			t.Errorf("%s: pattern, tool, about and references are all required in the default file", sig.Name)
		}
		for _, ref := range sig.References {
			if !strings.HasPrefix(ref, "https://") {
				t.Errorf("%s: reference %q is not a URL", sig.Name, ref)
			}
		}
		if sig.Risk > 85 || sig.Risk < 40 {
			t.Errorf("%s: risk %d outside the 40..85 the file uses", sig.Name, sig.Risk)
		}
	}
	// The set round-trips through All, as the dns-tunnel detection uses it.
	s := Default()
	again, err := New(s.All())
	if err != nil {
		t.Fatal(err)
	}
	if len(again.All()) != len(sigs) {
		t.Errorf("New(Default().All()) has %d signatures, want %d", len(again.All()), len(sigs))
	}
}

func TestBrokenEmbeddedFilePanics(t *testing.T) {
	for _, b := range []string{"- name: x\n  pattern: '('\n  risk: 1\n  min_names: 1\n", "not: [a list"} {
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("mustSet(%q) did not panic", b)
				} else if !strings.Contains(r.(string), "signatures.yaml") {
					t.Errorf("panic %q does not name the file", r)
				}
			}()
			mustSet([]byte(b))
		}()
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"- name: a\n  pattern: '^a'\n  risk: 5\n  min_names: 1\n  regex: x\n", "regex"},   // unknown field
		{"- name: a\n  pattern: '^a(b'\n  risk: 5\n  min_names: 1\n", "missing closing )"}, // bad regexp
		{"- name: a\n  pattern: '^a'\n  risk: 5\n  min_names: 1\n- name: a\n  pattern: '^b'\n  risk: 5\n  min_names: 1\n", "duplicate name \"a\""},
		{"- name: a\n  pattern: '^a'\n  risk: 101\n  min_names: 1\n", "risk 101 out of range"},
		{"- name: a\n  pattern: '^a'\n  risk: -1\n  min_names: 1\n", "risk -1 out of range"},
		{"- name: a\n  pattern: '^a'\n  risk: 5\n", "min_names 0"},
		{"- pattern: '^a'\n  risk: 5\n  min_names: 1\n", "no name"},
		{"- name: a\n  pattern: '[a-z]+x?'\n  risk: 5\n  min_names: 1\n", "nothing to prefilter on"},
		{"- name: a\n  pattern: ''\n  risk: 5\n", "only a name"},
		{"name: a\n", "cannot unmarshal"},
		{"- name: a\n  pattern: '^ABC'\n  risk: 5\n  min_names: 1\n", "upper case (\"ABC\")"},
		{"- name: a\n  pattern: '^x[A-F0-9]+'\n  risk: 5\n  min_names: 1\n", "upper case ([0-9A-F])"},
	} {
		_, err := Parse([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tc.yaml, err, tc.want)
		}
	}
	// The entry is named in the error.
	_, err := Parse([]byte("- name: ok\n  pattern: '^a'\n  risk: 5\n  min_names: 1\n- name: bad-one\n  pattern: '^('\n  risk: 5\n  min_names: 1\n"))
	if err == nil || !strings.Contains(err.Error(), "entry 2 (bad-one)") {
		t.Errorf("error %v does not name the entry", err)
	}
	// Empty files and disabling entries are fine.
	if sigs, err := Parse(nil); err != nil || len(sigs) != 0 {
		t.Errorf("Parse(empty) = %v, %v", sigs, err)
	}
	if _, err := Parse([]byte("- name: iodine-ping\n  pattern: ''\n")); err != nil {
		t.Errorf("disabling entry refused: %v", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.yaml")
	if _, err := Load(missing); err == nil || !strings.Contains(err.Error(), missing) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want a not-exist error naming the file", err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("- name: a\n  pattern: '^a'\n  risk: 500\n  min_names: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "risk 500") {
		t.Errorf("Load(bad) = %v, want an error naming the file and the problem", err)
	}
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte("- name: ours\n  tool: acme-tunnel\n  pattern: '^acmetun-[0-9a-f]+\\.'\n  risk: 70\n  min_names: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sigs, err := Load(good)
	if err != nil || len(sigs) != 1 || sigs[0].Tool != "acme-tunnel" {
		t.Errorf("Load(good) = %v, %v", sigs, err)
	}
}

func TestNewOverrideAndDisable(t *testing.T) {
	user, err := Parse([]byte(`
- name: cobalt-strike-get          # replaced: stricter and higher
  tool: cobalt-strike
  pattern: '^(?:cdn|www6|api)\.[0-9a-f]{12}\.'
  risk: 90
  min_names: 1
  about: our profile
  references: [https://example.com/profile]
- name: dnscat2-prefix             # switched off
  pattern: ''
- name: no-such-signature          # switching off what is not there is not an error
  pattern: ''
- name: acme-tunnel                # added
  tool: acme
  pattern: '^acmetun-[0-9a-f]+\.'
  risk: 70
  min_names: 1
`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(DefaultSignatures(), user)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Match("cdn.1f2e3d4c5b6a.c2.example.com"); got == nil || got.Risk != 90 || got.About != "our profile" {
		t.Errorf("override not applied: %+v", got)
	}
	if got := s.Match("dnscat.7b1a00d3a12c4e0021"); got != nil {
		t.Errorf("disabled signature still matches: %s", got.Name)
	}
	if got := s.Match("acmetun-0a1b.example.com"); nameOf(got) != "acme-tunnel" {
		t.Errorf("added signature: got %s", nameOf(got))
	}
	all := s.All()
	if len(all) != len(DefaultSignatures()) { // -1 disabled, +1 added
		t.Errorf("All() has %d, want %d", len(all), len(DefaultSignatures()))
	}
	var want []string // default order without the disabled one, then the added one
	for _, sig := range DefaultSignatures() {
		if sig.Name != "dnscat2-prefix" {
			want = append(want, sig.Name)
		}
	}
	want = append(want, "acme-tunnel")
	for i, sig := range all {
		if sig.Name != want[i] {
			t.Errorf("All()[%d] = %s, want %s (overrides keep their place, additions come last)", i, sig.Name, want[i])
		}
	}
	// A later list can bring a disabled name back.
	back, err := New(DefaultSignatures(), user, DefaultSignatures()[:6])
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Match("dnscat.7b1a00d3a12c4e0021"); nameOf(got) != "dnscat2-prefix" {
		t.Errorf("re-enabled signature: got %s", nameOf(got))
	}
	// New validates lists it did not get from Parse.
	if _, err := New([]Signature{{Name: "x", Pattern: "^x", Risk: 5}}); err == nil || !strings.Contains(err.Error(), "min_names") {
		t.Errorf("New accepted min_names 0: %v", err)
	}
	// All returns copies.
	all[0].References[0] = "changed"
	if s.All()[0].References[0] == "changed" {
		t.Error("All() shares its slices with the set")
	}
}

// The prefilters derived from the patterns are what make Match cheap; check what they found.
func TestPrefilters(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		cs      bool
		lit     string
		prefix  int
		minLen  int
	}{
		{`\.=(?:auth|resource|connect)\.`, false, ".=", 0, 7},
		{`^dnscat\.[0-9a-f]{12,63}(?:\.|$)`, false, "dnscat.", 19, 19},
		{`\.stage\.123456\.`, false, ".stage.123456.", 0, 14},
		{`^[a-z0-9]{7}(?:[3-7][0-9a-f]){7}7c217c`, false, "7c217c", 27, 27},
		{`^(?:LIST|LS|EX)-[A-Za-z0-9]{16}\.`, true, "", 2, 20}, // "-": too short to help
		{`^(?:cdn|www6|api)\.x`, false, "", 3, 5},              // ".x": likewise
		{`^(?:cdn|www6|api)\.x`, false, "", 3, 5},
		{`^[0-9a-f]{4}01[0-9a-f]{12}`, false, "", 18, 18},
		{`(?:^|\.)x-`, false, "x-", 0, 2}, // kept: nothing else to filter on
		{`^(?i)dnscat\.`, false, "dnscat.", 7, 7},
		{`^Abc`, true, "Abc", 3, 3},
		{`(?i:Abc)x`, true, "x", 0, 4},
	} {
		c, err := compile(Signature{Name: "t", Pattern: tc.pattern, CaseSensitive: tc.cs, Risk: 1, MinNames: 1})
		if err != nil {
			t.Errorf("%s: %v", tc.pattern, err)
			continue
		}
		if c.lit != tc.lit || len(c.prefix) != tc.prefix || c.minLen != tc.minLen {
			t.Errorf("%s: literal %q, %d prefix positions, min length %d; want %q, %d, %d",
				tc.pattern, c.lit, len(c.prefix), c.minLen, tc.lit, tc.prefix, tc.minLen)
		}
	}
	c, _ := compile(Signature{Name: "t", Pattern: `^(?:LIST|LS|EX)-`, CaseSensitive: true, Risk: 1, MinNames: 1})
	if !c.prefix[0].has('L') || !c.prefix[0].has('E') || c.prefix[0].has('l') || c.prefix[1].has('X') != true || c.prefix[1].has('Q') {
		t.Error("prefix byte sets of an alternation are wrong")
	}
	c, _ = compile(Signature{Name: "t", Pattern: `^dnscat\.`, Risk: 1, MinNames: 1})
	if !c.prefix[0].has('d') || c.prefix[0].has('D') || c.prefix[0].has('e') {
		t.Error("prefix byte set is wrong")
	}
	c, _ = compile(Signature{Name: "t", Pattern: `^(?i)dnscat\.`, CaseSensitive: true, Risk: 1, MinNames: 1})
	if !c.prefix[0].has('d') || !c.prefix[0].has('D') || c.prefix[0].has('e') {
		t.Error("case-folding prefix byte set is wrong")
	}
}

// The prefilters and the first-byte index must never reject a name the pattern matches: Match
// must agree with running every pattern in risk order.
func FuzzPrefilter(f *testing.F) {
	for _, tc := range positives {
		f.Add(tc.name)
	}
	for _, n := range negatives {
		f.Add(n)
	}
	s := Default()
	f.Fuzz(func(t *testing.T, name string) {
		got := s.Match(name)
		name = strings.TrimSuffix(name, ".")
		var want *Signature
		for _, c := range s.match {
			in := name
			if c.fold {
				in = asciiLower(name)
			}
			if !c.re.MatchString(in) {
				continue
			}
			if want == nil {
				want = &c.sig
			}
			if len(in) < c.minLen || !prefixOK(c.prefix, in) || !strings.Contains(in, c.lit) {
				t.Errorf("%s matches %q but its prefilter rejects it", c.sig.Name, name)
			}
		}
		if got != want {
			t.Errorf("Match(%q) = %s, want %s", name, nameOf(got), nameOf(want))
		}
	})
}

// Mutations of the positive examples (case flips, replaced, dropped and doubled bytes) go
// through the same check as FuzzPrefilter, deterministically, on every test run.
func TestPrefilterMutations(t *testing.T) {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFZ.-_=*/+\\\xe4"
	rng := rand.New(rand.NewPCG(1, 2))
	s := Default()
	checked := 0
	for round := 0; round < 300; round++ {
		for _, tc := range positives {
			b := []byte(tc.name)
			for k := rng.IntN(4); k >= 0 && len(b) > 0; k-- {
				i := rng.IntN(len(b))
				switch rng.IntN(4) {
				case 0:
					b[i] ^= 0x20
				case 1:
					b[i] = alphabet[rng.IntN(len(alphabet))]
				case 2:
					b = append(b[:i], b[i+1:]...)
				default:
					b = append(b[:i+1], b[i:]...)
				}
			}
			name := string(b)
			got := s.Match(name)
			in := strings.TrimSuffix(name, ".")
			var want *Signature
			for _, c := range s.match {
				x := in
				if c.fold {
					x = asciiLower(in)
				}
				if c.re.MatchString(x) {
					want = &c.sig
					break
				}
			}
			if got != want {
				t.Fatalf("Match(%q) = %s, but running every pattern gives %s", name, nameOf(got), nameOf(want))
			}
			checked++
		}
	}
	t.Logf("%d mutated names agree", checked)
}

// The sample data: real iodine names (label 1) and plain names (label 0), in the team's shared
// folder beside the repository. It is read in place, never copied into the repository.
func TestDatasets(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "datasets", "dns-tunnel-names")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("sample data not present (%v): the datasets folder sits beside the repository in the team's environment", err)
	}
	s := Default()
	iodine := matchFile(t, s, filepath.Join(dir, "iodine__names.csv"))
	plain := matchFile(t, s, filepath.Join(dir, "plain__names.csv"))
	t.Logf("iodine names: %d, matched %v", iodine.names, iodine.bySig)
	t.Logf("plain names: %d, matched %v", plain.names, plain.bySig)
	for _, sig := range []string{"iodine-version", "iodine-case-check", "iodine-codec-probe", "iodine-fragsize-probe", "iodine-ping"} {
		if iodine.bySig[sig] == 0 {
			t.Errorf("no iodine name matches %s", sig)
		}
	}
	for sig, n := range iodine.bySig {
		if !strings.HasPrefix(sig, "iodine-") {
			t.Errorf("%d iodine names match %s", n, sig)
		}
	}
	if len(plain.bySig) != 0 {
		t.Errorf("plain names match signatures: %v (e.g. %q)", plain.bySig, plain.examples)
	}
}

type fileMatches struct {
	names    int
	bySig    map[string]int
	examples []string
}

func matchFile(t *testing.T, s *Set, path string) fileMatches {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	m := fileMatches{bySig: map[string]int{}}
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for first := true; sc.Scan(); first = false {
		line := strings.TrimRight(sc.Text(), "\r")
		if first && strings.HasPrefix(line, "label,") {
			continue
		}
		_, qname, ok := strings.Cut(line, ",")
		if !ok {
			continue
		}
		m.names++
		if sig := s.Match(qname); sig != nil {
			m.bySig[sig.Name]++
			if len(m.examples) < 5 {
				m.examples = append(m.examples, qname)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if m.names == 0 {
		t.Fatalf("%s: no names", path)
	}
	return m
}

// Everyday names as a sensor sees them: the hot path must stay well under a microsecond each.
var benign = []string{
	"www.google.com", "clients4.google.com", "api.github.com", "cdn.jsdelivr.net",
	"outlook.office365.com", "login.microsoftonline.com", "graph.microsoft.com",
	"f0f5c9f02e11f6d3dfd7f02bc093c7f3.clo.footprintdns.com",
	"nv-p1-elb-district-wrlin-01-2006273565.us-east-1.elb.amazonaws.com",
	"_ldap._tcp.dc._msdcs.corp.example.com", "1.0.168.192.in-addr.arpa",
	"2.0.0.127.zen.spamhaus.org", "time.windows.com", "ocsp.digicert.com",
	"safebrowsing.googleapis.com", "r3---sn-4g5e6nsz.googlevideo.com",
	"d1a2b3c4d5e6f7.cloudfront.net", "static.xx.fbcdn.net", "api.stage.example.com",
	"post.example.com", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.example.com",
	"wpad.corp.example.com", "Teams.Microsoft.com", "WWW.EXAMPLE.ORG.", "docs.python.org",
	"update.googleapis.com", "s3.us-west-2.amazonaws.com", "dnscat2.readthedocs.io",
	"pastebin.com", "init.example.com", "stage.example.com", "aaa.com",
}

func BenchmarkMatch(b *testing.B) {
	s := Default()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if s.Match(benign[i%len(benign)]) != nil {
			b.Fatal("benign name matched")
		}
	}
}
