package winxml

import (
	"bytes"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// The three fixtures hold the same seven events: six host events and a Sysmon 5 (ignored).
var shapes = []struct {
	name  string
	lines []uint32 // where each host event starts
}{
	{"events.xml", []uint32{6, 49, 112, 139, 167, 202}},
	{"oneline.xml", []uint32{1, 2, 4, 5, 6, 7}},
	{"splunk_export.json", []uint32{2, 3, 5, 6, 7, 8}},
}

// The same events in the three shapes give the same host events.
func TestShapesAgree(t *testing.T) {
	want := readFixture(t, shapes[0].name)
	for _, sh := range shapes {
		got, st := readBytes(t, sh.name, fixture(t, sh.name))
		if st.TotalSkipped() != 0 {
			t.Fatalf("%s: %s", sh.name, problems(st))
		}
		if st.Read["sysmon"] != 5 || st.Read["security"] != 1 || st.Ignored["sysmon"] != 1 || len(st.Ignored) != 1 {
			t.Errorf("%s: read %v, ignored %v", sh.name, st.Read, st.Ignored)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d events, want %d", sh.name, len(got), len(want))
		}
		for i := range got {
			if a, b := content(got[i]), content(want[i]); a != b {
				t.Errorf("%s event %d differs:\n got  %s\n want %s", sh.name, i+1, a, b)
			}
		}
		if l := lines(got); !slices.Equal(l, sh.lines) {
			t.Errorf("%s: events at lines %v, want %v", sh.name, l, sh.lines)
		}
	}
}

func ts(s string) event.Time {
	var t event.Time
	if err := t.UnmarshalText([]byte(s)); err != nil {
		panic(err)
	}
	return t
}

// Every mapped field of the fixture's events.
func TestFieldMapping(t *testing.T) {
	got := readFixture(t, "events.xml")
	if len(got) != 6 {
		t.Fatalf("%d events", len(got))
	}
	const unset = event.Unset
	want := []event.Host{
		{Meta: event.Meta{TS: ts("2025-12-11T06:17:19.636Z")}, Op: event.OpProcess, Log: "sysmon", EventID: 1, Computer: "swachchhanda",
			Proc: event.Proc{PID: 6400, GUID: "0197231E-61EF-693A-C812-000000000800", Image: `C:\Windows\System32\curl.exe`,
				CommandLine: `curl.exe  -H "User-Agent: EvilAgent" http://example.com`, User: `swachchhanda\xodih`},
			Parent: event.Proc{PID: 3476, GUID: "0197231E-BDEA-6937-AB0C-000000000800", Image: `C:\Windows\System32\cmd.exe`,
				CommandLine: `"C:\WINDOWS\system32\cmd.exe"`, User: `swachchhanda\xodih`},
			CurrentDir: `C:\Users\xodih\Downloads\Sysmon\`, OriginalFileName: "curl.exe", Initiated: unset,
			Hashes: "MD5=DBB2D090D2098B2B995FA067FDEF839F,SHA256=8955D2A45404A59C2E3772F3C76AEEAE48AEDF100BE328C003D7A4DF5342B491,IMPHASH=213443B550A6683661EB0CF00CF04681"},
		{Meta: event.Meta{TS: ts("2020-07-22T04:00:48.097Z")}, Op: event.OpConnect, Log: "sysmon", EventID: 3, Computer: "WORKSTATION5.mordor.local",
			Flow: event.Flow{Src: netip.MustParseAddr("172.18.39.5"), SrcPort: 50783, Dst: netip.MustParseAddr("10.10.10.5"), DstPort: 80},
			Proc: event.Proc{PID: 9076, GUID: "B59756A9-B239-5F17-5307-000000000400",
				Image: `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, User: `MORDOR\pgustavo`},
			Parent: event.Proc{PID: unset}, Proto: "tcp", Initiated: 1},
		{Meta: event.Meta{TS: ts("2020-07-22T04:01:05.145Z")}, Op: event.OpFile, Log: "sysmon", EventID: 11, Computer: "WORKSTATION5.mordor.local",
			Proc:   event.Proc{PID: 6536, GUID: "B59756A9-B9B5-5F17-7307-000000000400", Image: `C:\windows\system32\notepad.exe`},
			Parent: event.Proc{PID: unset}, Initiated: unset,
			TargetFile: `C:\Users\pgustavo\AppData\Local\Temp\__PSScriptPolicyTest_1rfon1no.g1g.ps1`},
		{Meta: event.Meta{TS: ts("2020-07-22T04:01:23.006Z")}, Op: event.OpDNS, Log: "sysmon", EventID: 22, Computer: "WORKSTATION6.mordor.local",
			Proc:   event.Proc{PID: 4368, GUID: "03255E25-9975-5F14-5D00-000000000400", Image: `C:\Windows\System32\taskhostw.exe`},
			Parent: event.Proc{PID: unset}, Initiated: unset,
			Query: "settings-win.data.microsoft.com", QueryStatus: "0", QueryResults: "type:  5 settingsfd-geo.trafficmanager.net;::ffff:52.167.249.196;"},
		{Meta: event.Meta{TS: ts("2020-07-22T04:02:03.812527Z")}, Op: event.OpProcess, Log: "security", EventID: 4688, Computer: "MORDORDC.mordor.local",
			Proc:   event.Proc{PID: 0x147c, Image: `C:\Windows\System32\sppsvc.exe`, CommandLine: `C:\windows\system32\sppsvc.exe`, User: `MORDOR\MORDORDC$`},
			Parent: event.Proc{PID: 0x2b8, Image: `C:\Windows\System32\services.exe`}, Initiated: unset},
		{Meta: event.Meta{TS: ts("2025-10-22T20:25:23.215Z")}, Op: event.OpProcess, Log: "sysmon", EventID: 1, Computer: "ar-win-1",
			Proc: event.Proc{PID: 5312, GUID: "5AB40FD1-3DB3-68F9-0A31-000000003B02", Image: `C:\Users\Administrator\Downloads\testdata\renamed-ftp.exe`,
				CommandLine: `renamed-ftp.exe -s:"C:\Users\Administrator\Downloads\testdata\cmds & more.txt"`, User: `AR-WIN-1\Administrator`},
			Parent: event.Proc{PID: 476, GUID: "5AB40FD1-8DEB-68F7-7E01-000000003B02", Image: `C:\Windows\System32\cmd.exe`,
				CommandLine: `"C:\Windows\system32\cmd.exe"`, User: `AR-WIN-1\Administrator`},
			CurrentDir: `C:\Users\Administrator\Downloads\testdata\`, OriginalFileName: "ftp.exe", Initiated: unset,
			Hashes: "MD5=02EF5C4F3C041DE47811498C331B6F46,SHA256=B551CF05B43639364EFC71995E19DB620F5EFCE311110D0CF932354C3FE6ED7A,IMPHASH=7B22256667E90FDEA4DBB956FD02584C"},
	}
	for i := range want {
		w := want[i]
		w.Ref = got[i].Ref
		if a, b := content(got[i]), content(w); a != b {
			t.Errorf("event %d:\n got  %s\n want %s", i+1, a, b)
		}
	}
}

// decodeOne decodes the first event of text whole (whatever its id) and returns its record.
func decodeOne(t *testing.T, text string) *parser {
	t.Helper()
	st := source.NewStats()
	p := newParser(source.FileInfo{Name: "t.xml"}, st, event.NopSink{})
	p.all = true
	b := []byte(text)
	i := nextStart(b, 0)
	if i < 0 {
		t.Fatal("no event")
	}
	if _, msg := p.event(b, i, 1); msg != "" {
		t.Fatal(msg)
	}
	if msg := p.finish(); msg != "" {
		t.Fatal(msg)
	}
	return p
}

// The record as decoded: System, named and unnamed Data, UserData, references, CDATA,
// namespace prefixes, comments.
func TestRecordDecode(t *testing.T) {
	p := decodeOne(t, `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event' xmlns:e='http://schemas.microsoft.com/win/2004/08/events/event'
  ><e:System><e:Provider Name = "Service Control Manager" Guid="{555908d1-a6d7-4695-8e1e-26931d2012f4}" EventSourceName="Service Control Manager"/>
  <e:EventID Qualifiers="16384">7036</e:EventID><e:TimeCreated SystemTime="2024-02-29T23:59:59.1234567Z"/>
  <e:EventRecordID> 812 </e:EventRecordID><e:Channel>
  System
  </e:Channel><e:Computer>DC01.corp.example</e:Computer></e:System>
  <e:EventData><e:Data>Windows Update &amp; &lt;more&gt;</e:Data><!-- a comment --><e:Data>r&#x C;&#xE9;&#233;&#x1F600;<![CDATA[<raw & text>]]></e:Data>
  <e:Data Name='a&quot;b'/><e:Binary>7700750061007500</e:Binary></e:EventData></Event>`)
	r := &p.rec
	if r.Provider != "Service Control Manager" || r.EventID != 7036 || r.Channel != "System" || r.Computer != "DC01.corp.example" ||
		r.RecordID != 812 || r.Time != ts("2024-02-29T23:59:59.123456Z") {
		t.Errorf("system: %+v", r)
	}
	want := [][2]string{{"Data1", "Windows Update & <more>"}, {"Data2", "r&#x C;éé😀<raw & text>"}, {"a\"b", ""}}
	if len(r.Data) != len(want) {
		t.Fatalf("data %q", r.Data)
	}
	for i, w := range want {
		if r.Data[i].Name != w[0] || r.Data[i].Value != w[1] {
			t.Errorf("data %d: %q=%q, want %q=%q", i, r.Data[i].Name, r.Data[i].Value, w[0], w[1])
		}
	}

	p = decodeOne(t, `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Eventlog"/><EventID>1102</EventID><Channel>Security</Channel><Computer>DC01</Computer></System>`+
		`<UserData><LogFileCleared xmlns="http://manifests.microsoft.com/win/2004/08/windows/eventlog"><SubjectUserSid>S-1-5-21-1</SubjectUserSid><SubjectUserName>alice</SubjectUserName><Nested><Deep>x</Deep>y</Nested><Empty/></LogFileCleared><Second><Other>z</Other></Second></UserData></Event>`)
	want = [][2]string{{"SubjectUserSid", "S-1-5-21-1"}, {"SubjectUserName", "alice"}, {"Nested", "xy"}, {"Empty", ""}}
	if len(p.rec.Data) != len(want) {
		t.Fatalf("user data %q", p.rec.Data)
	}
	for i, w := range want {
		if p.rec.Data[i].Name != w[0] || p.rec.Data[i].Value != w[1] {
			t.Errorf("user data %d: %q=%q, want %q=%q", i, p.rec.Data[i].Name, p.rec.Data[i].Value, w[0], w[1])
		}
	}
	if p.rec.Time != 0 || p.rec.RecordID != 0 {
		t.Errorf("time %v, record id %d without them", p.rec.Time, p.rec.RecordID)
	}
}

// bad.xml: one event a line, most of them broken.
func TestBadInput(t *testing.T) {
	got, st := readBytes(t, "bad.xml", fixture(t, "bad.xml"))
	if l := lines(got); !slices.Equal(l, []uint32{1, 6, 10}) {
		t.Errorf("events at %v, want lines 1, 6, 10", l)
	}
	if got[0].Op != event.OpConnect || got[1].Op != event.OpFile || got[2].Op != event.OpDNS {
		t.Errorf("events %v %v %v", got[0].Op, got[1].Op, got[2].Op)
	}
	if st.Skipped[reasonBad] != 7 || st.Skipped["bad windows event"] != 1 || st.Ignored["security"] != 1 {
		t.Errorf("skipped %v ignored %v", st.Skipped, st.Ignored)
	}
	want := []string{
		`bad.xml:2: 30 bytes outside any <Event> element: "this line is junk \x00\x01\x02\xff\xfe binary"`,
		`bad.xml:3: end tag </Chanel> (line 3) does not match <Channel>`,
		`bad.xml:4: <Evt> is not a Windows <Event> element`,
		`bad.xml:5: event cut short: a new <Event> begins on line 6 before </Event>`,
		`bad.xml:7: EventID "three" is not a number`,
	}
	if len(st.Problems) != len(want) {
		t.Fatalf("problems:\n%s", problems(st))
	}
	for i, w := range want {
		if !strings.HasPrefix(st.Problems[i].String(), w) {
			t.Errorf("problem %d: %s\nwant %s...", i, st.Problems[i], w)
		}
	}
	// the rest, from the last lines alone
	rest := fixture(t, "bad.xml")
	for range 7 {
		rest = rest[bytes.IndexByte(rest, '\n')+1:]
	}
	_, st = readBytes(t, "bad.xml", rest)
	want = []string{
		`bad.xml:1: event 3: SourceIp: ParseAddr("172.18.39.500")`,
		`bad.xml:4: control character 0x01 in the text of <Data>`,
		`bad.xml:5: event cut short: the input ends before </Event>`,
	}
	if len(st.Problems) != len(want) {
		t.Fatalf("problems:\n%s", problems(st))
	}
	for i, w := range want {
		if !strings.HasPrefix(st.Problems[i].String(), w) {
			t.Errorf("problem %d: %s\nwant %s...", i, st.Problems[i], w)
		}
	}
}

const (
	sysmonStart = `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>22</EventID><TimeCreated SystemTime='2020-07-22T04:01:24.5208170Z'/><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>WS6</Computer></System><EventData>`
	goodData    = `<Data Name='UtcTime'>2020-07-22 04:01:23.006</Data><Data Name='ProcessId'>4368</Data><Data Name='QueryName'>example.com</Data>`
	good        = sysmonStart + goodData + `</EventData></Event>`
)

// Each kind of broken event, alone between two good ones: the message, the line, and both good
// events read.
func TestBadEvents(t *testing.T) {
	for _, c := range []struct{ event, msg string }{
		{sysmonStart + goodData + `</EventData></Evnt>`, `2: end tag </Evnt> (line 2) does not match <Event>`},
		{sysmonStart + `<Data Name='x'>a</Data></EventData>`, `2: event cut short: a new <Event> begins on line 3 before </Event>`},
		{sysmonStart + `<Data Name='x>a</Data></EventData></Event>`, `2: malformed tag <Data>: '<' in an attribute value (cut short?) (line 2)`},
		{sysmonStart + `<Data Name=x>a</Data></EventData></Event>`, `2: malformed tag <Data>: unquoted attribute value (line 2)`},
		{sysmonStart + `<Data Name='x'Foo='y'>a</Data></EventData></Event>`, `2: malformed tag <Data>: no space before an attribute (line 2)`},
		{sysmonStart + `<Data Name>a</Data></EventData></Event>`, `2: malformed tag <Data>: attribute "Name" without a value (line 2)`},
		{sysmonStart + `<Da"ta>a</Da"ta></EventData></Event>`, `2: malformed tag "<Da\"" (line 2)`},
		{sysmonStart + `<!DOCTYPE x></EventData></Event>`, `2: unexpected "<!DOCTYPE x>..." (line 2) inside an event`},
		{sysmonStart + "<Data Name='Image'>\xff\xfe</Data>" + goodData + `</EventData></Event>`, `2: invalid UTF-8 in the text of <Data>`},
		{strings.Replace(good, "2020-07-22T04:01:24.5208170Z", "yesterday", 1), `2: TimeCreated SystemTime "yesterday" is not a time`},
		{strings.Replace(good, "<EventID>22</EventID>", "", 1), `2: no <EventID> in <System>`},
		{`<Event><Foo/></Event>`, `2: no <System> element`},
		{`<Event/>`, `2: no <System> element`},
		{sysmonStart + strings.Repeat("<a>", 70) + strings.Repeat("</a>", 70) + `</EventData></Event>`, `2: elements nested more than 64 deep (line 2)`},
		{"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>\n<System>\n<Provider Name='x'>\n</Provider>\n</Sys>\n</Event>", `2: end tag </Sys> (line 6) does not match <System>`},
		{"<Foo><Bar/></Foo>", `2: <Foo> is not a Windows <Event> element (17 bytes skipped)`},
		{"\x00\x01\x02", `2: 3 bytes outside any <Event> element: "\x00\x01\x02"`},
		{"</Event>", `2: 8 bytes outside any <Event> element: "</Event>"`},
	} {
		text := good + "\n" + c.event + "\n" + good + "\n"
		got, st := readSmall(t, []byte(text), 1<<20, 1<<20)
		last := uint32(3 + strings.Count(c.event, "\n"))
		if l := lines(got); !slices.Equal(l, []uint32{1, last}) {
			t.Errorf("%s: events at %v, want 1 and %d\n%s", c.msg, l, last, problems(st))
		}
		if len(st.Problems) != 1 || st.Problems[0].String() != "small.xml:"+c.msg {
			t.Errorf("problems:\n%s\nwant small.xml:%s", problems(st), c.msg)
		}
	}
}

// The same events, every block size: blocks end only after </Event>.
func TestBlocks(t *testing.T) {
	for _, name := range []string{"events.xml", "oneline.xml", "bad.xml", "splunk_export.json"} {
		data := fixture(t, name)
		want, wst := readSmall(t, data, 1<<20, 1<<20)
		for _, size := range []int{1, 7, 64, 500, 1000, 4000} {
			got, st := readSmall(t, data, size, 1<<20)
			if len(got) != len(want) || st.TotalSkipped() != wst.TotalSkipped() || problems(st) != problems(wst) {
				t.Fatalf("%s in blocks of %d: %d events, %v skipped\n%s", name, size, len(got), st.Skipped, problems(st))
			}
			for i := range got {
				if content(got[i]) != content(want[i]) || got[i].Ref != want[i].Ref {
					t.Fatalf("%s in blocks of %d: event %d differs", name, size, i)
				}
			}
		}
	}
	var blocks [][]byte
	data := fixture(t, "events.xml")
	err := split(bytes.NewReader(data), 300, 1<<20, func(b []byte, _ uint32) (bool, error) {
		blocks = append(blocks, b)
		return true, nil
	}, func(uint32, string) { t.Fatal("long") })
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.Join(blocks, nil), data) || len(blocks) < 5 {
		t.Fatalf("%d blocks do not make up the file", len(blocks))
	}
	for _, b := range blocks[:len(blocks)-1] {
		if !bytes.HasSuffix(b, []byte("</Event>")) {
			t.Errorf("block ends %q", b[len(b)-20:])
		}
	}
}

