package archiveupload

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

const zip = "PK\x03\x04\x14\x00\x08\x00\x08\x00\x00\x00!\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x08\x00\x00\x00data.bin"

// post is a Stream-style request with a captured body.
func post(src, dst, body string, size int64, n int) *event.HTTP {
	return &event.HTTP{
		Meta:   event.Meta{TS: event.Time(1_772_409_600_000_000 + int64(n)*1_000_000), Ref: event.Ref{Line: uint32(n + 1)}},
		Flow:   event.Flow{Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr(dst), DstPort: 80},
		Method: "POST", Host: "up.example", URI: "/u.php", URL: "http://up.example/u.php", UserAgent: "agent",
		StatusCode: 200, Body: body, ReqBytes: size, RespBytes: 300, RequestBodyLen: event.Unset, ResponseBodyLen: event.Unset,
	}
}

// zeekReq is a Zeek http.log request whose body Zeek's file analysis typed.
func zeekReq(src, dst, method, uri, name, mime, fuid string, size int64, n int) *event.HTTP {
	return &event.HTTP{
		Meta:   event.Meta{TS: event.Time(1_772_409_600_000_000 + int64(n)*1_000_000), Ref: event.Ref{Line: uint32(n + 1)}},
		Flow:   event.Flow{Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr(dst), DstPort: 80},
		Method: method, Host: dst, URI: uri, UserAgent: "agent", StatusCode: 201,
		RequestBodyLen: size, ResponseBodyLen: 0, ReqBytes: event.Unset, RespBytes: event.Unset,
		OrigFUIDs: event.List{fuid}, OrigFilenames: event.List{name}, OrigMimeTypes: event.List{mime},
	}
}

func score(t *testing.T, d *Detection, evs ...any) []finding.Finding {
	t.Helper()
	return detecttest.ScoreEvents(t, d, detecttest.Env(), nil, evs)
}

func many(n int, fn func(i int) *event.HTTP) []any {
	var out []any
	for i := 0; i < n; i++ {
		out = append(out, fn(i))
	}
	return out
}

func TestSeedCount(t *testing.T) {
	for n, fire := range map[int]bool{20: false, 21: true} {
		fs := score(t, New(), many(n, func(i int) *event.HTTP { return post("10.0.0.5", "10.0.0.9", zip, 30_000, i) })...)
		if (len(fs) == 1) != fire {
			t.Errorf("%d identical archive POSTs: %d findings, want fire=%v", n, len(fs), fire)
			continue
		}
		if fire && (fs[0].Risk != 25 || fs[0].Figure("seed_group_count") != int64(21)) {
			t.Errorf("21 POSTs: %+v", fs[0])
		}
	}
}

// The seed groups across sources: 11 POSTs from one host and 10 from another make one group of 21.
func TestSeedGroupsAcrossSources(t *testing.T) {
	evs := many(11, func(i int) *event.HTTP { return post("10.0.0.5", "10.0.0.9", zip, 30_000, i) })
	evs = append(evs, many(10, func(i int) *event.HTTP { return post("10.0.0.6", "10.0.0.9", zip, 30_000, 50+i) })...)
	fs := score(t, New(), evs...)
	if len(fs) != 2 {
		t.Fatalf("%d findings, want one per source of the group", len(fs))
	}
	// another bytes_out splits the seed's group (20 + 1: the seed is silent), but the pair sent
	// 21 archives: the extension's count rule fires alone
	evs = many(20, func(i int) *event.HTTP { return post("10.0.0.5", "10.0.0.9", zip, 30_000, i) })
	odd := post("10.0.0.5", "10.0.0.9", zip, 30_000, 30)
	odd.RespBytes = 301
	fs = score(t, New(), append(evs, odd)...)
	if len(fs) != 1 || fs[0].Figure("seed_group_count") != nil || fs[0].Figure("rules") != "more than 20 archives" || fs[0].Risk != 25 {
		t.Errorf("20 + 1 in another group: %+v", fs)
	}
}

// The seed's 2-byte test also counts zip-based documents; the extension does not.
func TestSeedHeaderOnly(t *testing.T) {
	docx := "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x13\x00\x00\x00[Content_Types].xml"
	fs := score(t, New(), many(21, func(i int) *event.HTTP { return post("10.0.0.5", "10.0.0.9", docx, 30_000, i) })...)
	if len(fs) != 1 || fs[0].Figure("archives") != int64(0) || !strings.Contains(fs[0].Summary, "21 POSTs") {
		t.Fatalf("docx x21: %+v", fs)
	}
	d := New()
	d.p.SeedMinCount = 1000
	if fs := score(t, d, many(21, func(i int) *event.HTTP { return post("10.0.0.5", "10.0.0.9", docx, 30_000, i) })...); len(fs) != 0 {
		t.Errorf("docx without the seed rule: %+v", fs)
	}
}

