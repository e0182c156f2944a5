package filetype

import (
	"bytes"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"unsafe"
)

const webkit = "----WebKitFormBoundary7MA4YWxkTrZu0gW"

// mp builds a multipart body: each part is a header block and content; nl is the line end.
type mpPart struct{ headers, content string }

func mp(boundary, nl string, closed bool, parts ...mpPart) string {
	var sb strings.Builder
	for _, p := range parts {
		sb.WriteString("--" + boundary + nl)
		for _, h := range strings.Split(p.headers, "\n") {
			if h != "" {
				sb.WriteString(h + nl)
			}
		}
		sb.WriteString(nl + p.content + nl)
	}
	if closed {
		sb.WriteString("--" + boundary + "--" + nl)
	}
	return sb.String()
}

func fileHeaders(field, filename, ctype string) string {
	return `Content-Disposition: form-data; name="` + field + `"; filename="` + filename + `"` + "\nContent-Type: " + ctype
}

// multipartCases are bodies, their content type and the parts expected.
type partWant struct {
	name, filename, ctype string
	head                  string
	sniff                 string // Sniff(Head).Name, "" for none
	renamed               bool
}

type partsCase struct {
	name  string
	body  string
	ctype string
	want  []partWant
}

func partsCases(t testing.TB) []partsCase {
	z := string(plainZip(t))
	j := string(jpegImage(t))
	p := string(pngImage(t))
	seven := string(sevenZip())
	docx := string(ooxmlZip(t, "word/"))
	return []partsCase{
		{
			name:  "archive renamed jpg, CRLF",
			ctype: "multipart/form-data; boundary=" + webkit,
			body: mp(webkit, "\r\n", true,
				mpPart{`Content-Disposition: form-data; name="description"`, "holiday pictures"},
				mpPart{fileHeaders("file", "holiday.jpg", "image/jpeg"), z}),
			want: []partWant{
				{name: "description", head: "holiday pictures"},
				{name: "file", filename: "holiday.jpg", ctype: "image/jpeg", head: z, sniff: "zip", renamed: true},
			},
		},
		{
			name:  "real jpeg",
			ctype: "multipart/form-data; boundary=" + webkit,
			body:  mp(webkit, "\r\n", true, mpPart{fileHeaders("avatar", "me.jpg", "image/jpeg"), j}),
			want:  []partWant{{name: "avatar", filename: "me.jpg", ctype: "image/jpeg", head: j, sniff: "jpeg"}},
		},
		{
			name:  "several parts, LF, no content type",
			ctype: "",
			body: mp("xYzZY", "\n", true,
				mpPart{`Content-Disposition: form-data; name="user"`, "alice"},
				mpPart{fileHeaders("f1", "logo.png", "image/png"), p},
				mpPart{fileHeaders("f2", "notes.txt", "text/plain"), seven},
				mpPart{fileHeaders("f3", "report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), docx},
				mpPart{`Content-Disposition: form-data; name="submit"`, "Upload"}),
			want: []partWant{
				{name: "user", head: "alice"},
				{name: "f1", filename: "logo.png", ctype: "image/png", head: p, sniff: "png"},
				{name: "f2", filename: "notes.txt", ctype: "text/plain", head: seven, sniff: "7z", renamed: true},
				{name: "f3", filename: "report.docx", ctype: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", head: docx, sniff: "docx"},
				{name: "submit", head: "Upload"},
			},
		},
		{
			name:  "no closing boundary",
			ctype: "",
			body: strings.TrimSuffix(mp(webkit, "\r\n", false,
				mpPart{fileHeaders("upload", "a.bin", "application/octet-stream"), z}), "\r\n"),
			want: []partWant{{name: "upload", filename: "a.bin", ctype: "application/octet-stream", head: z, sniff: "zip", renamed: true}},
		},
		{
			name:  "truncated in the content",
			ctype: "",
			body: mp(webkit, "\r\n", true, mpPart{`Content-Disposition: form-data; name="a"`, "1"},
				mpPart{fileHeaders("upload", "x.png", "image/png"), z})[:300],
			want: []partWant{{name: "a", head: "1"}, {name: "upload", filename: "x.png", ctype: "image/png", sniff: "zip", renamed: true}},
		},
		{
			name:  "truncated in the headers",
			ctype: "multipart/form-data; boundary=" + webkit,
			body: func() string {
				b := mp(webkit, "\r\n", true, mpPart{`Content-Disposition: form-data; name="a"`, "1"},
					mpPart{fileHeaders("upload", "secrets.zip", "application/zip"), z})
				return b[:strings.Index(b, `filename="secr`)+len(`filename="secr`)]
			}(),
			want: []partWant{{name: "a", head: "1"}, {name: "upload", filename: "secr"}},
		},
		{
			name:  "quoted boundary with a space, unquoted filename",
			ctype: `multipart/form-data; charset=utf-8; boundary="simple boundary"`,
			body: mp("simple boundary", "\r\n", true,
				mpPart{"Content-Disposition: form-data; name=doc; filename=loot.7z\nContent-Type: application/x-7z-compressed", seven}),
			want: []partWant{{name: "doc", filename: "loot.7z", ctype: "application/x-7z-compressed", head: seven, sniff: "7z"}},
		},
		{
			name:  "filename* RFC 8187 wins over filename",
			ctype: "",
			body: mp("b1", "\r\n", true,
				mpPart{"Content-Disposition: form-data; name=\"f\"; filename*=UTF-8''%E2%82%AC%20rates.zip; filename=\"EUR rates.zip\"", z},
				mpPart{"Content-Disposition: form-data; name=\"g\"; filename=\"a.txt\"; filename*=iso-8859-1'en'%E9t%E9.rar", z}),
			want: []partWant{
				{name: "f", filename: "€ rates.zip", head: z, sniff: "zip"},
				{name: "g", filename: "été.rar", head: z, sniff: "zip", renamed: true},
			},
		},
		{
			name:  "escaped quote, Windows path, lower-case headers",
			ctype: "",
			body: mp("b2", "\r\n", true,
				mpPart{"content-disposition: form-data; name=\"q\\\"uote\"; filename=\"C:\\Users\\bob\\pics\\cat.gif\"\ncontent-type:application/octet-stream", z}),
			want: []partWant{{name: `q"uote`, filename: `C:\Users\bob\pics\cat.gif`, ctype: "application/octet-stream", head: z, sniff: "zip", renamed: true}},
		},
		{
			name:  "preamble, boundary from the content type",
			ctype: "multipart/mixed; boundary=frontier",
			body:  "This is a message with multiple parts in MIME format.\r\n" + mp("frontier", "\r\n", true, mpPart{"Content-Type: application/zip", z}),
			want:  []partWant{{ctype: "application/zip", head: z, sniff: "zip"}},
		},
		{
			name:  "boundary-like lines inside the content",
			ctype: "",
			body: mp("bnd", "\r\n", true, mpPart{`Content-Disposition: form-data; name="t"`, "line\r\n--bndX not a delimiter\r\n--bn\r\nend"},
				mpPart{`Content-Disposition: form-data; name="u"`, ""}),
			want: []partWant{{name: "t", head: "line\r\n--bndX not a delimiter\r\n--bn\r\nend"}, {name: "u", head: ""}},
		},
		{
			name:  "content type boundary absent from the body, body boundary used",
			ctype: "multipart/form-data; boundary=other",
			body:  mp("real", "\n", true, mpPart{fileHeaders("f", "a.zip", "application/zip"), z}),
			want:  []partWant{{name: "f", filename: "a.zip", ctype: "application/zip", head: z, sniff: "zip"}},
		},
		{
			name:  "declared multipart, body is a raw zip",
			ctype: "multipart/form-data; boundary=abc",
			body:  z,
			want:  []partWant{{ctype: "multipart/form-data; boundary=abc", head: z, sniff: "zip"}},
		},
		{
			name:  "part with a base64 archive",
			ctype: "",
			body: mp("b64", "\r\n", true, mpPart{fileHeaders("f", "image.png", "image/png") + "\nContent-Transfer-Encoding: base64",
				"UEsDBBQACAAIAAAAAAAAAAAAAAAAAAAAAAAJAAAAc2VjcmV0LnR4dA=="}),
			want: []partWant{{name: "f", filename: "image.png", ctype: "image/png", head: "UEsDBBQACAAIAAAAAAAAAAAAAAAAAAAAAAAJAAAAc2VjcmV0LnR4dA==", sniff: "zip", renamed: true}},
		},
		{
			name: "YAML is not multipart", ctype: "",
			body: "---\ntitle: report\n",
			want: []partWant{{head: "---\ntitle: report\n"}},
		},

		// Form-urlencoded.
		{
			name:  "urlencoded archive value",
			ctype: "application/x-www-form-urlencoded",
			body:  "name=report&file=" + url.QueryEscape(z) + "&go=1",
			want: []partWant{
				{name: "name", head: "report"},
				{name: "file", head: url.QueryEscape(z), sniff: "zip"},
				{name: "go", head: "1"},
			},
		},
		{
			name:  "urlencoded without content type, encoded keys",
			ctype: "",
			body:  "my+field%21=x&&empty=&flag&data=PK%03%04%14%00%08%00",
			want: []partWant{
				{name: "my field!", head: "x"},
				{name: "empty", head: ""},
				{name: "flag", head: ""},
				{name: "data", head: "PK%03%04%14%00%08%00", sniff: "zip"},
			},
		},
		{
			name:  "curl --data-binary: raw zip declared urlencoded",
			ctype: "application/x-www-form-urlencoded",
			body:  z,
			want:  []partWant{{ctype: "application/x-www-form-urlencoded", head: z, sniff: "zip"}},
		},
		{
			name:  "base64 body",
			ctype: "",
			body:  b64s(plainZip(t)),
			want:  []partWant{{head: b64s(plainZip(t)), sniff: "zip"}},
		},

		// Other bodies.
		{
			name:  "json",
			ctype: "application/json",
			body:  `{"file":"a.zip"}`,
			want:  []partWant{{ctype: "application/json", head: `{"file":"a.zip"}`}},
		},
		{
			name:  "raw 7z upload",
			ctype: "application/octet-stream",
			body:  seven,
			want:  []partWant{{ctype: "application/octet-stream", head: seven, sniff: "7z"}},
		},
		{name: "empty", ctype: "multipart/form-data; boundary=x", body: "", want: nil},
	}
}

func b64s(b []byte) string {
	return strings.TrimRight(string(bytesToB64(b)), "=")
}

func bytesToB64(b []byte) []byte {
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var out []byte
	for i := 0; i < len(b); i += 3 {
		var n uint32
		k := min(3, len(b)-i)
		for j := range 3 {
			n <<= 8
			if j < k {
				n |= uint32(b[i+j])
			}
		}
		for j := range 4 {
			if j <= k {
				out = append(out, std[n>>(18-6*j)&63])
			} else {
				out = append(out, '=')
			}
		}
	}
	return out
}

func TestParts(t *testing.T) {
	for _, c := range partsCases(t) {
		t.Run(c.name, func(t *testing.T) {
			check(t, c, Parts(c.body, c.ctype))
			check(t, c, Parts([]byte(c.body), c.ctype))
		})
	}
}

func check[B string | []byte](t *testing.T, c partsCase, got []Part[B]) {
	t.Helper()
	if len(got) != len(c.want) {
		t.Fatalf("%d parts, want %d: %+v", len(got), len(c.want), summary(got))
	}
	for i, w := range c.want {
		g := got[i]
		if g.Name != w.name || g.Filename != w.filename || g.ContentType != w.ctype {
			t.Errorf("part %d: name %q filename %q content type %q; want %q %q %q", i, g.Name, g.Filename, g.ContentType, w.name, w.filename, w.ctype)
		}
		if w.head != "" && string(g.Head) != w.head {
			t.Errorf("part %d: head %q, want %q", i, clip([]byte(g.Head)), clip([]byte(w.head)))
		}
		ty, ok := Sniff(g.Head)
		if ok != (w.sniff != "") || ty.Name != w.sniff {
			t.Errorf("part %d: Sniff = %+v, %v; want %q", i, ty, ok, w.sniff)
		}
		if r := Renamed(g.Filename, ty); r != w.renamed {
			t.Errorf("part %d: Renamed(%q, %s) = %v, want %v", i, g.Filename, ty.Name, r, w.renamed)
		}
	}
}

func summary[B string | []byte](ps []Part[B]) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name+"|"+p.Filename+"|"+p.ContentType+"|"+string(clip([]byte(p.Head))))
	}
	return out
}

