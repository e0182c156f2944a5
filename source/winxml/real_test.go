package winxml

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source/winevent"
)

// There is no real XML export among the shared datasets: these tests write real events (the
// evtx_dump JSON of the sigma samples, the HELK records of the OTRF Empire dataset) as the XML
// Windows would render, read it back, and compare with what winevent maps from the same values.

func skipWithout(t testing.TB, p string) {
	t.Helper()
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real dataset %s not present (it lives in the shared datasets folder beside the repository): %v", p, err)
	}
}

// member is one JSON object member, in the object's order.
type member struct {
	key string
	val any // string, json.Number, nil, []member (object) or []any
}

// decodeOrdered reads one JSON value keeping the order of object members.
func decodeOrdered(d *json.Decoder) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			var obj []member
			for d.More() {
				k, err := d.Token()
				if err != nil {
					return nil, err
				}
				val, err := decodeOrdered(d)
				if err != nil {
					return nil, err
				}
				obj = append(obj, member{k.(string), val})
			}
			_, err := d.Token()
			return obj, err
		case '[':
			var arr []any
			for d.More() {
				val, err := decodeOrdered(d)
				if err != nil {
					return nil, err
				}
				arr = append(arr, val)
			}
			_, err := d.Token()
			return arr, err
		}
	case json.Number:
		return v, nil
	case string:
		return v, nil
	case bool:
		return fmt.Sprint(v), nil
	}
	return nil, nil
}

func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // also writes \n, \r and \t as character references
	return b.String()
}

// writeElement writes an evtx_dump JSON value as XML: "#attributes" become attributes, null an
// empty element, and EventData's members <Data Name=...> elements.
func writeElement(b *strings.Builder, name string, v any) {
	obj, ok := v.([]member)
	if !ok {
		if v == nil {
			fmt.Fprintf(b, "<%s/>", name)
			return
		}
		fmt.Fprintf(b, "<%s>%s</%s>", name, escape(text(v)), name)
		return
	}
	b.WriteString("<" + name)
	for _, m := range obj {
		if m.key == "#attributes" {
			for _, a := range m.val.([]member) {
				fmt.Fprintf(b, " %s='%s'", a.key, escape(text(a.val)))
			}
		}
	}
	b.WriteString(">")
	for _, m := range obj {
		switch {
		case m.key == "#attributes":
		case name == "EventData":
			fmt.Fprintf(b, "<Data Name='%s'>%s</Data>", m.key, escape(text(m.val)))
		default:
			writeElement(b, m.key, m.val)
		}
	}
	b.WriteString("</" + name + ">")
}

func field(obj []member, path ...string) any {
	var v any = obj
	for _, k := range path {
		o, _ := v.([]member)
		v = nil
		for _, m := range o {
			if m.key == k {
				v = m.val
			}
		}
	}
	return v
}

// The sigma samples' events (evtx_dump JSON) written as XML read as winevent maps the JSON.
func TestRealSigmaSamples(t *testing.T) {
	dir := filepath.Join(datasets, "sysmon-evtx")
	skipWithout(t, dir)
	names, _ := filepath.Glob(filepath.Join(dir, "sigma__*.json"))
	if len(names) == 0 {
		t.Skip("no sigma samples")
	}
	for _, name := range names {
		xmlText, rec := sigmaEvent(t, name)
		var want event.Host
		if err := winevent.Map(rec, event.Ref{Line: 1}, &want); err != nil {
			t.Fatal(err)
		}
		got, st := readBytes(t, name, []byte(xmlText))
		if len(got) != 1 || st.TotalSkipped() != 0 {
			t.Fatalf("%s: %d events\n%s", name, len(got), problems(st))
		}
		if a, b := content(got[0]), content(want); a != b {
			t.Errorf("%s:\n got  %s\n want %s", name, a, b)
		}
		if got[0].Op != event.OpProcess || !strings.Contains(got[0].Proc.CommandLine, "curl") && got[0].OriginalFileName != "ftp.exe" {
			t.Errorf("%s: %+v", name, got[0])
		}
	}
}

// sigmaEvent returns an evtx_dump JSON file's event as one line of XML, and its record.
func sigmaEvent(t testing.TB, name string) (string, *winevent.Record) {
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	v, err := decodeOrdered(d)
	if err != nil {
		t.Fatal(err)
	}
	ev := field(v.([]member), "Event").([]member)
	var sb strings.Builder
	writeElement(&sb, "Event", ev)
	tm, err := time.Parse(time.RFC3339Nano, text(field(ev, "System", "TimeCreated", "#attributes", "SystemTime")))
	if err != nil {
		t.Fatal(err)
	}
	rec := &winevent.Record{Provider: text(field(ev, "System", "Provider", "#attributes", "Name")), Channel: text(field(ev, "System", "Channel")),
		Computer: text(field(ev, "System", "Computer")), Time: event.FromStd(tm)}
	fmt.Sscan(text(field(ev, "System", "EventID")), &rec.EventID)
	for _, m := range field(ev, "EventData").([]member) {
		rec.Data = append(rec.Data, winevent.Field{Name: m.key, Value: text(m.val)})
	}
	return sb.String() + "\n", rec
}

