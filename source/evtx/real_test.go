package evtx

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Velocidex/ordereddict"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source/winevent"
)

// decodeAll decodes every record of an EVTX file into winevent.Records (copies), failing the
// test on any record that does not decode. It also checks that the guard saw every value the
// library returned raw (so that each is rendered by its own type).
func decodeAll(t *testing.T, b []byte) []winevent.Record {
	t.Helper()
	r := bytes.NewReader(b)
	if _, err := readHeader(r); err != nil {
		t.Fatal(err)
	}
	var out []winevent.Record
	g := &guard{known: map[uint32]int{}}
	err := chunks(context.Background(), r, func(buf []byte, off int64, c chunkInfo, first uint32) error {
		if c.lost > 0 || c.checkBad != "" {
			t.Errorf("chunk at %d: %+v", off, c)
		}
		recs, whole := decodeChunk(g, buf, c.offs)
		if whole != "" {
			t.Fatalf("chunk at %d: %s", off, whole)
		}
		for i, d := range recs {
			var rec winevent.Record
			if d.reason != "" {
				t.Fatalf("record %d: %s", first+uint32(i), d.reason)
			}
			if err := g.decode(d.event, d.id, &rec, dataAll); err != nil {
				t.Fatalf("record %d: %v", first+uint32(i), err)
			}
			if raw := untyped(g, d.event, 0); raw != "" {
				t.Errorf("record %d: value %s not seen by the guard", first+uint32(i), raw)
			}
			out = append(out, rec)
		}
		return nil
	}, func(off int64, c chunkInfo) { t.Errorf("chunk at %d skipped: %+v", off, c) })
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// untyped returns a []byte value of the tree that the guard has no type for, or "".
func untyped(g *guard, v any, depth int) string {
	switch x := v.(type) {
	case *ordereddict.Dict:
		for _, k := range x.Keys() {
			e, _ := x.Get(k)
			if s := untyped(g, e, depth+1); s != "" {
				return k + ": " + s
			}
		}
	case []any:
		for _, e := range x {
			if s := untyped(g, e, depth+1); s != "" {
				return s
			}
		}
	case []byte:
		off := chunkSize - cap(x)
		if off < 0 || off >= chunkSize || g.valType[off] == 0 || int(g.valLen[off]) != len(x) {
			return fmt.Sprintf("%x", x)
		}
	}
	return ""
}

func TestRealFiles(t *testing.T) {
	for _, p := range realEVTX(t) {
		b := realFile(t, filepath.Join("sysmon-evtx", filepath.Base(p)))
		recs := decodeAll(t, b)
		ids := map[int]int{}
		for _, r := range recs {
			ids[r.EventID]++
		}
		t.Logf("%s: %d records, event ids %v", filepath.Base(p), len(recs), ids)
		sink, st, err := readAll(t, filepath.Base(p), bytes.NewReader(b))
		if err != nil || len(st.Problems) > 0 || st.TotalSkipped() > 0 {
			t.Fatalf("%s: %v %s", p, err, problems(st))
		}
		if n := st.Read["sysmon"] + st.Ignored["sysmon"]; n != int64(len(recs)) || int64(len(sink.hosts)) != st.Read["sysmon"] {
			t.Fatalf("%s: read %v ignored %v, %d records", p, st.Read, st.Ignored, len(recs))
		}
	}
}

// The three Sigma files: one Sysmon EID 1 each, which their JSON twins (evtx_dump's shape)
// show field for field.
func TestRealTwins(t *testing.T) {
	twins, _ := filepath.Glob(filepath.Join(datasets, "sysmon-evtx", "*.json"))
	if len(twins) == 0 {
		t.Skip("real dataset sysmon-evtx not present (it lives in the shared datasets folder beside the repo)")
	}
	for _, tw := range twins {
		js, err := os.ReadFile(tw)
		if err != nil {
			t.Fatal(err)
		}
		want := parseTwin(t, js)
		recs := decodeAll(t, realFile(t, filepath.Join("sysmon-evtx", strings.TrimSuffix(filepath.Base(tw), ".json")+".evtx")))
		var got *winevent.Record
		for i := range recs {
			if recs[i].RecordID == want.recordID {
				got = &recs[i]
			}
		}
		if got == nil {
			t.Fatalf("%s: no record %d", tw, want.recordID)
		}
		if got.EventID != want.eventID || got.Computer != want.computer || got.Channel != want.channel ||
			got.Provider != want.provider || got.Time != want.time {
			t.Errorf("%s: system: got %d %q %q %q %v, want %+v", tw, got.EventID, got.Computer, got.Channel, got.Provider, got.Time, want)
		}
		if len(got.Data) != len(want.data) {
			t.Errorf("%s: %d EventData fields, want %d", tw, len(got.Data), len(want.data))
		}
		for i, f := range want.data {
			if i >= len(got.Data) || got.Data[i].Name != f.Name || !sameValue(got.Data[i].Value, f.Value) {
				t.Errorf("%s: field %d: got %+v, want %+v", tw, i, got.Data[min(i, len(got.Data)-1)], f)
			}
		}
	}
}

type twin struct {
	recordID                    int64
	eventID                     int
	computer, channel, provider string
	time                        event.Time
	data                        []winevent.Field
}

// parseTwin reads evtx_dump's JSON of one event, keeping EventData's order; numbers are kept
// as written.
func parseTwin(t *testing.T, js []byte) twin {
	t.Helper()
	var doc struct {
		Event struct {
			System struct {
				Provider struct {
					Attrs struct{ Name string } `json:"#attributes"`
				}
				EventID     int
				TimeCreated struct {
					Attrs struct{ SystemTime string } `json:"#attributes"`
				}
				EventRecordID     int64
				Channel, Computer string
			}
			EventData json.RawMessage
		}
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Event.System
	tm, err := time.Parse(time.RFC3339Nano, s.TimeCreated.Attrs.SystemTime)
	if err != nil {
		t.Fatal(err)
	}
	tw := twin{recordID: s.EventRecordID, eventID: s.EventID, computer: s.Computer, channel: s.Channel,
		provider: s.Provider.Attrs.Name, time: event.FromStd(tm)}
	dec := json.NewDecoder(bytes.NewReader(doc.Event.EventData))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // {
		t.Fatal(err)
	}
	for dec.More() {
		k, _ := dec.Token()
		v, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		tw.data = append(tw.data, winevent.Field{Name: k.(string), Value: fmt.Sprint(v)})
	}
	return tw
}

// sameValue compares a value the reader rendered with evtx_dump's: a GUID is {UPPER} here,
// bare there, and evtx_dump trims the white space around a value (the record has
// ParentCommandLine `"C:\Windows\system32\cmd.exe" `, with the space Windows logged).
func sameValue(got, want string) bool {
	if got == want || strings.TrimSpace(got) == want {
		return true
	}
	return len(got) == 38 && got[0] == '{' && got[37] == '}' && strings.EqualFold(got[1:37], want)
}

// DE_sysmon-3-rdp-tun: plink.exe tunnels RDP over SSH to 10.0.2.18 port 80.
func TestRealPlink(t *testing.T) {
	b := realFile(t, filepath.Join("sysmon-evtx", "sbousseaden__DE_sysmon-3-rdp-tun.evtx"))
	sink, st, err := readAll(t, "DE_sysmon-3-rdp-tun.evtx", bytes.NewReader(b))
	if err != nil || st.TotalSkipped() > 0 {
		t.Fatal(err, problems(st))
	}
	ops := map[event.HostOp]int{}
	var procs, tunnel, rdp []event.Host
	for _, h := range sink.hosts {
		ops[h.Op]++
		if !strings.HasSuffix(strings.ToLower(h.Proc.Image), `\plink.exe`) {
			continue
		}
		switch {
		case h.Op == event.OpProcess:
			procs = append(procs, h)
		case h.Op == event.OpConnect && h.Dst == netip.MustParseAddr("10.0.2.18") && h.DstPort == 80:
			tunnel = append(tunnel, h)
		case h.Op == event.OpConnect && h.DstPort == 3389:
			rdp = append(rdp, h)
		}
	}
	if ops[event.OpProcess] != 13 || ops[event.OpConnect] != 42 || st.Ignored["sysmon"] != 18 {
		t.Fatalf("ops %v ignored %v", ops, st.Ignored)
	}
	if len(procs) != 1 || len(tunnel) != 1 || len(rdp) != 2 {
		t.Fatalf("plink: %d processes, %d connections to 10.0.2.18:80, %d to 3389", len(procs), len(tunnel), len(rdp))
	}
	p := procs[0]
	if !strings.Contains(p.Proc.CommandLine, "-P 80") || !strings.Contains(p.Proc.CommandLine, "-R 127.0.0.3:4444:127.0.0.2:3389") ||
		p.Parent.Image != `C:\Windows\System32\cmd.exe` || p.Proc.PID != 2312 || p.Proc.User != `PC01\IEUser` || p.Computer != "PC01.example.corp" ||
		p.Ref.Line != 3 || p.TS.String() != "2019-02-16T10:02:21.934000Z" {
		t.Errorf("process %+v", p)
	}
	c := tunnel[0]
	if c.Src != netip.MustParseAddr("10.0.2.17") || c.SrcPort != 49185 || c.Initiated != 1 || c.Proto != "tcp" || c.DstHost != "PC02" ||
		c.Proc.PID != 2312 || c.Proc.GUID != p.Proc.GUID || c.Ref.Line != 4 {
		t.Errorf("connection %+v", c)
	}
	// the evidence of the connection reads back as its record
	texts, err := Records(bytes.NewReader(b), []uint32{3, 4})
	if err != nil || !strings.Contains(texts[4], `"DestinationIp":"10.0.2.18"`) || !strings.Contains(texts[4], `"EventRecordID":1940900`) ||
		!strings.Contains(texts[3], `-R 127.0.0.3:4444:127.0.0.2:3389`) {
		t.Fatalf("%v %v", err, texts)
	}
}

// librarySecurityLog is the Security.evtx the library ships as test data (17 chunks, 739
// events of 24 ids, UserData, 4688s), found through the module cache.
func librarySecurityLog(t *testing.T) []byte {
	t.Helper()
	b, err := readLibraryLog()
	if err != nil {
		t.Skipf("the evtx library's test log is not at hand: %v", err)
	}
	return b
}

func readLibraryLog() ([]byte, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "www.velocidex.com/golang/evtx").Output()
	if err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "testdata", "Security.evtx"))
}

