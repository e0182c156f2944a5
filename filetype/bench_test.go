package filetype

import (
	"archive/tar"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
)

func BenchmarkSniff(b *testing.B) {
	inputs := []struct {
		name string
		in   []byte
	}{
		{"zip", plainZip(b)},
		{"docx", ooxmlZip(b, "word/")},
		{"7z", sevenZip()},
		{"tar", tarOf(b, tar.FormatUSTAR)},
		{"jpeg", jpegImage(b)},
		{"text", []byte("Hello, this is a perfectly ordinary request body of some length.\n")},
		{"json", []byte(`{"user":"alice","action":"login","remember":true}`)},
		{"alnum 600", []byte(strings.Repeat("abcdefghij", 60))},
		{"base64 zip", []byte(base64.StdEncoding.EncodeToString(plainZip(b)))},
		{"percent zip", []byte(url.QueryEscape(string(plainZip(b))))},
	}
	for _, c := range inputs {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Sniff(c.in)
			}
		})
	}
}

func BenchmarkParts(b *testing.B) {
	z := string(plainZip(b))
	multi := mp(webkit, "\r\n", true,
		mpPart{`Content-Disposition: form-data; name="description"`, "holiday pictures"},
		mpPart{fileHeaders("file", "holiday.jpg", "image/jpeg"), z},
		mpPart{`Content-Disposition: form-data; name="submit"`, "Upload"})
	bodies := []struct {
		name, body, ct string
	}{
		{"multipart 3 parts", multi, "multipart/form-data; boundary=" + webkit},
		{"multipart detected", multi, ""},
		{"multipart 64KiB file", mp(webkit, "\r\n", true, mpPart{fileHeaders("file", "x.bin", "application/octet-stream"), strings.Repeat(z, 64<<10/len(z))}), ""},
		{"urlencoded", "user=alice&token=abc123&file=" + url.QueryEscape(z), "application/x-www-form-urlencoded"},
		{"raw", z, "application/octet-stream"},
		{"json", `{"user":"alice","action":"login","remember":true}`, "application/json"},
	}
	for _, c := range bodies {
		b.Run(c.name+" string", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.body)))
			for b.Loop() {
				for _, p := range Parts(c.body, c.ct) {
					Sniff(p.Head)
				}
			}
		})
		raw := []byte(c.body)
		b.Run(c.name+" bytes", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				for _, p := range Parts(raw, c.ct) {
					Sniff(p.Head)
				}
			}
		})
	}
}