func TestBytesAndRenamed(t *testing.T) {
	// one archive of 1 MB: fires on size; 999,999 B does not
	if fs := score(t, New(), post("10.0.0.5", "10.0.0.9", zip, 1_000_000, 1)); len(fs) != 1 || fs[0].Risk != 40 {
		t.Errorf("1 MB: %+v", fs)
	}
	if fs := score(t, New(), post("10.0.0.5", "10.0.0.9", zip, 999_999, 1)); len(fs) != 0 {
		t.Errorf("999,999 B: %+v", fs)
	}
	// to the outside: +10; 100 MB: +10
	if fs := score(t, New(), post("10.0.0.5", "198.51.100.9", zip, 100_000_000, 1)); len(fs) != 1 || fs[0].Risk != 60 {
		t.Errorf("100 MB out: %+v", fs)
	}
	// a zip in a multipart form under a .jpg name
	b := "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"IMG_1.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" + zip
	r := post("10.0.0.5", "198.51.100.9", b, 5_000, 1)
	r.ContentType = "multipart/form-data; boundary=XyZ"
	fs := score(t, New(), r)
	if len(fs) != 1 || fs[0].Risk != 60 || fs[0].Figure("renamed") != int64(1) || !strings.Contains(fs[0].Figure("files").(string), "IMG_1.jpg (renamed)") {
		t.Errorf("renamed: %+v", fs)
	}
	// a real JPEG in the same form: nothing
	r.Body = strings.Replace(b, zip, "\xff\xd8\xff\xe0\x00\x10JFIF\x00", 1)
	if fs := score(t, New(), r); len(fs) != 0 {
		t.Errorf("a photo: %+v", fs)
	}
	// a zip named .zip, small: nothing (a normal archive transfer)
	r.Body = strings.Replace(b, "IMG_1.jpg", "report.zip", 1)
	if fs := score(t, New(), r); len(fs) != 0 {
		t.Errorf("a small .zip: %+v", fs)
	}
}

func TestZeekMimeAndFiles(t *testing.T) {
	// http.log names the type: a WebDAV PUT of a 7z sent twice (401, then accepted)
	put := func(n int, status int64) *event.HTTP {
		h := zeekReq("10.0.1.4", "192.168.0.4", "PUT", "/webdav/OfficeSupplies.7z", "", "application/x-7z-compressed", "F"+string(rune('a'+n)), 1_082_089, n)
		h.StatusCode = status
		return h
	}
	fs := score(t, New(), put(0, 401), put(1, 204))
	if len(fs) != 1 || fs[0].Figure("archives") != int64(1) || fs[0].Figure("bytes") != int64(1_082_089) || fs[0].Figure("uploads") != int64(2) {
		t.Fatalf("WebDAV PUT: %+v", fs)
	}
	// files.log alone (no http.log): the file is the upload
	f := &event.File{Meta: event.Meta{TS: 1_772_409_600_000_000}, FUID: "Fx1", TxHosts: event.List{"10.0.0.5"}, RxHosts: event.List{"198.51.100.9"},
		Source: "HTTP", IsOrig: 1, MimeType: "application/x-rar", Filename: "q3.pdf", SeenBytes: 20_000, TotalBytes: 20_000}
	fs = score(t, New(), f)
	if len(fs) != 1 || fs[0].Entities.Src != "10.0.0.5" || fs[0].Entities.Dst != "198.51.100.9" || fs[0].Figure("renamed") != int64(1) {
		t.Fatalf("files.log alone: %+v", fs)
	}
	// http.log with the type and files.log with the same fuid: counted once
	h := zeekReq("10.0.0.5", "198.51.100.9", "POST", "/up", "q3.pdf", "application/x-rar", "Fx1", 20_000, 1)
	if fs = score(t, New(), f, h); len(fs) != 1 || fs[0].Figure("uploads") != int64(1) {
		t.Fatalf("http + files: %+v", fs)
	}
	// http.log without MIME columns: files.log gives the type
	h2 := zeekReq("10.0.0.5", "198.51.100.9", "POST", "/up", "", "", "Fx1", 20_000, 1)
	h2.OrigMimeTypes, h2.OrigFilenames = nil, nil
	fs = score(t, New(), h2, f)
	if len(fs) != 1 || fs[0].Figure("uploads") != int64(1) || fs[0].Figure("types") != "rar" {
		t.Fatalf("http without MIME + files: %+v", fs)
	}
	// a response file, or a file that is not an archive: nothing
	g := *f
	g.IsOrig = 0
	h3 := *f
	h3.MimeType = "image/png"
	if fs = score(t, New(), &g, &h3); len(fs) != 0 {
		t.Errorf("not uploads of archives: %+v", fs)
	}
}