// Events longer than the limit are skipped and reported, and reading goes on after them.
func TestLongEvents(t *testing.T) {
	big := sysmonStart + `<Data Name='CommandLine'>` + strings.Repeat("A", 5000) + `</Data>` + goodData + "</EventData>\n</Event>"
	for _, c := range []struct{ text, msg string }{
		{good + "\n" + big + "\n" + good + "\n", "small.xml:2: event of " + itoa(len(big)) + " bytes is longer than the 0 MiB limit; skipped"},
		{good + "\n" + big[:4500] + "\n" + good + "\n", "small.xml:2: event of 4501 bytes is longer than the 0 MiB limit; skipped"},
		{good + "\n" + strings.Repeat("junk ", 1000) + "\n" + good + "\n", "small.xml:2: 5002 bytes without an <Event> element; skipped"},
		{good + "\n" + big[:4500], "small.xml:2: event of more than 0 MiB (4500 bytes) not closed before the end of the input; skipped"},
	} {
		got, st := readSmall(t, []byte(c.text), 1024, 4096)
		want := []uint32{1, uint32(strings.Count(c.text, "\n"))} // the last line
		if strings.HasSuffix(c.msg, "end of the input; skipped") {
			want = want[:1]
		}
		if l := lines(got); !slices.Equal(l, want) {
			t.Errorf("%s: events at %v", c.msg, l)
		}
		if problems(st) != c.msg || st.Skipped[reasonLong] != 1 {
			t.Errorf("got %v\n%s\nwant %s", st.Skipped, problems(st), c.msg)
		}
	}
}