// TestPartsGoWriter parses what Go's mime/multipart writer produces.
func TestPartsGoWriter(t *testing.T) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("comment", "weekly export")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="attachment"; filename="invoice.pdf"`)
	h.Set("Content-Type", "application/pdf")
	pw, _ := w.CreatePart(h)
	pw.Write(sevenZip())
	fw, _ := w.CreateFormFile("export", "export.tar")
	fw.Write(tarOf(t, 0))
	w.Close()
	for _, ct := range []string{w.FormDataContentType(), ""} {
		ps := Parts(buf.Bytes(), ct)
		if len(ps) != 3 {
			t.Fatalf("%d parts: %v", len(ps), summary(ps))
		}
		if ps[0].Name != "comment" || string(ps[0].Head) != "weekly export" {
			t.Errorf("part 0: %v", summary(ps[:1]))
		}
		if ty, _ := Sniff(ps[1].Head); ty.Name != "7z" || !Renamed(ps[1].Filename, ty) || ps[1].ContentType != "application/pdf" {
			t.Errorf("part 1: %v %+v", summary(ps[1:2]), ty)
		}
		if ty, _ := Sniff(ps[2].Head); ty.Name != "tar" || Renamed(ps[2].Filename, ty) || ps[2].ContentType != "application/octet-stream" {
			t.Errorf("part 2: %v %+v", summary(ps[2:]), ty)
		}
	}
}

// TestPartsTruncated cuts a multipart body at every length: Parts never fails, the parts it
// finds are in order, and the file part, once its headers are complete, names its file.
func TestPartsTruncated(t *testing.T) {
	z := string(plainZip(t))
	body := mp(webkit, "\r\n", true, mpPart{`Content-Disposition: form-data; name="a"`, "1"},
		mpPart{fileHeaders("upload", "holiday.jpg", "image/jpeg"), z})
	headersEnd := strings.Index(body, "image/jpeg\r\n\r\n") + len("image/jpeg\r\n\r\n")
	for _, ct := range []string{"", "multipart/form-data; boundary=" + webkit} {
		for n := range len(body) + 1 {
			ps := Parts(body[:n], ct)
			within(t, body[:n], ps)
			if n >= headersEnd+4 {
				if len(ps) != 2 || ps[1].Filename != "holiday.jpg" {
					t.Fatalf("cut at %d: %v", n, summary(ps))
				}
				if ty, ok := Sniff(ps[1].Head); !ok || ty.Name != "zip" {
					t.Fatalf("cut at %d: Sniff(%q) = %+v", n, clip([]byte(ps[1].Head)), ty)
				}
			}
		}
	}
}

// TestPartsCopies: Part strings from a []byte body do not alias it.
func TestPartsCopies(t *testing.T) {
	body := []byte(mp("b", "\r\n", true, mpPart{fileHeaders("field", "name.zip", "application/zip"), "PK\x03\x04"}))
	ps := Parts(body, "")
	for i := range body {
		body[i] = 'X'
	}
	if ps[0].Name != "field" || ps[0].Filename != "name.zip" || ps[0].ContentType != "application/zip" {
		t.Errorf("strings changed with the body: %+v", ps[0])
	}
}

func TestPartsMax(t *testing.T) {
	body := strings.Repeat("a=1&", 5000)
	if ps := Parts(body, ""); len(ps) != maxParts {
		t.Errorf("%d parts", len(ps))
	}
	var sb strings.Builder
	for range 2000 {
		sb.WriteString("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n")
	}
	if ps := Parts(sb.String(), ""); len(ps) != maxParts {
		t.Errorf("%d parts", len(ps))
	}
}

func TestPartsAllocs(t *testing.T) {
	body := mp(webkit, "\r\n", true,
		mpPart{`Content-Disposition: form-data; name="description"`, "holiday pictures"},
		mpPart{fileHeaders("file", "holiday.jpg", "image/jpeg"), string(plainZip(t))})
	if n := testing.AllocsPerRun(100, func() { Parts(body, "") }); n > 1 {
		t.Errorf("Parts(string): %v allocations, want 1 (the slice)", n)
	}
	raw := []byte("PK\x03\x04 a raw upload")
	if n := testing.AllocsPerRun(100, func() { Parts(raw, "application/octet-stream") }); n > 1 {
		t.Errorf("Parts(raw): %v allocations", n)
	}
}

// within checks that every part's Head lies within body.
func within[B string | []byte](t testing.TB, body B, ps []Part[B]) {
	t.Helper()
	v := asBytes(body)
	if len(ps) > maxParts {
		t.Fatalf("%d parts", len(ps))
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(v)))
	hi := lo + uintptr(len(v))
	for i, p := range ps {
		h := asBytes(p.Head)
		if len(h) == 0 {
			continue
		}
		a := uintptr(unsafe.Pointer(unsafe.SliceData(h)))
		if a < lo || a+uintptr(len(h)) > hi {
			t.Fatalf("part %d: Head outside the body", i)
		}
	}
}