// helkMeta are the keys nxlog and HELK add to a record: the rest is its EventData.
var helkMeta = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`Task EventReceivedTime port SeverityValue Keywords @version SourceModuleType tags SourceName
		Channel SourceModuleName Message @timestamp Hostname host ExecutionProcessID EventType EventTime Severity EventID ThreadID
		RecordNumber ProviderGuid Version OpcodeValue Opcode Category Domain UserID AccountType AccountName`) {
		helkMeta[k] = true
	}
}

// The 12,200 events of the OTRF Empire DLL-injection dataset (HELK JSON), written as an XML
// export: every event reads as winevent maps the same values, and the Empire C2 (51 Sysmon 3
// connections of powershell.exe to 10.10.10.5:80) is there.
func TestRealEmpireDataset(t *testing.T) {
	p := filepath.Join(datasets, "otrf-host-cloud", "empire_dllinjection_LoadLibrary_CreateRemoteThread.zip")
	skipWithout(t, p)
	doc, recs := empireXML(t, p, 0)
	var want []event.Host
	for i, r := range recs {
		var e event.Host
		if err := winevent.Map(r, event.Ref{Line: uint32(i + 3)}, &e); err == nil {
			want = append(want, e)
		} else if err != winevent.ErrNotWanted {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	got, st := readBytes(t, "empire.xml", doc)
	if st.TotalSkipped() != 0 {
		t.Fatalf("%v\n%s", st.Skipped, problems(st))
	}
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i := range got {
		if a, b := content(got[i]), content(want[i]); a != b || got[i].Ref != want[i].Ref {
			t.Fatalf("event %d (line %d):\n got  %s\n want %s", i, got[i].Ref.Line, a, b)
		}
	}
	var total int64
	for _, n := range st.Read {
		total += n
	}
	for _, n := range st.Ignored {
		total += n
	}
	c2 := 0
	for _, e := range got {
		if e.Op == event.OpConnect && e.Dst == netip.MustParseAddr("10.10.10.5") && e.DstPort == 80 && strings.HasSuffix(e.Proc.Image, `\powershell.exe`) {
			c2++
		}
	}
	if total != 12200 || c2 != 51 {
		t.Errorf("%d events counted (read %v, ignored %v), %d C2 connections; want 12200 and 51", total, st.Read, st.Ignored, c2)
	}
	t.Logf("read %v, ignored %v", st.Read, st.Ignored)
}

// empireXML writes the dataset's records (the first n; all when n is 0) as an <Events>
// document, one event a line from line 3, and returns them as records too.
func empireXML(t testing.TB, p string, n int) ([]byte, []*winevent.Record) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != 1 {
		t.Fatalf("%d files in %s", len(zr.File), p)
	}
	f, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	out.WriteString("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Events>\n")
	var recs []*winevent.Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() && (n == 0 || len(recs) < n) {
		d := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		d.UseNumber()
		v, err := decodeOrdered(d)
		if err != nil {
			t.Fatal(err)
		}
		obj := v.([]member)
		tm, err := time.Parse(time.RFC3339Nano, text(field(obj, "@timestamp")))
		if err != nil {
			t.Fatal(err)
		}
		r := &winevent.Record{Provider: text(field(obj, "SourceName")), Channel: text(field(obj, "Channel")),
			Computer: text(field(obj, "Hostname")), Time: event.FromStd(tm)}
		fmt.Sscan(text(field(obj, "EventID")), &r.EventID)
		fmt.Fprintf(&out, "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='%s' Guid='%s'/>"+
			"<EventID>%d</EventID><Version>%s</Version><Task>%s</Task><Keywords>%s</Keywords><TimeCreated SystemTime='%s'/>"+
			"<EventRecordID>%s</EventRecordID><Correlation/><Execution ProcessID='%s' ThreadID='%s'/><Channel>%s</Channel>"+
			"<Computer>%s</Computer><Security UserID='%s'/></System><EventData>",
			escape(r.Provider), text(field(obj, "ProviderGuid")), r.EventID, text(field(obj, "Version")), text(field(obj, "Task")),
			text(field(obj, "Keywords")), tm.Format("2006-01-02T15:04:05.0000000Z"), text(field(obj, "RecordNumber")),
			text(field(obj, "ExecutionProcessID")), text(field(obj, "ThreadID")), escape(r.Channel), escape(r.Computer), text(field(obj, "UserID")))
		for _, m := range obj {
			if helkMeta[m.key] {
				continue
			}
			r.Data = append(r.Data, winevent.Field{Name: m.key, Value: text(m.val)})
			fmt.Fprintf(&out, "<Data Name='%s'>%s</Data>", m.key, escape(text(m.val)))
		}
		out.WriteString("</EventData></Event>\n")
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	out.WriteString("</Events>\n")
	return out.Bytes(), recs
}
