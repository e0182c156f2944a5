package tlshello

import (
	"bufio"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVersionName(t *testing.T) {
	for _, c := range []struct {
		v    uint16
		want string
	}{
		{0x0002, "SSLv2"}, {0x0300, "SSLv3"}, {0x0301, "TLSv10"}, {0x0302, "TLSv11"},
		{0x0303, "TLSv12"}, {0x0304, "TLSv13"}, {0xfeff, "DTLSv10"}, {0xfefd, "DTLSv12"},
		{0xfefc, "DTLSv13"},
		{0x7f17, "TLSv13-draft23"}, {0x7f1c, "TLSv13-draft28"},
		{0x0305, "unknown-773"}, {0x0a0a, "unknown-2570"}, {0, "unknown-0"},
	} {
		if got := VersionName(c.v); got != c.want {
			t.Errorf("VersionName(%#04x) = %s, want %s", c.v, got, c.want)
		}
	}
}

func TestCipherName(t *testing.T) {
	for i := 1; i < len(cipherNames); i++ {
		if cipherNames[i-1].id >= cipherNames[i].id {
			t.Fatalf("cipherNames not sorted at %#04x", cipherNames[i].id)
		}
	}
	for _, c := range []struct {
		v    uint16
		want string
	}{
		{0x0000, "TLS_NULL_WITH_NULL_NULL"},
		{0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
		{0x0018, "TLS_DH_ANON_WITH_RC4_128_MD5"},
		{0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"},
		{0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
		{0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"},
		{0x1301, "TLS_AES_128_GCM_SHA256"},
		{0x1302, "TLS_AES_256_GCM_SHA384"},
		{0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
		{0x5600, "TLS_FALLBACK_SCSV"},
		{0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
		{0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
		{0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
		{0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
		{0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
		{0xc0ad, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM"},
		{0xcc13, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD"},
		{0x0a0a, "unknown-2570"},
		{0xffff, "unknown-65535"},
	} {
		if got := CipherName(c.v); got != c.want {
			t.Errorf("CipherName(%#04x) = %s, want %s", c.v, got, c.want)
		}
	}
}

func TestCurveName(t *testing.T) {
	for _, c := range []struct {
		v    uint16
		want string
	}{
		{1, "sect163k1"}, {23, "secp256r1"}, {24, "secp384r1"}, {25, "secp521r1"}, {29, "x25519"},
		{30, "x448"}, {41, "curveSM2"}, {256, "ffdhe2048"}, {260, "ffdhe8192"},
		{4588, "X25519MLKEM768"}, {25497, "X25519Kyber768Draft00"}, {0, "unknown-0"},
		{42, "unknown-42"}, {0x0a0a, "unknown-2570"},
	} {
		if got := CurveName(c.v); got != c.want {
			t.Errorf("CurveName(%d) = %s, want %s", c.v, got, c.want)
		}
	}
}

const datasets = "../../shared/datasets"

func dataset(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(datasets, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real dataset %s not present (it lives in the shared datasets folder beside the repo): %v", name, err)
	}
	return p
}

// Every version, cipher and curve name Zeek wrote in a real ssl.log (WRCCDC 2018, 49k rows) is
// one these functions give, except the SSLv2 cipher kinds (3-byte values, not TLS suites).
func TestNamesAgainstZeek(t *testing.T) {
	p := filepath.Join(dataset(t, "wrccdc-dns-ssl"), "zeek-default__ssl.log.gz")
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	versions, ciphers, curves := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for v := range 1 << 16 {
		versions[VersionName(uint16(v))] = true
		ciphers[CipherName(uint16(v))] = true
		curves[CurveName(uint16(v))] = true
	}
	col := map[string]int{}
	seen := 0
	sc := bufio.NewScanner(z)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#fields\t") {
			for i, name := range strings.Split(line, "\t")[1:] {
				col[name] = i
			}
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Split(line, "\t")
		for _, c := range []struct {
			name  string
			known map[string]bool
		}{{"version", versions}, {"cipher", ciphers}, {"curve", curves}} {
			i, ok := col[c.name]
			if !ok || i >= len(fs) {
				t.Fatalf("no %s column", c.name)
			}
			v := fs[i]
			if v == "-" || strings.HasPrefix(v, "SSLv20_") {
				continue
			}
			seen++
			if !c.known[v] {
				t.Errorf("Zeek wrote %s %q, which no value maps to", c.name, v)
				c.known[v] = true // report once
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if seen < 10000 {
		t.Errorf("only %d names checked", seen)
	}
}
