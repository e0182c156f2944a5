package gworkspace

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// sampleDay is the project's sample day of Google Workspace activities (package synth writes it
// as one Reports API page, from Google's documented schema).
const sampleDay = "../../testdata/cloud/google/activities.json"

// The sample day: 63 Drive activities, with its planted cases as the readers must give them to
// the detections: carol@example.com opens budget-2024 to anyone with the link, an outsider
// downloads it, dave@example.com downloads 60 files in six minutes.
func TestSampleDay(t *testing.T) {
	data, err := os.ReadFile(sampleDay)
	if err != nil {
		t.Skipf("sample day not present: %v", err)
	}
	var c collector
	st, err := readAll(t, source.ReaderInput("activities.json", bytes.NewReader(data)), &c, 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.TotalSkipped() != 0 || len(st.Problems) != 0 || len(c.got) != 63 || st.Read[logType] != 63 {
		t.Fatalf("%d events, read %v, skipped %v: %s", len(c.got), st.Read, st.Skipped, problems(st))
	}
	var share, outsider *event.Cloud
	dave := 0
	for i := range c.got {
		e := &c.got[i]
		if e.Ref.Line != uint32(i+1) || e.Provider != "google" || e.Service != "drive" || e.Account != "C03az79cb" {
			t.Fatalf("event %d: %+v", i+1, e)
		}
		switch {
		case e.Op == event.CloudShare:
			share = e
		case e.Op == event.CloudDownload && e.User == "mike@outside.example.org":
			outsider = e
		case e.Op == event.CloudDownload && e.User == "dave@example.com":
			dave++
			if e.Container != "dave@example.com" || !strings.HasPrefix(e.Object, "design-") || e.Src.String() != "203.0.113.14" {
				t.Errorf("dave's download %+v", e)
			}
		}
	}
	if share == nil || share.User != "carol@example.com" || share.Scope != event.ScopePublic || share.Target != "people_with_link" ||
		share.Container != "carol@example.com" || share.ObjectID != "1Xq9budget" || share.Object != "budget-2024" ||
		share.TS != ts("2024-03-05T10:30:00Z") {
		t.Errorf("carol's share %+v", share)
	}
	if outsider == nil || outsider.Container != share.Container || outsider.ObjectID != share.ObjectID || outsider.Src.String() != "192.0.2.202" ||
		outsider.TS != ts("2024-03-05T11:05:00Z") {
		t.Errorf("the outsider's download %+v", outsider)
	}
	if dave != 60 {
		t.Errorf("%d downloads by dave, want 60", dave)
	}
	// the evidence: the share's record given back
	recs, err := Records(bytes.NewReader(data), []uint32{share.Ref.Line})
	if err != nil || !strings.Contains(recs[share.Ref.Line], `"name":"change_document_visibility"`) || strings.Contains(recs[share.Ref.Line], "\n") {
		t.Errorf("Records: %v %q", err, recs[share.Ref.Line])
	}
}

const datasets = "../../../shared/datasets"

// The real datasets beside the repository (when present) hold no Workspace activities: none of
// their JSON files, zipped or not, is claimed.
func TestRealDatasetsNotClaimed(t *testing.T) {
	if _, err := os.Stat(datasets); err != nil {
		t.Skipf("real datasets not present (they live in the shared datasets folder beside the repo): %v", err)
	}
	n := 0
	err := filepath.WalkDir(datasets, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch {
		case strings.HasSuffix(p, ".zip"):
			zr, err := zip.OpenReader(p)
			if err != nil {
				return nil
			}
			defer zr.Close()
			for _, zf := range zr.File {
				rc, err := zf.Open()
				if err != nil {
					continue
				}
				if Sniff(head(t, rc), zf.Name) {
					t.Errorf("Sniff claims %s in %s", zf.Name, p)
				}
				rc.Close()
				n++
			}
		case strings.Contains(p, ".json") || strings.Contains(p, ".log"):
			f, err := os.Open(p)
			if err != nil {
				return nil
			}
			defer f.Close()
			if Sniff(head(t, f), d.Name()) {
				t.Errorf("Sniff claims %s", p)
			}
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d real files sniffed", n)
}