// One event longer than source.MaxLine, in a file and in a JSON line.
func TestMaxLine(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 2 x 17 MiB")
	}
	huge := strings.Repeat("x", source.MaxLine+1<<20)
	text := good + "\n" + sysmonStart + `<Data Name='CommandLine'>` + huge + `</Data>` + goodData + "</EventData></Event>\n" + good + "\n"
	got, st := readBytes(t, "huge.xml", []byte(text))
	if l := lines(got); !slices.Equal(l, []uint32{1, 3}) || st.Skipped[reasonLong] != 1 ||
		!strings.HasPrefix(problems(st), "huge.xml:2: event of 17826") {
		t.Errorf("events at %v\n%s", l, problems(st))
	}
	j := `{"_raw":"` + good + `"}` + "\n" + `{"_raw":"` + sysmonStart + huge + `"}` + "\n" + `{"_raw":"` + good + `"}` + "\n"
	got, st = readBytes(t, "huge.json", []byte(j))
	if l := lines(got); !slices.Equal(l, []uint32{1, 3}) || st.Skipped[reasonLong] != 1 || !strings.HasPrefix(problems(st), "huge.json:2: line of") {
		t.Errorf("events at %v\n%s", l, problems(st))
	}
}

// UTF-16, little- and big-endian, with or without a byte order mark, CRLF line ends.
func TestUTF16(t *testing.T) {
	for _, sh := range shapes[:2] {
		utf8 := fixture(t, sh.name)
		want, _ := readBytes(t, sh.name, utf8)
		crlf := bytes.ReplaceAll(utf8, []byte("\n"), []byte("\r\n"))
		for _, c := range []struct {
			be, bom bool
		}{{false, true}, {true, true}, {false, false}} {
			data := toUTF16(crlf, c.be, c.bom)
			if !Sniff(data[:min(len(data), source.SniffSize)], sh.name) {
				t.Fatalf("%s %+v: not sniffed", sh.name, c)
			}
			got, st := readBytes(t, sh.name, data)
			if st.TotalSkipped() != 0 || len(got) != len(want) {
				t.Fatalf("%s %+v: %d events\n%s", sh.name, c, len(got), problems(st))
			}
			for i := range got {
				if content(got[i]) != content(want[i]) || got[i].Ref != want[i].Ref {
					t.Errorf("%s %+v event %d differs", sh.name, c, i)
				}
			}
		}
	}
	// a surrogate pair, split across reads; an unpaired surrogate; a last odd byte
	in := toUTF16([]byte("a😀b"), false, false)
	in = append(in, 0x00, 0xD8, 'c', 0, 'd')
	out, err := readAllOneByte(in)
	if err != nil || out != "a😀b\uFFFDc\uFFFD" {
		t.Errorf("%q %v", out, err)
	}
}

