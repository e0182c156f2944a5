package tlshello

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func fuzzSeeds(f *testing.F, server bool) {
	if server {
		for _, s := range serverSamples {
			b, _ := hex.DecodeString(s.hex)
			f.Add(b)
		}
		sh := serverHello(0x0303, 0xc030, []ext{alpnExt("h2")})
		f.Add(records(append(sh, append(handshake(11, make([]byte, 20)), handshake(12, []byte{3, 0, 23, 1, 4})...)...), 0x0303, 7))
	} else {
		for _, s := range clientSamples {
			b, _ := hex.DecodeString(s.hex)
			f.Add(b)
		}
		f.Add(records(specHello().body(), 0x0301, 13))
	}
	f.Add([]byte{})
	f.Add([]byte{22, 3, 1, 0, 0})
	f.Add([]byte("GET / HTTP/1.1\r\n"))
	f.Add([]byte{0x80, 0x2e, 1, 3, 1})
}

// check asserts the invariants of any parse result: a known kind of error, and fingerprints
// of the documented shape.
func check(t *testing.T, err error) {
	if err != nil && err != ErrShort && !errors.Is(err, ErrNotTLS) && !errors.Is(err, ErrMalformed) {
		t.Fatalf("error of no known kind: %v", err)
	}
}

func FuzzParseClientHello(f *testing.F) {
	fuzzSeeds(f, false)
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseClientHello(b)
		check(t, err)
		if err != nil {
			return
		}
		ja4 := h.JA4()
		if len(ja4) != 36 || ja4[0] != 't' || ja4[10] != '_' || ja4[23] != '_' {
			t.Fatalf("JA4 %q", ja4)
		}
		if r := h.JA4R(); !strings.HasPrefix(r, ja4[:11]) {
			t.Fatalf("JA4R %q vs %q", r, ja4)
		}
		h.JA4RO()
		raw, sum := h.JA3()
		if strings.Count(raw, ",") != 4 || len(sum) != 32 {
			t.Fatalf("JA3 %q %q", raw, sum)
		}
		// Reparsing into a used ClientHello gives the same.
		var h2 ClientHello
		_ = h2.Parse(specHello().bytes())
		if err := h2.Parse(b); err != nil || h2.JA4R() != h.JA4R() || h2.ServerName != h.ServerName {
			t.Fatalf("reuse: %v %q %q", err, h2.JA4R(), h.JA4R())
		}
	})
}

func FuzzParseServerHello(f *testing.F) {
	fuzzSeeds(f, true)
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseServerHello(b)
		check(t, err)
		if err != nil {
			return
		}
		raw, sum := h.JA3S()
		if strings.Count(raw, ",") != 2 || len(sum) != 32 {
			t.Fatalf("JA3S %q %q", raw, sum)
		}
		VersionName(h.NegotiatedVersion())
		CipherName(h.CipherSuite)
		CurveName(h.Curve)
	})
}
