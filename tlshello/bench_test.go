package tlshello

import (
	"strings"
	"testing"
)

// chromeHello is a Chrome ClientHello (GREASE, 16 extensions, ALPN, padding) from a real
// capture.
func chromeHello(b *testing.B) []byte {
	for _, s := range clientSamples {
		if strings.Contains(s.src, "tls-handshake.pcapng stream 31") {
			return mustHex(b, s.hex)
		}
	}
	b.Fatal("sample missing")
	return nil
}

// Parse plus JA4 of a browser hello, as a capture reader does once per TLS connection.
func BenchmarkClientHelloJA4(b *testing.B) {
	in := chromeHello(b)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		h, err := ParseClientHello(in)
		if err != nil {
			b.Fatal(err)
		}
		if len(h.JA4()) != 36 {
			b.Fatal("bad JA4")
		}
	}
}

// The same into a reused ClientHello: only the strings are allocated.
func BenchmarkClientHelloJA4Reuse(b *testing.B) {
	in := chromeHello(b)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var h ClientHello
	for b.Loop() {
		if err := h.Parse(in); err != nil {
			b.Fatal(err)
		}
		if len(h.JA4()) != 36 {
			b.Fatal("bad JA4")
		}
	}
}

func BenchmarkClientHelloJA3(b *testing.B) {
	in := chromeHello(b)
	var h ClientHello
	if err := h.Parse(in); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		h.JA3()
	}
}

func BenchmarkServerHello(b *testing.B) {
	in := mustHex(b, serverSamples[0].hex)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		h, err := ParseServerHello(in)
		if err != nil {
			b.Fatal(err)
		}
		h.JA3S()
	}
}