func TestLibrarySecurityLog(t *testing.T) {
	b := librarySecurityLog(t)
	recs := decodeAll(t, b)
	ids := map[int]int{}
	for _, r := range recs {
		ids[r.EventID]++
	}
	if len(recs) != 739 || ids[4688] != 11 || ids[4624] != 197 || ids[1102] != 1 {
		t.Fatalf("%d records: %v", len(recs), ids)
	}
	for _, r := range recs {
		if r.EventID == 1102 { // log cleared: UserData/LogFileCleared
			if r.Get("SubjectUserName") != "test" || r.Get("SubjectLogonId") != "0x29936" || r.Channel != "Security" {
				t.Errorf("1102: %+v", r)
			}
		}
	}
	sink, st, err := readAll(t, "Security.evtx", bytes.NewReader(b))
	if err != nil || len(st.Problems) > 0 || st.Read["security"] != 11 || st.Ignored["security"] != 728 {
		t.Fatalf("%v %v %v %s", err, st.Read, st.Ignored, problems(st))
	}
	h := sink.hosts[9]
	if h.Op != event.OpProcess || h.Proc.Image != `C:\Windows\System32\services.exe` || h.Proc.PID != 676 || h.Parent.PID != 536 ||
		h.Parent.Image != `C:\Windows\System32\wininit.exe` || h.Ref.Line != 360 || h.TS.String() != "2019-02-08T05:37:15.367030Z" {
		t.Fatalf("%+v", h)
	}
}