// Sniff claims the shapes of the package and nothing else.
func TestSniff(t *testing.T) {
	yes := map[string]string{
		"declaration and root": `<?xml version="1.0" encoding="UTF-8"?>` + "\r\n<Events>\r\n<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>",
		"BOM, root, comment":   "\xef\xbb\xbf<Events><!-- x --><Event><System>",
		"empty root":           `<?xml version="1.0"?><Events></Events>`,
		"bare events":          "\n\n" + good + "\n" + good,
		"no namespace":         "<Event>\n  <System>\n",
		"cut in the tag":       `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event" Na`,
		"splunk export":        `{"preview":false,"init_offset":0,"messages":[]}` + "\n" + `{"preview":false,"offset":0,"result":{"_raw":"<Event xmlns='x'><System>","host":"h"}}`,
		"plain _raw":           `{"_time":"2020-07-22T04:00:48.097+00:00","_raw":"  <Event xmlns='x'>"}`,
		"escaped _raw":         `{"_raw":"\u003cEvent xmlns='x'>"}`,
		"cut JSON":             `{"result":{"_raw":"<Event xmlns='http://schemas.microsoft.com/win/2004/08/eve`,
	}
	for name, h := range yes {
		if !Sniff([]byte(h), "x") {
			t.Errorf("%s: not claimed: %q", name, h)
		}
	}
	for _, sh := range shapes {
		if !Sniff(fixture(t, sh.name), sh.name) {
			t.Errorf("%s not claimed", sh.name)
		}
	}
	no := map[string]string{
		"empty":           "",
		"white space":     " \n\t",
		"evtx":            "ElfFile\x00\x00\x00\x00\x00\x00\x00\x00",
		"zeek tsv":        "#separator \\x09\n#set_separator\t,\n",
		"zeek json":       `{"ts":1588207244.7,"uid":"CxT1","id.orig_h":"10.0.1.6"}`,
		"splunk stream":   `{"preview":false,"result":{"sourcetype":"stream:http","src_ip":"10.0.0.5","dest_ip":"10.0.0.6","http_method":"GET"}}`,
		"stream in _raw":  `{"sourcetype":"stream:http","_raw":"{\"src_ip\":\"10.0.0.1\"}"}`,
		"classic winlog":  `{"result":{"_raw":"07/22/2020 04:00:48 AM\nLogName=Security\nEventCode=4688","sourcetype":"WinEventLog"}}`,
		"squid":           "1588207244.712    120 10.0.1.6 TCP_MISS/200 1024 GET http://example.com/ - HIER_DIRECT/93.184.216.34 text/html\n",
		"winlogbeat":      `{"@timestamp":"2020-07-22T04:00:48.097Z","winlog":{"event_id":3,"channel":"Microsoft-Windows-Sysmon/Operational","event_data":{"Image":"x"}}}`,
		"helk":            `{"EventID":3,"Channel":"Microsoft-Windows-Sysmon/Operational","SourceName":"Microsoft-Windows-Sysmon","Hostname":"WS5","@timestamp":"2020-07-22T04:00:50.795Z"}`,
		"evtx_dump":       "{\n  \"Event\": {\n    \"#attributes\": {\n      \"xmlns\": \"http://schemas.microsoft.com/win/2004/08/events/event\"\n    },\n    \"System\": {",
		"evtx_dump line":  `{"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":{"Image":"x"}}}`,
		"auditd":          "type=SYSCALL msg=audit(1588207244.712:101): arch=c000003e syscall=59 success=yes\n",
		"other xml":       `<?xml version="1.0"?><rss version="2.0"><channel>`,
		"other root":      `<?xml version="1.0"?><Events><Item/></Events>`,
		"event elsewhere": `<Event><Name>party</Name></Event>`,
		"events elsewise": `<Events><Event><Name>party</Name></Event></Events>`,
		"text":            "Event log of 2020-07-22\n<Event>",
		"clixml":          `<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><Obj RefId="0">`,
	}
	for name, h := range no {
		if Sniff([]byte(h), "x") {
			t.Errorf("%s: claimed: %q", name, h)
		}
	}
}

