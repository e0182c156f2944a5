package filetype

import (
	"archive/tar"
	"encoding/base64"
	"net/url"
	"testing"
)

// FuzzParts: Parts never panics, every Head lies within the body, at most maxParts parts,
// the string and []byte forms agree, and Sniff, Renamed, FromName and FromMIME take whatever
// the parts hold.
func FuzzParts(f *testing.F) {
	for _, c := range partsCases(f) {
		f.Add([]byte(c.body), c.ctype)
	}
	for _, c := range signatureCases(f) {
		f.Add(c.in, "")
	}
	f.Add([]byte(base64.StdEncoding.EncodeToString(tarOf(f, tar.FormatGNU))), "text/plain")
	f.Add([]byte("f="+url.QueryEscape(string(ooxmlZip(f, "xl/")))), "application/x-www-form-urlencoded")
	f.Add([]byte("--a\r\nContent-Disposition: form-data; name=\"x\"; filename*=UTF-8''%ZZ%e2\r\n\r\n--a--"), "")
	f.Add([]byte("--a\r\nContent-Type: x\r\n--a\r\nContent-Type: y\r\n\r\nPK\x03\x04\r\n--a-"), `multipart/form-data; boundary="a`)
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		pb := Parts(body, ct)
		within(t, body, pb)
		s := string(body)
		ps := Parts(s, ct)
		within(t, s, ps)
		if len(pb) != len(ps) {
			t.Fatalf("[]byte: %d parts, string: %d", len(pb), len(ps))
		}
		for i := range pb {
			b, s := pb[i], ps[i]
			if b.Name != s.Name || b.Filename != s.Filename || b.ContentType != s.ContentType || string(b.Head) != s.Head {
				t.Fatalf("part %d differs: %+v / %+v", i, b, s)
			}
			tb, okb := Sniff(b.Head)
			ts, oks := Sniff(s.Head)
			if okb != oks || tb.Name != ts.Name || tb.Encoding != ts.Encoding {
				t.Fatalf("part %d: Sniff differs: %+v / %+v", i, tb, ts)
			}
			Renamed(b.Filename, tb)
			FromName(b.Filename)
			FromMIME(b.ContentType)
		}
		Sniff(body)
		FromMIME(ct)
	})
}
