package tlshello

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// ---- a small builder of hello bytes ----

type ext struct {
	typ  uint16
	data []byte
}

type hello struct {
	recVersion uint16 // default 0x0301
	version    uint16 // default 0x0303
	sessionID  int
	ciphers    []uint16
	comp       []byte // default {0}
	noExts     bool   // end the hello before the extensions block
	exts       []ext
}

func be16(v int) []byte { return []byte{byte(v >> 8), byte(v)} }

func u16bytes(vs ...uint16) []byte {
	var b []byte
	for _, v := range vs {
		b = append(b, byte(v>>8), byte(v))
	}
	return b
}

// vec16 prefixes b with its 2-byte length.
func vec16(b []byte) []byte { return append(be16(len(b)), b...) }

func sniExt(name string) ext {
	return ext{ExtServerName, vec16(append([]byte{0}, vec16([]byte(name))...))}
}

func alpnExt(protos ...string) ext {
	var l []byte
	for _, p := range protos {
		l = append(append(l, byte(len(p))), p...)
	}
	return ext{ExtALPN, vec16(l)}
}

func listExt(typ uint16, vs ...uint16) ext { return ext{typ, vec16(u16bytes(vs...))} }

func versionsExt(vs ...uint16) ext {
	b := u16bytes(vs...)
	return ext{ExtSupportedVersions, append([]byte{byte(len(b))}, b...)}
}

func formatsExt(fs ...byte) ext { return ext{ExtECPointFormats, append([]byte{byte(len(fs))}, fs...)} }

func emptyExt(typ uint16) ext { return ext{typ, nil} }

// body is the ClientHello message (handshake header included).
func (h hello) body() []byte {
	v := h.version
	if v == 0 {
		v = 0x0303
	}
	b := be16(int(v))
	b = append(b, bytes.Repeat([]byte{0x11}, 32)...)
	b = append(b, byte(h.sessionID))
	b = append(b, bytes.Repeat([]byte{0x22}, h.sessionID)...)
	b = append(b, vec16(u16bytes(h.ciphers...))...)
	comp := h.comp
	if comp == nil {
		comp = []byte{0}
	}
	b = append(append(b, byte(len(comp))), comp...)
	if !h.noExts {
		var e []byte
		for _, x := range h.exts {
			e = append(append(e, be16(int(x.typ))...), vec16(x.data)...)
		}
		b = append(b, vec16(e)...)
	}
	return append([]byte{typeClientHello, byte(len(b) >> 16), byte(len(b) >> 8), byte(len(b))}, b...)
}

// records wraps a handshake message in handshake records of at most size bytes each.
func records(msg []byte, recVersion uint16, size int) []byte {
	if recVersion == 0 {
		recVersion = 0x0301
	}
	var out []byte
	for len(msg) > 0 {
		n := min(size, len(msg))
		out = append(out, recordHandshake, byte(recVersion>>8), byte(recVersion))
		out = append(out, be16(n)...)
		out = append(out, msg[:n]...)
		msg = msg[n:]
	}
	return out
}

func (h hello) bytes() []byte { return records(h.body(), h.recVersion, 1<<14) }

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ---- the published examples ----

// specHello is the ClientHello of the worked example in FoxIO's JA4.md (Chrome): its cipher
// list, extension list and signature algorithms in their original order, with GREASE added at
// the places Chrome puts it.
func specHello() hello {
	sigs := []uint16{0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601}
	return hello{
		sessionID: 32,
		ciphers: []uint16{0x3a3a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8,
			0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035},
		exts: []ext{
			emptyExt(0xdada),
			{0x001b, []byte{2, 0, 2}},
			sniExt("www.example.com"),
			{0x0033, vec16(append(u16bytes(0x1a1a, 1), append([]byte{0}, append(u16bytes(0x001d, 32), make([]byte, 32)...)...)...))},
			alpnExt("h2", "http/1.1"),
			{0x4469, vec16(append([]byte{2}, "h2"...))},
			emptyExt(0x0017),
			{0x002d, []byte{1, 1}},
			listExt(ExtSignatureAlgorithms, sigs...),
			{0x0005, []byte{1, 0, 0, 0, 0}},
			emptyExt(0x0023),
			emptyExt(0x0012),
			versionsExt(0x6a6a, 0x0304, 0x0303),
			{0xff01, []byte{0}},
			formatsExt(0),
			listExt(ExtSupportedGroups, 0x1a1a, 0x001d, 0x0017, 0x0018),
			{0x0015, make([]byte, 20)},
			emptyExt(0x2a2a),
		},
	}
}

