package filetype

import (
	"archive/tar"
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// sigCase is a content and what Sniff must make of it; need is how many bytes the signature
// needs (0: the whole input), checked by cutting one byte short.
type sigCase struct {
	name    string
	in      []byte
	want    string // "" for no match
	archive bool
	need    int
}

func signatureCases(t testing.TB) []sigCase {
	return []sigCase{
		{"zip", plainZip(t), "zip", true, 4},
		{"zip empty", zipOf(t), "zip", true, 22},
		{"zip spanned", append([]byte("PK\x07\x08"), plainZip(t)...), "zip", true, 8},
		{"zip temporary spanning marker", append([]byte("PK00"), plainZip(t)...), "zip", true, 8},
		{"docx", ooxmlZip(t, "word/"), "docx", false, 0},
		{"xlsx", ooxmlZip(t, "xl/"), "xlsx", false, 0},
		{"pptx", ooxmlZip(t, "ppt/"), "pptx", false, 0},
		{"ooxml other", ooxmlZip(t, "visio/"), "ooxml", false, 0},
		{"docx word first", zipOf(t, entry{name: "word/document.xml", body: "<w:document/>"}), "docx", false, 0},
		{"odt", odfZip(t, "application/vnd.oasis.opendocument.text"), "odt", false, 0},
		{"ods", odfZip(t, "application/vnd.oasis.opendocument.spreadsheet"), "ods", false, 0},
		{"odp", odfZip(t, "application/vnd.oasis.opendocument.presentation"), "odp", false, 0},
		{"odg", odfZip(t, "application/vnd.oasis.opendocument.graphics"), "odg", false, 0},
		{"odf chart", odfZip(t, "application/vnd.oasis.opendocument.chart"), "odf", false, 0},
		{"epub", odfZip(t, "application/epub+zip"), "epub", false, 0},
		{"mimetype other", odfZip(t, "application/x-krita"), "zip", true, 0},
		{"jar", zipOf(t, entry{name: "META-INF/MANIFEST.MF", body: "Manifest-Version: 1.0\n"}), "jar", false, 0},
		{"apk", zipOf(t, entry{name: "AndroidManifest.xml", body: "\x03\x00\x08\x00"}), "apk", false, 0},
		{"7z", sevenZip(), "7z", true, 6},
		{"rar", rar4(), "rar", true, 7},
		{"rar5", rar5(), "rar5", true, 8},
		{"gzip", gzipOf(t, "secret"), "gzip", true, 4},
		{"bzip2", bzip2(), "bzip2", true, 10},
		{"bzip2 empty", bzip2Empty(), "bzip2", true, 10},
		{"xz", xzStream(), "xz", true, 6},
		{"zstd", zstdFrame(), "zstd", true, 5},
		{"tar ustar", tarOf(t, tar.FormatUSTAR), "tar", true, 263},
		{"tar gnu", tarOf(t, tar.FormatGNU), "tar", true, 263},
		{"tar pax", tarOf(t, tar.FormatPAX), "tar", true, 263},
		{"tar v7", v7Tar(t), "tar", true, 512},
		{"cab", cab(), "cab", true, 8},
		{"lzip", lzip(), "lzip", true, 5},
		{"lzh", lzh(), "lzh", true, 21},
		{"arj", arj(), "arj", true, 11},
		{"cpio newc", cpioNewc(), "cpio", true, 14},
		{"cpio crc", cpioCRC(), "cpio", true, 14},
		{"cpio odc", cpioOdc(), "cpio", true, 12},
		{"lz4", lz4Frame(), "lz4", true, 5},
		{"compress", compressZ(), "compress", true, 3},
		{"ace", ace(), "ace", true, 14},
		{"xar", xar(), "xar", true, 8},
		{"zoo", zoo(), "zoo", true, 24},
		{"stuffit", stuffit(), "stuffit", true, 14},
		{"stuffit 5", stuffit5(), "stuffit", true, 11},
		{"lrzip", lrzip(), "lrzip", true, 5},
		{"rpm", rpm(), "rpm", false, 5},
		{"deb", deb(), "deb", false, 21},
		{"png", pngImage(t), "png", false, 8},
		{"jpeg", jpegImage(t), "jpeg", false, 3},
		{"gif", gifImage(t), "gif", false, 6},
		{"pdf", []byte(pdfDoc), "pdf", false, 5},

		// Near misses.
		{"PK alone", []byte("PK"), "", false, 0},
		{"PK text", []byte("PKI certificates attached"), "", false, 0},
		{"PK end record not empty", append([]byte("PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00"), make([]byte, 10)...), "", false, 0},
		{"PK spanning without local header", []byte("PK\x07\x08\x00\x00\x00\x00"), "", false, 0},
		{"7z alone", []byte("7z"), "", false, 0},
		{"7z text", []byte("7zip is great"), "", false, 0},
		{"Rar text", []byte("Rar! said the lion"), "", false, 0},
		{"Rar word", []byte("Rare earth metals"), "", false, 0},
		{"Rar! version 2", []byte("Rar!\x1a\x07\x02\x00"), "", false, 0},
		{"gzip other method", []byte("\x1f\x8b\x07\x00\x00\x00"), "", false, 0},
		{"gzip reserved flags", []byte("\x1f\x8b\x08\xe0\x00\x00"), "", false, 0},
		{"compress 8 bits", []byte("\x1f\x9d\x08"), "", false, 0},
		{"BZh text", []byte("BZh9 is a bzip2 header"), "", false, 0},
		{"BZh0", []byte("BZh01AY&SY\x00\x00"), "", false, 0},
		{"zstd reserved bit", []byte("\x28\xb5\x2f\xfd\x28\x00"), "", false, 0},
		{"MSCF reserved set", []byte("MSCF\x01\x00\x00\x00\x00\x00"), "", false, 0},
		{"LZIP version 2", []byte("LZIP\x02\x0c"), "", false, 0},
		{"arj local header first", func() []byte { b := arj(); b[10] = 0; return b }(), "", false, 0},
		{"lz4 version 0", []byte("\x04\x22\x4d\x18\x24\x40"), "", false, 0},
		{"ar not deb", []byte("!<arch>\nlibfoo.o/       0           0     0     644     1000      `\n"), "", false, 0},
		{"tar bad checksum", func() []byte { b := v7Tar(t); b[0] ^= 1; return b }(), "", false, 0},
		{"plain text", []byte("Hello, this is a perfectly ordinary request body.\n"), "", false, 0},
		{"json", []byte(`{"user":"alice","files":["a.zip","b.7z"]}`), "", false, 0},
		{"xml", []byte(`<?xml version="1.0"?><upload name="a.zip"/>`), "", false, 0},
		{"html", []byte("<!DOCTYPE html><html><body>Rar! PK 7z</body></html>"), "", false, 0},
		{"one letter", []byte("P"), "", false, 0},
		{"empty", []byte{}, "", false, 0},
		{"nil", nil, "", false, 0},
		{"zeros", make([]byte, 600), "", false, 0},
		{"spaces", bytes.Repeat([]byte(" "), 600), "", false, 0},
		{"digits", bytes.Repeat([]byte("0"), 600), "", false, 0},
	}
}

func TestSniff(t *testing.T) {
	for _, c := range signatureCases(t) {
		t.Run(c.name, func(t *testing.T) {
			got, ok := Sniff(c.in)
			if c.want == "" {
				if ok {
					t.Fatalf("Sniff(%q) = %+v, want no match", clip(c.in), got)
				}
				return
			}
			if !ok || got.Name != c.want || got.Archive != c.archive || got.Encoding != "" {
				t.Fatalf("Sniff = %+v, %v; want %s (archive %v)", got, ok, c.want, c.archive)
			}
			if s, ok := Sniff(string(c.in)); !ok || s.Name != got.Name {
				t.Errorf("Sniff(string) = %+v, %v; want %s", s, ok, got.Name)
			}
			if c.need > 0 {
				if got, ok := Sniff(c.in[:c.need]); !ok || !sameFamily(got.Name, c.want) {
					t.Errorf("Sniff(first %d bytes) = %+v, %v; want %s", c.need, got, ok, c.want)
				}
				if got, ok := Sniff(c.in[:c.need-1]); ok {
					t.Errorf("Sniff(first %d bytes, one short) = %+v; want no match", c.need-1, got)
				}
			}
		})
	}
}

// sameFamily: a zip container cut before its first entry's name is a plain zip, an OOXML
// package cut before its word/, xl/ or ppt/ part is ooxml, an ODF document cut in its
// mimetype's last word is odf.
func sameFamily(got, want string) bool {
	switch want {
	case "docx", "xlsx", "pptx":
		return got == want || got == "zip" || got == "ooxml"
	case "odt", "ods", "odp", "odg":
		return got == want || got == "zip" || got == "odf"
	case "ooxml", "odf", "epub", "jar", "apk":
		return got == want || got == "zip"
	}
	return got == want
}

// TestSniffPrefixes: no prefix of a known input reports a type the whole input does not
// have, except zip containers reported as plain zip before their first entry is in reach.
func TestSniffPrefixes(t *testing.T) {
	for _, c := range signatureCases(t) {
		if c.want == "" {
			continue
		}
		for n := range len(c.in) {
			if got, ok := Sniff(c.in[:n]); ok && !sameFamily(got.Name, c.want) {
				t.Errorf("%s: Sniff(first %d bytes) = %s", c.name, n, got.Name)
			}
		}
	}
}

func TestSniffZipContainers(t *testing.T) {
	z := plainZip(t)
	t.Run("zip named like a document is still zip", func(t *testing.T) {
		got, _ := Sniff(z)
		if got.Name != "zip" || !got.Archive {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("docx cut before the first name is zip, after it ooxml then docx", func(t *testing.T) {
		d := ooxmlZip(t, "word/")
		if got, _ := Sniff(d[:35]); got.Name != "zip" {
			t.Errorf("35 bytes: %s", got.Name)
		}
		if got, _ := Sniff(d[:30+len("[Content_Types].xml")]); got.Name != "ooxml" {
			t.Errorf("to the end of the first name: %s", got.Name)
		}
		if got, _ := Sniff(d); got.Name != "docx" {
			t.Errorf("whole: %s", got.Name)
		}
	})
	t.Run("odt with an extra field", func(t *testing.T) {
		d := odfZip(t, "application/vnd.oasis.opendocument.text")
		// Insert a 4-byte extra field after the name.
		n := 30 + len("mimetype")
		x := append(append(bytes.Clone(d[:n]), 0xfe, 0xca, 0, 0), d[n:]...)
		x[28] = 4
		if got, _ := Sniff(x); got.Name != "odt" {
			t.Errorf("%s", got.Name)
		}
	})
	t.Run("mimetype cut in its content is zip", func(t *testing.T) {
		d := odfZip(t, "application/vnd.oasis.opendocument.text")
		if got, _ := Sniff(d[:30+8+20]); got.Name != "zip" {
			t.Errorf("%s", got.Name)
		}
	})
}

func TestSniffEncoded(t *testing.T) {
	z := plainZip(t)
	d := ooxmlZip(t, "xl/")
	b64 := base64.StdEncoding.EncodeToString
	mime := func(b []byte) string { // 76-character lines, CRLF, as MIME writes them
		s := b64(b)
		var sb strings.Builder
		for len(s) > 76 {
			sb.WriteString(s[:76] + "\r\n")
			s = s[76:]
		}
		sb.WriteString(s)
		return sb.String()
	}
	pctAll := func(s string) string { // every byte escaped
		var sb strings.Builder
		for i := 0; i < len(s); i++ {
			fmt.Fprintf(&sb, "%%%02X", s[i])
		}
		return sb.String()
	}
	cases := []struct {
		name, in, want, enc string
	}{
		{"base64 zip", b64(z), "zip", EncBase64},
		{"base64 zip prefix UEsDBA", "UEsDBA", "zip", EncBase64},
		{"base64 7z", b64(sevenZip()), "7z", EncBase64},
		{"base64 7z prefix", "N3q8ryccAAQ", "7z", EncBase64},
		{"base64 rar", b64(rar4()), "rar", EncBase64},
		{"base64 rar5", b64(rar5()), "rar5", EncBase64},
		{"base64 gzip", b64(gzipOf(t, "x")), "gzip", EncBase64},
		{"base64 tar", b64(tarOf(t, tar.FormatGNU)), "tar", EncBase64},
		{"base64 xlsx", b64(d), "xlsx", EncBase64},
		{"base64 url alphabet", base64.RawURLEncoding.EncodeToString(z), "zip", EncBase64},
		{"base64 MIME lines", mime(tarOf(t, tar.FormatUSTAR)), "tar", EncBase64},
		{"data URL", "data:application/zip;base64," + b64(z), "zip", EncBase64},
		{"data URL no type", "data:;base64," + b64(sevenZip()), "7z", EncBase64},
		{"percent zip", "PK%03%04%14%00%08%00%08%00", "zip", EncPercent},
		{"percent QueryEscape", url.QueryEscape(string(z)), "zip", EncPercent},
		{"percent xlsx", url.QueryEscape(string(d)), "xlsx", EncPercent},
		{"percent 7z", url.QueryEscape(string(sevenZip())), "7z", EncPercent},
		{"percent rar", "Rar%21%1A%07%00%CF%90s%00", "rar", EncPercent},
		{"percent every byte", pctAll(string(rar5())), "rar5", EncPercent},
		{"percent then base64", pctAll(b64(z)), "zip", EncPercentBase64},
		{"percent value ends at &", "PK%03%04&x=1", "zip", EncPercent},

		{"base64 too short", "UEsDB", "", ""},
		{"base64 of text", b64([]byte("just some text, nothing packed")), "", ""},
		{"word", "Hello", "", ""},
		{"percent text", "hello%20world%21", "", ""},
		{"percent PK alone", "PK%03", "", ""},
		{"data URL not base64", "data:text/plain,PK%03%04", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := Sniff(c.in)
			if c.want == "" {
				if ok {
					t.Fatalf("Sniff(%q) = %+v, want no match", clip([]byte(c.in)), got)
				}
				return
			}
			if !ok || got.Name != c.want || got.Encoding != c.enc {
				t.Fatalf("Sniff(%q) = %+v, %v; want %s %s", clip([]byte(c.in)), got, ok, c.want, c.enc)
			}
			if b, ok := Sniff([]byte(c.in)); !ok || b.Name != got.Name || b.Encoding != got.Encoding {
				t.Errorf("Sniff([]byte) = %+v", b)
			}
		})
	}
}

func TestSniffAllocs(t *testing.T) {
	inputs := [][]byte{plainZip(t), ooxmlZip(t, "ppt/"), tarOf(t, tar.FormatUSTAR), []byte("plain text body"),
		[]byte(base64.StdEncoding.EncodeToString(plainZip(t))), []byte(url.QueryEscape(string(sevenZip())))}
	for _, in := range inputs {
		s := string(in)
		if n := testing.AllocsPerRun(100, func() { Sniff(in); Sniff(s) }); n != 0 {
			t.Errorf("Sniff(%q): %v allocations", clip(in), n)
		}
	}
}

func clip(b []byte) []byte {
	if len(b) > 40 {
		return b[:40]
	}
	return b
}