// Plain JSON lines with _raw, other sourcetypes and bad JSON in an export.
func TestJSONLines(t *testing.T) {
	one := strings.SplitN(string(fixture(t, "oneline.xml")), "\n", 3)
	raw := func(s string) string {
		b, _ := jsonMarshal(s)
		return b
	}
	text := `{"_time":"2025-12-11T06:17:19.772+00:00","_raw":` + raw(one[0]) + `}` + "\n" +
		`{"preview":false,"offset":1,"result":{"_raw":"07/22/2020 LogName=Security","sourcetype":"WinEventLog"}}` + "\n" +
		`{"preview":false,"offset":2,"result":{"host":"x"}}` + "\n" +
		`{"preview":false,"offset":3,"result":{"_raw":"<Event><System><EventID>1` + "\n" +
		"\n" +
		`{"preview":false,"lastrow":true}` + "\n" +
		`{"_raw":` + raw(one[1]+" trailing") + `}` + "\n" +
		`{"_raw":` + raw(one[1][:300]) + `}` + "\n"
	got, st := readBytes(t, "export.json", []byte(text))
	if l := lines(got); !slices.Equal(l, []uint32{1, 7}) || got[0].EventID != 1 || got[1].EventID != 3 {
		t.Errorf("events at %v", l)
	}
	want := []string{
		`export.json:2: _raw does not start with an <Event> element: "07/22/2020 LogName=Security"`,
		`export.json:3: no _raw holding an <Event> element`,
		`export.json:4: invalid JSON at byte 72: line ends inside a string (cut short?)`,
		`export.json:7: 8 bytes outside any <Event> element: "trailing"`,
		`export.json:8: event cut short: _raw ends before </Event>`,
	}
	if got := problems(st); got != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
}