func TestJA4SpecExample(t *testing.T) {
	b := specHello().bytes()
	h, err := ParseClientHello(b)
	if err != nil {
		t.Fatal(err)
	}
	// All three strings are printed in technical_details/JA4.md.
	if got, want := h.JA4(), "t13d1516h2_8daaf6152771_e5627efa2ab1"; got != want {
		t.Errorf("JA4 = %s, want %s", got, want)
	}
	if got, want := h.JA4R(), "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601"; got != want {
		t.Errorf("JA4R =\n %s, want\n %s", got, want)
	}
	if got, want := h.JA4RO(), "t13d1516h2_1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035_001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015_0403,0804,0401,0503,0805,0501,0806,0601"; got != want {
		t.Errorf("JA4RO =\n %s, want\n %s", got, want)
	}
	if h.ServerName != "www.example.com" || !slices.Equal(h.ALPN, []string{"h2", "http/1.1"}) {
		t.Errorf("SNI %q ALPN %q", h.ServerName, h.ALPN)
	}
	if !slices.Equal(h.SupportedVersions, []uint16{0x6a6a, 0x0304, 0x0303}) || h.JA4Version() != 0x0304 {
		t.Errorf("versions %x -> %x", h.SupportedVersions, h.JA4Version())
	}
	if !slices.Equal(h.KeyShareGroups, []uint16{0x1a1a, 0x001d}) {
		t.Errorf("key shares %x", h.KeyShareGroups)
	}
}

