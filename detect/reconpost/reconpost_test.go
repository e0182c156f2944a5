package reconpost

import (
	"net/netip"
	"testing"

	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/event"
)

func post(method, body string, n int) *event.HTTP {
	return &event.HTTP{
		Meta:   event.Meta{TS: event.Time(1_772_409_600_000_000 + int64(n)*1_000_000), Ref: event.Ref{Line: uint32(n + 1)}},
		Flow:   event.Flow{Src: netip.MustParseAddr("10.0.0.5"), Dst: netip.MustParseAddr("198.51.100.9"), DstPort: 80},
		Method: method, Host: "198.51.100.9", URI: "/sew/inc/gate.php?x=1", URL: "http://198.51.100.9/sew/inc/gate.php?x=1",
		UserAgent: "Mozilla/4.0", StatusCode: 200, Body: body, ReqBytes: 900, RespBytes: 300,
		RequestBodyLen: event.Unset, ResponseBodyLen: event.Unset,
	}
}

func TestKeywords(t *testing.T) {
	for _, tc := range []struct {
		body string
		hit  bool
	}{
		{"--b\r\nContent-Disposition: form-data; name=\"proclist\"\r\n\r\nsvchost.exe 4 ...", true},
		{"--b\r\nContent-Disposition: form-data; name=\"sysinfo\"\r\n\r\nOS Version - 10", true},
		{"data=Windows IP Configuration ... IPCONFIG /all", true},
		{"out=Server Name  Remark\r\n\\\\FS01 ... NET VIEW", true},
		{"WERMGR.EXE started", true},
		{"name=proclist", false}, // Splunk's pattern has the quotes
		{"q=hello&page=2", false},
	} {
		fs := detecttest.ScoreEvents(t, New(), detecttest.Env(), nil, []any{post("POST", tc.body, 1)})
		if (len(fs) == 1) != tc.hit {
			t.Errorf("%q: %d findings, want hit=%v", tc.body, len(fs), tc.hit)
		}
		if len(fs) == 1 && (fs[0].Risk != 63 || fs[0].Figure("uri_path") != "/sew/inc/gate.php" || fs[0].Entities.Src != "10.0.0.5") {
			t.Errorf("%q: %+v", tc.body, fs[0])
		}
	}
}

func TestSeedShape(t *testing.T) {
	evs := []any{
		post("POST", "a=ipconfig", 1), post("POST", "a=ipconfig", 2), post("POST", "b=net view", 3),
		post("GET", "a=ipconfig", 4), // the seed looks at POST only
		post("POST", "", 5),          // no body captured (Zeek)
	}
	other := post("POST", "a=ipconfig", 6)
	other.RespBytes = 301 // another bytes_out: another row of the seed's stats
	evs = append(evs, other)
	fs := detecttest.ScoreEvents(t, New(), detecttest.Env(), nil, evs)
	if len(fs) != 2 {
		t.Fatalf("%d findings, want 2 (one per bytes_out)", len(fs))
	}
	var total int64
	for _, f := range fs {
		total += f.Figure("requests").(int64)
	}
	if total != 4 {
		t.Errorf("requests %d, want 4", total)
	}
	d := New()
	d.p.Keywords = []string{""}
	if err := d.Prepare(); err == nil {
		t.Error("empty keyword accepted")
	}
}