func TestMergeOrder(t *testing.T) {
	var all []any
	all = append(all, many(25, func(i int) *event.HTTP { return post("10.0.0.5", "198.51.100.9", zip, 30_000+int64(i%2), i) })...)
	all = append(all, many(25, func(i int) *event.HTTP { return post("10.0.0.6", "10.0.0.9", zip, 30_000, 100+i) })...)
	all = append(all, zeekReq("10.0.0.7", "198.51.100.10", "PUT", "/a.7z", "", "application/x-7z-compressed", "F1", 2_000_000, 200))
	want := detecttest.JSONL(t, score(t, New(), all...))
	parts := make([][]any, 3)
	for i, e := range all {
		parts[(i*5)%3] = append(parts[(i*5)%3], e)
	}
	for _, order := range [][]int{{0, 1, 2}, {2, 1, 0}, {1, 0, 2}} {
		if got := detecttest.JSONL(t, detecttest.ScoreEvents(t, New(), detecttest.Env(), order, parts...)); string(got) != string(want) {
			t.Fatalf("order %v:\n got %s\nwant %s", order, got, want)
		}
	}
}

func datasets(t *testing.T, name string) string {
	dir := filepath.Join("..", "..", "..", "shared", "datasets", name)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("real data not present (%v): the datasets folder sits beside the repository in the team's environment", err)
	}
	return dir
}

// APT29 day 1: the WebDAV PUT of OfficeSupplies.7z (1,082,089 bytes, sent twice: 401 then 204).
func TestAPT29WebDAV(t *testing.T) {
	dir := datasets(t, "apt29-day1-zeek")
	fs := detecttest.Hunt(t, New(), dir)
	if len(fs) != 1 {
		t.Fatalf("%d findings, want the WebDAV upload only", len(fs))
	}
	f := fs[0]
	if f.Entities.Src != "10.0.1.4" || f.Entities.Dst != "192.168.0.4" || f.Figure("bytes") != int64(1_082_089) ||
		f.Figure("types") != "7z" || f.Figure("methods") != "PUT" || f.Severity != finding.Medium {
		t.Errorf("finding: %s %+v", f.Summary, f.Figures)
	}
	detecttest.Golden(t, filepath.Join("testdata", "apt29.golden.jsonl"), fs)
}

// The Splunk Stream fixtures (testdata/gen.go): 21 identical archive POSTs fire and 20 do not;
// a zip posted as IMG_0042.jpg fires; a real photo does not; the export shapes read the same.
func TestStreamFixtures(t *testing.T) {
	fs := detecttest.Hunt(t, New(), filepath.Join("testdata", "stream"))
	bySrc := map[string]finding.Finding{}
	for _, f := range fs {
		bySrc[f.Entities.Src] = f
	}
	if f, ok := bySrc["10.20.0.5"]; !ok || f.Figure("seed_group_count") != int64(21) {
		t.Errorf("21 archive POSTs: %+v", f)
	}
	if f, ok := bySrc["10.20.0.6"]; ok {
		t.Errorf("20 archive POSTs fired: %s", f.Summary)
	}
	if f, ok := bySrc["10.20.0.7"]; !ok || f.Figure("renamed") != int64(1) || !strings.Contains(f.Figure("files").(string), "IMG_0042.jpg (renamed)") {
		t.Errorf("zip named .jpg: %+v", f)
	}
	if f, ok := bySrc["10.20.0.8"]; ok {
		t.Errorf("photo upload fired: %s", f.Summary)
	}
	if f, ok := bySrc["10.20.0.10"]; !ok || f.Figure("uploads") != int64(2) {
		t.Errorf("export shapes (result and _raw): %+v", f)
	}
	detecttest.Golden(t, filepath.Join("testdata", "stream.golden.jsonl"), fs)
}