// Records gives back each event's text at its position.
func TestRecords(t *testing.T) {
	for _, sh := range shapes {
		data := fixture(t, sh.name)
		got, _ := readBytes(t, sh.name, data)
		pos := append(lines(got), 9999)
		recs, err := Records(bytes.NewReader(data), pos)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != len(got) {
			t.Fatalf("%s: %d records for %d events", sh.name, len(recs), len(got))
		}
		for _, e := range got {
			r := recs[e.Ref.Line]
			if strings.ContainsAny(r, "\r\n") || !strings.Contains(r, "<Computer>"+e.Computer+"</Computer>") ||
				!strings.Contains(r, "<EventID>"+itoa(int(e.EventID))+"</EventID>") {
				t.Errorf("%s:%d: %q", sh.name, e.Ref.Line, r)
			}
			if sh.name == "oneline.xml" && r != string(bytes.Split(data, []byte("\n"))[e.Ref.Line-1]) {
				t.Errorf("%s:%d: %q is not the line", sh.name, e.Ref.Line, r)
			}
			if sh.name == "splunk_export.json" && !strings.HasPrefix(r, `{"preview":false,"offset":`) {
				t.Errorf("%s:%d: %q is not the line", sh.name, e.Ref.Line, r)
			}
		}
		if r := recs[6]; sh.name == "events.xml" && (!strings.HasPrefix(r, `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"> <System> <Provider`) ||
			!strings.HasSuffix(r, `<Data Name="ParentUser">swachchhanda\xodih</Data> </EventData> </Event>`)) {
			t.Errorf("events.xml:6: %q", r)
		}
		// UTF-16 reads back the same
		if sh.name != "splunk_export.json" {
			r16, err := Records(bytes.NewReader(toUTF16(data, false, true)), pos)
			if err != nil || len(r16) != len(recs) || r16[pos[0]] != recs[pos[0]] {
				t.Errorf("%s in UTF-16: %d records %v", sh.name, len(r16), err)
			}
		}
	}
	// two events on a line share it; a cut event gives what there is
	text := good + good + "\n" + sysmonStart + "\n"
	recs, err := Records(strings.NewReader(text), []uint32{1, 2})
	if err != nil || recs[1] != "(2 events on this line) "+good+" "+good || recs[2] != sysmonStart {
		t.Errorf("%v %v", recs, err)
	}
}

// With no detection reading host events, every event is counted, none mapped.
func TestSkipHost(t *testing.T) {
	got, st, err := readInput(t, source.FileInput("testdata/events.xml", -1), event.KindSet(0).With(event.KindHost))
	if err != nil || len(got) != 0 || st.Ignored["sysmon"] != 6 || st.Ignored["security"] != 1 || len(st.Read) != 0 {
		t.Errorf("%d events, read %v, ignored %v, %v", len(got), st.Read, st.Ignored, err)
	}
}
