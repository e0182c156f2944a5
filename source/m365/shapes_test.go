package m365

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// seq returns first, first+1, ... n numbers.
func seq(first uint32, n int) []uint32 {
	var out []uint32
	for i := range n {
		out = append(out, first+uint32(i))
	}
	return out
}

// The fixtures hold the same 16 records (testdata/README.md) in each shape; a record's position
// is its line for one-a-line input and CSV rows, its ordinal for JSON documents.
var shapes = []struct {
	name      string
	positions []uint32
}{
	{"api.jsonl", seq(1, 16)},       // one record a line (jq -c, Splunk's o365:management:activity)
	{"api.json", seq(1, 16)},        // the Management Activity API's content blob: one array on one line
	{"api_pretty.json", seq(1, 16)}, // the same array pretty-printed
	{"sual.json", seq(1, 16)},       // Search-UnifiedAuditLog | ConvertTo-Json (Windows PowerShell 5.1)
	{"sual.jsonl", seq(1, 16)},      // Search-UnifiedAuditLog | ConvertTo-Json -Compress, one a line
	{"export.csv", seq(2, 16)},      // the Purview portal's export
	{"sual.csv", seq(3, 16)},        // Search-UnifiedAuditLog | Export-Csv (#TYPE line, all quoted)
}

func readFixture(t *testing.T, name string) ([]event.Cloud, *source.Stats) {
	t.Helper()
	p := filepath.Join("testdata", name)
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	var c collector
	st, err := readAll(t, source.FileInput(p, fi.Size()), &c, 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.TotalSkipped() != 0 {
		t.Fatalf("%s: skipped %v: %s", name, st.Skipped, problems(st))
	}
	if st.Read[logType] != 16 || len(c.got) != 16 {
		t.Fatalf("%s: read %v, %d events; want 16", name, st.Read, len(c.got))
	}
	return c.got, st
}

// Every shape gives the same events, at its positions, and Records gives each record back.
func TestShapesAgree(t *testing.T) {
	want, _ := readFixture(t, shapes[0].name)
	for _, sh := range shapes {
		got, _ := readFixture(t, sh.name)
		var pos []uint32
		for i := range got {
			if a, b := content(got[i]), content(want[i]); a != b {
				t.Errorf("%s event %d differs:\n got  %s\n want %s", sh.name, i+1, a, b)
			}
			pos = append(pos, got[i].Ref.Line)
		}
		if !slices.Equal(pos, sh.positions) {
			t.Errorf("%s: positions %v, want %v", sh.name, pos, sh.positions)
		}
		f, err := os.Open(filepath.Join("testdata", sh.name))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := Records(f, pos)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range pos {
			text := recs[p]
			if strings.ContainsAny(text, "\n") || !json.Valid([]byte(text)) || !strings.Contains(text, got[i].UID) {
				t.Errorf("%s: record at %d: %q", sh.name, p, clip([]byte(text)))
			}
		}
	}
}

// What the fixtures' 16 records become (their mapping in detail is TestMapping's).
func TestFixtureEvents(t *testing.T) {
	got, _ := readFixture(t, "api.jsonl")
	type row struct {
		name  string
		op    event.CloudOp
		scope string
		bytes int64
		count int64
	}
	want := []row{
		{"FileUploaded", event.CloudUpload, "", 48213, 1},
		{"FileUploaded", event.CloudUpload, "", event.Unset, 1},
		{"FileSyncUploadedFull", event.CloudUpload, "", 1250000, 1},
		{"FileDownloaded", event.CloudDownload, "", event.Unset, 1},
		{"FileSyncDownloadedFull", event.CloudDownload, "", event.Unset, 1},
		{"AnonymousLinkCreated", event.CloudShare, event.ScopePublic, event.Unset, 1},
		{"AnonymousLinkUsed", event.CloudDownload, event.ScopePublic, event.Unset, 1},
		{"SharingSet", event.CloudShare, event.ScopeExternal, event.Unset, 1},
		{"SharingInvitationCreated", event.CloudShare, event.ScopeExternal, event.Unset, 1},
		{"CompanyLinkCreated", event.CloudShare, event.ScopeInternal, event.Unset, 1},
		{"Send", event.CloudMail, "", 73451, 1},
		{"MailItemsAccessed", event.CloudDownload, "", event.Unset, 1},
		{"MailItemsAccessed", event.CloudDownload, "", 263708, 3},
		{"New-InboxRule", event.CloudShare, event.ScopeExternal, event.Unset, 1},
		{"UserLoggedIn", event.CloudOther, "", event.Unset, 1},
		{"UserLoginFailed", event.CloudOther, "", event.Unset, 1},
	}
	for i, e := range got {
		if r := (row{e.Name, e.Op, e.Scope, e.Bytes, e.Count}); r != want[i] {
			t.Errorf("event %d: %+v, want %+v", i+1, r, want[i])
		}
	}
	if got[13].Target != "collector@fabrikam.net" || got[13].Container != "megan.bowen" || got[11].Target != "Sync" ||
		got[10].Recipients[0] != "jon.doe@fabrikam.com" || got[15].Error != "InvalidUserNameOrPassword" || got[1].Src.String() != "2001:db8:4a::25" {
		t.Errorf("details: %+v", got)
	}
}

// A run whose detections read no cloud events counts the records and builds no event.
func TestSkipKind(t *testing.T) {
	for _, sh := range shapes {
		p := filepath.Join("testdata", sh.name)
		var c collector
		st, err := readAll(t, source.FileInput(p, -1), &c, event.KindSet(0).With(event.KindCloud))
		if err != nil {
			t.Fatal(err)
		}
		if len(c.got) != 0 || st.Ignored[logType] != 16 || st.TotalSkipped() != 0 {
			t.Errorf("%s: %d events, ignored %v, skipped %v", sh.name, len(c.got), st.Ignored, st.Skipped)
		}
	}
}

// utf16Text encodes text as UTF-16 with a byte order mark.
func utf16Text(s string, bigEndian bool) []byte {
	var b bytes.Buffer
	units := utf16.Encode([]rune(s))
	if bigEndian {
		b.Write([]byte{0xFE, 0xFF})
	} else {
		b.Write([]byte{0xFF, 0xFE})
	}
	for _, u := range units {
		if bigEndian {
			b.Write([]byte{byte(u >> 8), byte(u)})
		} else {
			b.Write([]byte{byte(u), byte(u >> 8)})
		}
	}
	return b.Bytes()
}

// Windows PowerShell 5.1 writes UTF-16 (Out-File, >): the same events, the same records back.
func TestUTF16(t *testing.T) {
	want, _ := readFixture(t, "api.jsonl")
	for _, name := range []string{"sual.json", "sual.jsonl", "sual.csv"} {
		for _, be := range []bool{false, true} {
			text := fixture(t, name)
			if be {
				text = strings.ReplaceAll(text, "Finance", "Finance 𝔉ï") // a character beyond the BMP
			}
			data := utf16Text(text, be)
			var c collector
			st, err := readAll(t, source.ReaderInput(name, bytes.NewReader(data)), &c, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.got) != 16 || st.TotalSkipped() != 0 {
				t.Fatalf("%s (big-endian %v): %d events, %s", name, be, len(c.got), problems(st))
			}
			for i := range c.got {
				w := want[i]
				if be {
					w.Container = strings.ReplaceAll(w.Container, "Finance", "Finance 𝔉ï")
					w.Object = strings.ReplaceAll(w.Object, "Finance", "Finance 𝔉ï")
				}
				if a, b := content(c.got[i]), content(w); a != b {
					t.Errorf("%s event %d:\n got  %s\n want %s", name, i+1, a, b)
				}
			}
			recs, err := Records(bytes.NewReader(data), []uint32{c.got[15].Ref.Line})
			if err != nil || !strings.Contains(recs[c.got[15].Ref.Line], "UserLoginFailed") {
				t.Errorf("%s: Records: %v %v", name, err, recs)
			}
		}
	}
}

// A UTF-8 byte order mark (the portal's export has one) changes nothing; one search result
// converted alone (an object, not an array) is record 1.
func TestBOMAndOneObject(t *testing.T) {
	want, _ := readFixture(t, "api.jsonl")
	for _, sh := range shapes {
		var c collector
		st, err := readString(t, sh.name, "\xef\xbb\xbf"+fixture(t, sh.name), &c)
		if err != nil || len(c.got) != 16 || st.TotalSkipped() != 0 {
			t.Fatalf("%s with a BOM: %v, %d events, %s", sh.name, err, len(c.got), problems(st))
		}
		for i := range c.got {
			if c.got[i].Ref.Line != sh.positions[i] || content(c.got[i]) != content(want[i]) {
				t.Errorf("%s with a BOM: event %d differs", sh.name, i+1)
			}
		}
	}
	text := fixture(t, "sual.json")
	end := strings.Index(text, "\n    },\n")
	one := strings.ReplaceAll(text[len("[\n"):end+len("\n    }")], "\n    ", "\n") + "\n"
	var c collector
	st, err := readString(t, "one.json", one, &c)
	if err != nil || len(c.got) != 1 || c.got[0].Ref.Line != 1 || content(c.got[0]) != content(want[0]) {
		t.Fatalf("one object: %v %d %s", err, len(c.got), problems(st))
	}
	recs, err := Records(strings.NewReader(one), []uint32{1})
	if err != nil || !strings.HasPrefix(recs[1], `{"RunspaceId":`) {
		t.Errorf("Records: %v %q", err, recs[1])
	}
}