// The hashes JA4.md prints for its example lists.
func TestJA4SpecHashes(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9", "8daaf6152771"},
		{"0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601", "e5627efa2ab1"},
		{"0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01", "6d807ffa2a79"},
		{"", "000000000000"},
	} {
		if got := string(appendHash12(nil, []byte(c.in))); got != c.want {
			t.Errorf("hash12(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

// JA4.md's ALPN examples, plus the plain cases.
func TestJA4ALPN(t *testing.T) {
	for _, c := range []struct{ alpn, want string }{
		{"h2", "h2"},
		{"http/1.1", "h1"},
		{"spdy/3", "s3"},
		{"a", "aa"},
		{"", "00"},
		{"\xab", "ab"},
		{"\x20", "20"},
		{"\xab\xcd", "ad"},
		{"\x20\x61", "21"},
		{"\x30\xab", "3b"},
		{"\x61\x20", "60"},
		{"\x30\x31\xab\xcd", "3d"},
		{"\x30\xab\xcd\x31", "01"},
	} {
		f, l := alpnChars(c.alpn)
		if got := string([]byte{f, l}); got != c.want {
			t.Errorf("alpn %q: %s, want %s", c.alpn, got, c.want)
		}
	}
	// Through the whole path: an ALPN extension with no protocols, and none at all.
	for _, c := range []struct {
		exts []ext
		want string
	}{
		{[]ext{alpnExt()}, "t12i000100"},
		{[]ext{alpnExt("", "h2")}, "t12i000100"},
		{nil, "t12i000000"},
		{[]ext{alpnExt("h3", "h2")}, "t12i000100"[:8] + "h3"},
	} {
		h, err := ParseClientHello(hello{exts: c.exts}.bytes())
		if err != nil {
			t.Fatal(err)
		}
		if got := h.JA4()[:10]; got != c.want {
			t.Errorf("%v: JA4 a = %s, want %s", c.exts, got, c.want)
		}
	}
}

// JA3's README examples: the raw strings and their MD5s.
func TestJA3Readme(t *testing.T) {
	h1 := hello{
		version: 769,
		ciphers: []uint16{47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4},
		exts: []ext{
			sniExt("example.org"),
			listExt(ExtSupportedGroups, 23, 24, 25),
			formatsExt(0),
		},
	}
	h2 := hello{version: 769, ciphers: []uint16{4, 5, 10, 9, 100, 98, 3, 6, 19, 18, 99}, noExts: true}
	// GREASE anywhere changes nothing.
	h3 := h1
	h3.ciphers = append([]uint16{0x0a0a}, h1.ciphers...)
	h3.exts = []ext{emptyExt(0xfafa), sniExt("example.org"), listExt(ExtSupportedGroups, 0x4a4a, 23, 24, 25), formatsExt(0)}
	for i, c := range []struct {
		h        hello
		raw, md5 string
	}{
		{h1, "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0", "ada70206e40642a3e4461f35503241d5"},
		{h2, "769,4-5-10-9-100-98-3-6-19-18-99,,,", "de350869b8c85de67a350c8d186f11e6"},
		{h3, "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0", "ada70206e40642a3e4461f35503241d5"},
	} {
		h, err := ParseClientHello(c.h.bytes())
		if err != nil {
			t.Fatal(err)
		}
		raw, sum := h.JA3()
		if raw != c.raw || sum != c.md5 {
			t.Errorf("%d: JA3 = %s %s, want %s %s", i, raw, sum, c.raw, c.md5)
		}
	}
}

func TestJA4Fields(t *testing.T) {
	many := func(n int, from uint16) []uint16 {
		var vs []uint16
		for i := range n {
			v := from + uint16(i)
			if IsGREASE(v) {
				v += 0x100
			}
			vs = append(vs, v)
		}
		return vs
	}
	var manyExts []ext
	for _, v := range many(105, 0x1000) {
		manyExts = append(manyExts, emptyExt(v))
	}
	for _, c := range []struct {
		name string
		h    hello
		want string // JA4, or its first part when 10 characters long
	}{
		{"legacy version only", hello{version: 0x0301, ciphers: []uint16{0x002f}, exts: []ext{sniExt("a.b")}}, "t10d010100"},
		{"SSL 3.0", hello{version: 0x0300, ciphers: []uint16{0x0005}, noExts: true}, "t" + "s3i010000"},
		{"SSL 2.0 version", hello{version: 0x0002, noExts: true}, "t" + "s2i000000"},
		{"unknown version", hello{version: 0x7f17, noExts: true}, "t" + "00i000000"},
		{"supported_versions beats legacy", hello{version: 0x0303, exts: []ext{versionsExt(0x0303, 0x0304)}}, "t13i000100"},
		{"GREASE-only supported_versions falls back", hello{version: 0x0302, exts: []ext{versionsExt(0x0a0a)}}, "t11i000100"},
		{"record version ignored", hello{recVersion: 0x0300, version: 0x0303, noExts: true}, "t12i000000"},
		{"counts capped at 99", hello{ciphers: many(120, 0x0100), exts: manyExts}, "t12i999900"},
		{"GREASE not counted", hello{ciphers: []uint16{0x0a0a, 0x1301, 0xfafa}, exts: []ext{emptyExt(0x1a1a), emptyExt(0x0017)}}, "t12i010100"},
		{"SCSV counted", hello{ciphers: []uint16{0x00ff, 0x5600, 0xc02f}, noExts: true}, "t12i030000"},
		{"no ciphers, no extensions", hello{noExts: true}, "t12i000000_000000000000_000000000000"},
		// Only SNI and ALPN: nothing left to hash in part c, and JA4_r ends in "_".
		{"SNI and ALPN only", hello{version: 0x0301, ciphers: []uint16{0x0035}, exts: []ext{sniExt("x.y"), alpnExt("h2")}}, "t10d0102h2_" + hash12("0035") + "_000000000000"},
		// Signature algorithms without other extensions than 13: hashed with the "_".
		{"sigalgs", hello{ciphers: []uint16{0x1301}, exts: []ext{listExt(ExtSignatureAlgorithms, 0x0403, 0x0a0a, 0x0804)}},
			"t12i0101" + "00_" + hash12("1301") + "_" + hash12("000d_0403,0804")},
		// An empty signature_algorithms list: no "_".
		{"empty sigalgs", hello{ciphers: []uint16{0x1301}, exts: []ext{listExt(ExtSignatureAlgorithms)}},
			"t12i010100_" + hash12("1301") + "_" + hash12("000d")},
	} {
		h, err := ParseClientHello(c.h.bytes())
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		got := h.JA4()
		if len(c.want) == 10 {
			got = got[:10]
		}
		if got != c.want {
			t.Errorf("%s: JA4 = %s, want %s", c.name, got, c.want)
		}
	}
	h, _ := ParseClientHello(hello{version: 0x0301, ciphers: []uint16{0x0035}, exts: []ext{sniExt("x.y"), alpnExt("h2")}}.bytes())
	if got, want := h.JA4R(), "t10d0102h2_0035_"; got != want {
		t.Errorf("JA4R = %s, want %s", got, want)
	}
	if got, want := h.JA4RO(), "t10d0102h2_0035_0000,0010"; got != want {
		t.Errorf("JA4RO = %s, want %s", got, want)
	}
}

func hash12(s string) string { return string(appendHash12(nil, []byte(s))) }

// ---- the hellos of real captures ----

func TestClientSamples(t *testing.T) {
	for _, s := range clientSamples {
		t.Run(s.src, func(t *testing.T) {
			b := mustHex(t, s.hex)
			h, err := ParseClientHello(b)
			if err != nil {
				t.Fatal(err)
			}
			if h.ServerName != s.sni {
				t.Errorf("SNI %q, want %q", h.ServerName, s.sni)
			}
			if !slices.Equal(h.ALPN, s.alpn) {
				t.Errorf("ALPN %q, want %q", h.ALPN, s.alpn)
			}
			raw, sum := h.JA3()
			if raw != s.ja3 || sum != s.ja3md5 {
				t.Errorf("JA3 =\n %s %s, want\n %s %s", raw, sum, s.ja3, s.ja3md5)
			}
			if got := h.JA4(); got != s.ja4 {
				t.Errorf("JA4 = %s, want %s", got, s.ja4)
			}
			if got := h.JA4R(); s.ja4r != "" && got != s.ja4r {
				t.Errorf("JA4R =\n %s, want\n %s", got, s.ja4r)
			}
			if got := h.JA4RO(); s.ja4ro != "" && got != s.ja4ro {
				t.Errorf("JA4RO =\n %s, want\n %s", got, s.ja4ro)
			}
			// Every shorter prefix asks for more bytes.
			for n := range len(b) {
				if _, err := ParseClientHello(b[:n]); err != ErrShort {
					t.Fatalf("prefix of %d/%d bytes: %v, want ErrShort", n, len(b), err)
				}
			}
			// The same message cut into small records parses the same.
			body := mustHex(t, s.hex)[5:]
			for _, size := range []int{1, 7, 100} {
				h2, err := ParseClientHello(records(body, h.RecordVersion, size))
				if err != nil {
					t.Fatalf("records of %d: %v", size, err)
				}
				if h2.JA4R() != h.JA4R() || h2.ServerName != h.ServerName || h2.RecordVersion != h.RecordVersion {
					t.Fatalf("records of %d: %s / %s", size, h2.JA4R(), h.JA4R())
				}
			}
		})
	}
}

func TestServerSamples(t *testing.T) {
	for _, s := range serverSamples {
		t.Run(s.src, func(t *testing.T) {
			b := mustHex(t, s.hex)
			h, err := ParseServerHello(b)
			if err != nil {
				t.Fatal(err)
			}
			raw, sum := h.JA3S()
			if raw != s.ja3s || sum != s.ja3smd5 {
				t.Errorf("JA3S = %s %s, want %s %s", raw, sum, s.ja3s, s.ja3smd5)
			}
			if got := VersionName(h.NegotiatedVersion()); got != s.version {
				t.Errorf("version %s, want %s", got, s.version)
			}
			if got := CipherName(h.CipherSuite); got != s.cipher {
				t.Errorf("cipher %s, want %s", got, s.cipher)
			}
			if h.ALPN != s.alpn {
				t.Errorf("ALPN %q, want %q", h.ALPN, s.alpn)
			}
			if h.NegotiatedVersion() == 0x0304 && CurveName(h.Curve) != "x25519" {
				t.Errorf("TLS 1.3 curve %s (key_share %d)", CurveName(h.Curve), h.KeyShareGroup)
			}
			for n := range len(b) {
				if _, err := ParseServerHello(b[:n]); err != ErrShort {
					t.Fatalf("prefix of %d/%d bytes: %v, want ErrShort", n, len(b), err)
				}
			}
		})
	}
}

// ---- the record layer and errors ----

func TestRecordsAndErrors(t *testing.T) {
	good := specHello().bytes()
	msg := specHello().body()
	// The hello complete inside a record that the bytes cut short: parsed (the rest of the
	// record would be the next handshake message).
	longRec := append([]byte{22, 3, 1}, be16(len(msg)+500)...)
	longRec = append(longRec, msg...)
	if _, err := ParseClientHello(longRec); err != nil {
		t.Errorf("hello in a cut record: %v", err)
	}
	sslv2 := mustHex(t, "802e0103010015000000100100800300800700c0060040020080040080000039000038000035e8ac9b8d4f1c34c1d45f07b3b70e1a36")
	for _, c := range []struct {
		name string
		in   []byte
		want error  // errors.Is target, or ErrShort by ==
		msg  string // substring of the message
	}{
		{"empty", nil, ErrShort, ""},
		{"record header only", good[:5], ErrShort, ""},
		{"HTTP", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), ErrNotTLS, "content type 71"},
		{"SSH", []byte("SSH-2.0-OpenSSH_9.6\r\n"), ErrNotTLS, "content type 83"},
		{"alert record", []byte{21, 3, 3, 0, 2, 2, 40}, ErrNotTLS, "content type 21"},
		{"SSLv2 hello", sslv2, ErrSSLv2, "SSLv2"},
		{"SSLv2 hello is not TLS", sslv2, ErrNotTLS, ""},
		{"record version 2.x", []byte{22, 2, 0, 0, 4, 1, 0, 0, 0}, ErrNotTLS, "record version"},
		{"huge record", []byte{22, 3, 1, 0xff, 0xff}, ErrMalformed, "record at byte 0 claims 65535"},
		{"huge hello", []byte{22, 3, 1, 0, 4, 1, 0xff, 0xff, 0xff}, ErrMalformed, "claims 16777215"},
		{"server hello to the client parser", records(serverHello(0x0303, 0xc02f, nil), 0x0303, 100), ErrMalformed, "ServerHello (type 2), want ClientHello"},
		{"application data after a short record", append(records(msg[:50], 0x0301, 50), 23, 3, 3, 0, 1, 0), ErrMalformed, "content type 23 before the hello ended"},
		{"odd cipher list", records(withBody(msg, func(b []byte) { b[4+2+32+1+32+1] = 3 }), 0x0301, 1<<14), ErrMalformed, ""},
		{"session id too long", records(hello{sessionID: 40, noExts: true}.body(), 0, 1<<14), ErrMalformed, "legacy_session_id of 40"},
		{"extensions overrun", records(truncateExts(hello{exts: []ext{sniExt("abc")}}.body(), 3), 0, 1<<14), ErrMalformed, "truncated"},
		{"bad SNI list", records(hello{exts: []ext{{ExtServerName, []byte{0, 9, 0, 0, 1, 'a'}}}}.body(), 0, 1<<14), ErrMalformed, "server_name"},
		{"bad ALPN", records(hello{exts: []ext{{ExtALPN, []byte{0, 3, 5, 'h', '2'}}}}.body(), 0, 1<<14), ErrMalformed, "ALPN"},
		{"odd groups", records(hello{exts: []ext{{ExtSupportedGroups, []byte{0, 3, 0, 23, 0}}}}.body(), 0, 1<<14), ErrMalformed, "supported_groups of odd length"},
		{"odd versions", records(hello{exts: []ext{{ExtSupportedVersions, []byte{3, 3, 4, 3}}}}.body(), 0, 1<<14), ErrMalformed, "supported_versions of odd length"},
		{"bad key share", records(hello{exts: []ext{{ExtKeyShare, []byte{0, 6, 0, 29, 0, 32, 1, 2}}}}.body(), 0, 1<<14), ErrMalformed, "key_exchange"},
	} {
		_, err := ParseClientHello(c.in)
		switch {
		case c.want == ErrShort && err != ErrShort:
			t.Errorf("%s: %v, want ErrShort", c.name, err)
		case c.want != ErrShort && !errors.Is(err, c.want):
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		case err != nil && !strings.Contains(err.Error(), c.msg):
			t.Errorf("%s: %q does not say %q", c.name, err, c.msg)
		}
	}
}

func withBody(msg []byte, f func([]byte)) []byte {
	b := slices.Clone(msg)
	f(b)
	return b
}

// truncateExts shortens the last extension's data by n bytes without fixing the lengths.
func truncateExts(msg []byte, n int) []byte {
	b := slices.Clone(msg[:len(msg)-n])
	l := len(b) - 4
	b[1], b[2], b[3] = byte(l>>16), byte(l>>8), byte(l)
	return b
}

func TestClientHelloFields(t *testing.T) {
	h, err := ParseClientHello(hello{
		recVersion: 0x0300, version: 0x0301, sessionID: 32,
		ciphers: []uint16{0x0005, 0x00ff},
		comp:    []byte{1, 0},
		exts: []ext{
			{ExtServerName, vec16(append(append([]byte{7}, vec16([]byte("other"))...), append([]byte{0}, vec16([]byte("host.example"))...)...))},
			formatsExt(0, 1, 2),
			emptyExt(0x0023),
		},
	}.bytes())
	if err != nil {
		t.Fatal(err)
	}
	want := &ClientHello{
		RecordVersion: 0x0300, Version: 0x0301, SessionIDLen: 32,
		CipherSuites: []uint16{5, 255}, CompressionMethods: []uint8{1, 0},
		Extensions: []uint16{0, 11, 35}, HasExtensions: true,
		ServerName: "host.example", ECPointFormats: []uint8{0, 1, 2},
	}
	got := *h
	got.u16, got.u8 = nil, nil
	if fmt.Sprint(got) != fmt.Sprint(*want) {
		t.Errorf("got  %+v\nwant %+v", got, *want)
	}
	// Reuse: a second Parse leaves nothing of the first.
	if err := h.Parse(hello{noExts: true, ciphers: []uint16{0x1301}}.bytes()); err != nil {
		t.Fatal(err)
	}
	if h.ServerName != "" || h.HasExtensions || len(h.Extensions) != 0 || len(h.ECPointFormats) != 0 || !slices.Equal(h.CipherSuites, []uint16{0x1301}) {
		t.Errorf("after reuse: %+v", h)
	}
	// A repeated extension (forbidden, but seen from broken clients) adds to its list without
	// touching the lists carved after it.
	h, err = ParseClientHello(hello{exts: []ext{
		listExt(ExtSupportedGroups, 23), listExt(ExtSignatureAlgorithms, 0x0403, 0x0804),
		formatsExt(0), listExt(ExtSupportedGroups, 24, 25), formatsExt(1),
	}}.bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h.SupportedGroups, []uint16{23, 24, 25}) || !slices.Equal(h.SignatureAlgorithms, []uint16{0x0403, 0x0804}) ||
		!slices.Equal(h.ECPointFormats, []uint8{0, 1}) {
		t.Errorf("repeated extensions: %+v", h)
	}
	// An empty server_name extension still marks a domain.
	h, err = ParseClientHello(hello{exts: []ext{emptyExt(ExtServerName)}}.bytes())
	if err != nil || h.JA4()[3] != 'd' || h.ServerName != "" {
		t.Errorf("empty SNI: %v %+v", err, h)
	}
}

// ---- ServerHello ----

// serverHello builds a ServerHello message (handshake header included).
func serverHello(version, cipher uint16, exts []ext, random ...byte) []byte {
	if random == nil {
		random = bytes.Repeat([]byte{0x33}, 32)
	}
	b := append(be16(int(version)), random...)
	b = append(b, 0)
	b = append(b, be16(int(cipher))...)
	b = append(b, 0)
	if exts != nil {
		var e []byte
		for _, x := range exts {
			e = append(append(e, be16(int(x.typ))...), vec16(x.data)...)
		}
		b = append(b, vec16(e)...)
	}
	return append([]byte{typeServerHello, byte(len(b) >> 16), byte(len(b) >> 8), byte(len(b))}, b...)
}

func handshake(typ byte, body []byte) []byte {
	return append([]byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
}

func TestServerHello(t *testing.T) {
	tls13 := serverHello(0x0303, 0x1302, []ext{
		{ExtKeyShare, append(u16bytes(0x001d, 32), make([]byte, 32)...)},
		{ExtSupportedVersions, u16bytes(0x0304)},
	})
	h, err := ParseServerHello(records(tls13, 0x0303, 1<<14))
	if err != nil {
		t.Fatal(err)
	}
	if h.NegotiatedVersion() != 0x0304 || h.Curve != 0x001d || h.KeyShareGroup != 0x001d || h.HelloRetry {
		t.Errorf("TLS 1.3: %+v", h)
	}
	if raw, _ := h.JA3S(); raw != "771,4866,51-43" {
		t.Errorf("JA3S %s", raw)
	}

	hrrRandom := helloRetryRandom[:]
	hrr := serverHello(0x0303, 0x1301, []ext{{ExtKeyShare, u16bytes(0x0017)}, {ExtSupportedVersions, u16bytes(0x0304)}}, hrrRandom...)
	h, err = ParseServerHello(records(hrr, 0x0303, 1<<14))
	if err != nil || !h.HelloRetry || h.KeyShareGroup != 0x0017 || h.Curve != 0 {
		t.Errorf("HelloRetryRequest: %v %+v", err, h)
	}

	// TLS 1.2 ECDHE: ServerHello, Certificate, ServerKeyExchange (named_curve secp384r1),
	// ServerHelloDone, cut into records of every size so that headers straddle records.
	sh := serverHello(0x0303, 0xc030, []ext{alpnExt("h2"), {0xff01, []byte{0}}})
	cert := handshake(11, make([]byte, 900))
	ske := handshake(12, append([]byte{3, 0, 24, 65}, make([]byte, 65+2+2+256)...))
	flight := slices.Concat(sh, cert, ske, handshake(14, nil))
	for size := 1; size <= 40; size++ {
		h, err := ParseServerHello(records(flight, 0x0303, size))
		if err != nil {
			t.Fatal(err)
		}
		if h.Curve != 24 || h.ALPN != "h2" || CipherName(h.CipherSuite) != "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" {
			t.Fatalf("records of %d: %+v", size, h)
		}
	}
	// Without the key exchange bytes, or with a DHE suite, or an explicit curve: no curve.
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"cut before SKE", records(slices.Concat(sh, cert), 0x0303, 1<<14)},
		{"SKE cut short", records(slices.Concat(sh, cert, ske[:5]), 0x0303, 1<<14)},
		{"DHE suite", records(slices.Concat(serverHello(0x0303, 0x009f, nil), cert, ske), 0x0303, 1<<14)},
		{"explicit curve", records(slices.Concat(sh, cert, handshake(12, []byte{1, 0, 24, 1})), 0x0303, 1<<14)},
		{"no SKE", records(slices.Concat(sh, cert, handshake(14, nil), ske), 0x0303, 1<<14)},
		{"CCS", append(records(sh, 0x0303, 1<<14), 20, 3, 3, 0, 1, 1)},
	} {
		h, err := ParseServerHello(c.b)
		if err != nil || h.Curve != 0 {
			t.Errorf("%s: %v curve %d", c.name, err, h.Curve)
		}
	}

	// TLS 1.0 without extensions.
	h, err = ParseServerHello(records(serverHello(0x0301, 0x0005, nil), 0x0301, 1<<14))
	if err != nil || h.Extensions != nil || VersionName(h.NegotiatedVersion()) != "TLSv10" {
		t.Errorf("TLS 1.0: %v %+v", err, h)
	}
	if raw, sum := h.JA3S(); raw != "769,5," || sum != md5hex("769,5,") {
		t.Errorf("JA3S %s %s", raw, sum)
	}

	for _, c := range []struct {
		name string
		in   []byte
		want error
	}{
		{"client hello", specHello().bytes(), ErrMalformed},
		{"truncated body", records(handshake(typeServerHello, []byte{3, 3, 1}), 0x0303, 1<<14), ErrMalformed},
		{"bad ALPN", records(serverHello(0x0303, 0xc02f, []ext{{ExtALPN, []byte{0, 4, 9, 'h'}}}), 0x0303, 1<<14), ErrMalformed},
		{"bad extensions", records(handshake(typeServerHello, append(serverHello(0x0303, 0xc02f, nil)[4:], 0, 9)), 0x0303, 1<<14), ErrMalformed},
		{"not TLS", []byte("HTTP/1.1 200 OK\r\n"), ErrNotTLS},
	} {
		if _, err := ParseServerHello(c.in); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
