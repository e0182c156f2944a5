package evtx

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

func sample() []byte {
	return buildEVTX(
		[]ev{sysmonProcess(101, `C:\Tools\plink.exe`, `plink.exe -P 80 -R 127.0.0.3:4444:127.0.0.2:3389 10.0.2.18`),
			sysmonConnect(102, `C:\Tools\plink.exe`, "10.0.2.18", 80), otherEvent(103), sysmonConnect(104, `C:\Tools\plink.exe`, "10.0.2.18", 80)},
		[]ev{security4688(105), sysmonConnect(106, `C:\Windows\explorer.exe`, "192.0.2.7", 443)},
	)
}

func problems(st *source.Stats) string {
	var s []string
	for _, p := range st.Problems {
		s = append(s, p.String())
	}
	return strings.Join(s, "\n")
}

func TestSniff(t *testing.T) {
	if !Sniff(sample()[:source.SniffSize], "Security.evtx") || !Sniff([]byte(fileMagic), "x") {
		t.Fatal("EVTX not claimed")
	}
	for _, head := range []string{
		"#separator \\x09\n#set_separator\t,\n#path\tconn\n",
		`{"ts":1588207244.7,"uid":"C1","id.orig_h":"10.0.1.6"}`,
		`{"timestamp":"2021-04-21T18:12:31Z","src_ip":"10.0.0.5","dest_ip":"10.0.0.6","http_method":"GET"}`,
		"1588207244.723    123 10.0.0.5 TCP_MISS/200 512 GET http://example.com/ - HIER_DIRECT/93.184.216.34 text/html",
		`<Events><Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>`,
		`{"winlog":{"event_id":3,"channel":"Microsoft-Windows-Sysmon/Operational"}}`,
		`{"Event":{"System":{"EventID":1}}}`,
		"type=SYSCALL msg=audit(1364481363.243:24287): arch=c000003e syscall=2",
		"ElfChnk\x00", "ElfFile", "",
	} {
		if Sniff([]byte(head), "Security.evtx") {
			t.Errorf("claimed %q", head)
		}
	}
}

func TestReadSample(t *testing.T) {
	sink, st, err := readAll(t, "sample.evtx", bytes.NewReader(sample()))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Problems) > 0 || st.TotalSkipped() > 0 {
		t.Fatalf("problems: %s %v", problems(st), st.Skipped)
	}
	if st.Read["sysmon"] != 4 || st.Read["security"] != 1 || st.Ignored["sysmon"] != 1 {
		t.Fatalf("read %v ignored %v", st.Read, st.Ignored)
	}
	if len(sink.hosts) != 5 {
		t.Fatalf("%d host events", len(sink.hosts))
	}
	// positions: the ordinal of the record in the file, on across chunks
	var lines []uint32
	for _, h := range sink.hosts {
		lines = append(lines, h.Ref.Line)
	}
	if fmt.Sprint(lines) != "[1 2 4 5 6]" {
		t.Fatalf("positions %v", lines)
	}
	p := sink.hosts[0]
	if p.Op != event.OpProcess || p.EventID != 1 || p.Proc.PID != 5312 || p.Proc.GUID != "5AB40FD1-3DB3-68F9-0A31-000000003B02" ||
		!strings.HasPrefix(p.Proc.CommandLine, "plink.exe -P 80") || p.Parent.PID != 476 || p.Computer != "ws1.corp.example" ||
		p.TS.String() != "2024-03-01T12:01:41.123000Z" {
		t.Fatalf("process %+v", p)
	}
	c := sink.hosts[1]
	if c.Op != event.OpConnect || c.Src != netip.MustParseAddr("10.0.2.15") || c.SrcPort != 49812 || c.Dst != netip.MustParseAddr("10.0.2.18") ||
		c.DstPort != 80 || c.Initiated != 1 || c.Proto != "tcp" || c.DstHost != "" {
		t.Fatalf("connect %+v", c)
	}
	s := sink.hosts[3]
	if s.Log != "security" || s.EventID != 4688 || s.Proc.PID != 0x147c || s.Parent.PID != 0x2b8 || s.Proc.User != `CORP\bob` ||
		s.TS.String() != "2024-03-01T12:01:45.123456Z" || s.Ref.Line != 5 {
		t.Fatalf("4688 %+v", s)
	}
}

func TestRecordsSample(t *testing.T) {
	recs, err := Records(bytes.NewReader(sample()), []uint32{1, 3, 5, 6, 7, 99})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 {
		t.Fatalf("%d records: %v", len(recs), recs)
	}
	var e struct {
		Event struct {
			System struct {
				EventID       json.RawMessage
				EventRecordID int64
				TimeCreated   struct{ SystemTime string }
				Provider      struct{ Name string }
			}
			EventData map[string]string
		}
	}
	if err := json.Unmarshal([]byte(recs[1]), &e); err != nil {
		t.Fatalf("%v: %s", err, recs[1])
	}
	d := e.Event.EventData
	if string(e.Event.System.EventID) != "1" || e.Event.System.EventRecordID != 101 || e.Event.System.TimeCreated.SystemTime != "2024-03-01T12:01:41.1234567Z" ||
		d["ProcessGuid"] != "{5AB40FD1-3DB3-68F9-0A31-000000003B02}" || d["LogonId"] != "0x3144c" || d["ProcessId"] != "5312" ||
		d["TerminalSessionId"] != "1" {
		t.Fatalf("%+v\n%s", e, recs[1])
	}
	if err := json.Unmarshal([]byte(recs[5]), &e); err != nil {
		t.Fatal(err)
	}
	if d := e.Event.EventData; d["SubjectUserSid"] != "S-1-5-18" || d["NewProcessId"] != "0x147c" || e.Event.System.Provider.Name != "Microsoft-Windows-Security-Auditing" {
		t.Fatalf("%s", recs[5])
	}
	if !strings.Contains(recs[3], `"EventID":5`) || !strings.Contains(recs[6], `"Initiated":"true"`) || strings.ContainsRune(recs[6], '\n') {
		t.Fatalf("%s\n%s", recs[3], recs[6])
	}
}

// The file is cut: in its header, in a chunk header, in a record, between records.
func TestCut(t *testing.T) {
	full := sample()
	for _, n := range []int{0, 10, 4095} {
		_, _, err := readAll(t, "cut.evtx", bytes.NewReader(full[:n]))
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("offset %d", n)) {
			t.Errorf("cut at %d: %v", n, err)
		}
	}
	// header only: nothing to read, nothing wrong
	if sink, st, err := readAll(t, "cut.evtx", bytes.NewReader(full[:4096])); err != nil || len(sink.hosts) > 0 || len(st.Problems) > 0 {
		t.Fatalf("header only: %v %v", err, problems(st))
	}
	second := headerBlockSize + chunkSize
	// in the second chunk's header: the first chunk is whole, the second lost (2 records)
	sink, st, err := readAll(t, "cut.evtx", bytes.NewReader(full[:second+100]))
	if err != nil || len(sink.hosts) != 3 || st.Skipped[reasonChunk] != 2 ||
		!strings.Contains(problems(st), fmt.Sprintf("cut.evtx: offset %d: evtx chunk: file cut short 100 bytes into the chunk header: 2 record(s) lost", second)) {
		t.Fatalf("%v %d %v %s", err, len(sink.hosts), st.Skipped, problems(st))
	}
	// in the second chunk's second record: its first record is read
	recs := recordOffsets(full[second:])
	sink, st, err = readAll(t, "cut.evtx", bytes.NewReader(full[:second+recs[1]+30]))
	if err != nil || len(sink.hosts) != 4 || st.Skipped[reasonChunk] != 1 || sink.hosts[3].Ref.Line != 5 ||
		!strings.Contains(problems(st), "file cut short") {
		t.Fatalf("%v %d %v %s", err, len(sink.hosts), st.Skipped, problems(st))
	}
	// the Records hook agrees on positions
	texts, err := Records(bytes.NewReader(full[:second+recs[1]+30]), []uint32{5, 6})
	if err != nil || len(texts) != 1 || !strings.Contains(texts[5], `"EventID":4688`) {
		t.Fatalf("%v %v", err, texts)
	}
}

// recordOffsets lists the chunk offsets of the records of a chunk.
func recordOffsets(chunk []byte) []int {
	offs, _, _ := frames(chunk, chunkSize, chunkSize)
	return offs
}

func TestBadChunk(t *testing.T) {
	b := sample()
	copy(b[headerBlockSize:], "JunkJunk") // the first chunk's magic
	sink, st, err := readAll(t, "bad.evtx", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	// the first chunk is skipped (its 4 records counted), the second read; its records are
	// then the file's first
	if len(sink.hosts) != 2 || st.Skipped[reasonChunk] != 4 || sink.hosts[0].Ref.Line != 1 || sink.hosts[0].EventID != 4688 ||
		!strings.Contains(problems(st), "bad.evtx: offset 4096: evtx chunk: bad chunk magic: 4 record(s) lost") {
		t.Fatalf("%d %v %s", len(sink.hosts), st.Skipped, problems(st))
	}
}

func TestChecksumMismatch(t *testing.T) {
	b := sample()
	// change a letter of a value in the first chunk: the records checksum fails, the records
	// are read all the same
	i := bytes.Index(b, utf16Bytes(`C:\Tools\plink.exe`))
	b[i] = 'D'
	sink, st, err := readAll(t, "sum.evtx", bytes.NewReader(b))
	if err != nil || len(sink.hosts) != 5 || sink.hosts[0].Proc.Image != `D:\Tools\plink.exe` ||
		!strings.Contains(problems(st), "sum.evtx: offset 4096: evtx chunk: chunk records checksum mismatch") || st.TotalSkipped() != 0 {
		t.Fatalf("%v %d %s", err, len(sink.hosts), problems(st))
	}
	// a bad header checksum: past the free space is not read, the rest is
	b = sample()
	b[headerBlockSize+100] ^= 1
	sink, st, err = readAll(t, "sum.evtx", bytes.NewReader(b))
	if err != nil || len(sink.hosts) != 5 || !strings.Contains(problems(st), "chunk header checksum mismatch") {
		t.Fatalf("%v %d %s", err, len(sink.hosts), problems(st))
	}
	// a bad file header checksum
	b = sample()
	b[100] = 1
	if _, st, err := readAll(t, "sum.evtx", bytes.NewReader(b)); err != nil || !strings.Contains(problems(st), "file header checksum mismatch") {
		t.Fatalf("%v %s", err, problems(st))
	}
}

func TestBrokenRecord(t *testing.T) {
	b := sample()
	offs := recordOffsets(b[headerBlockSize:])
	// the second record's size copy is wrong: it and the records after it in the chunk are lost
	rec := headerBlockSize + offs[1]
	size := int(binary.LittleEndian.Uint32(b[rec+4:]))
	binary.LittleEndian.PutUint32(b[rec+size-4:], 7)
	sink, st, err := readAll(t, "broken.evtx", bytes.NewReader(b))
	if err != nil || len(sink.hosts) != 3 || st.Skipped[reasonChunk] != 3 ||
		!strings.Contains(problems(st), "record size copy differs from its size at chunk offset") {
		t.Fatalf("%v %d %v %s", err, len(sink.hosts), st.Skipped, problems(st))
	}
	// a record whose BinXml is junk is skipped, and so is the fourth, whose template it defined
	b = sample()
	for i := rec + recordHeaderSize; i < rec+size-4; i++ {
		b[i] = byte(i * 7)
	}
	sink, st, err = readAll(t, "broken.evtx", bytes.NewReader(b))
	if err != nil || len(sink.hosts) != 3 || st.Skipped[reasonRecord] != 2 || !strings.Contains(problems(st), "broken.evtx:2: record at offset 7140: no event in the record") ||
		!strings.Contains(problems(st), "broken.evtx:4: record at offset 10972: template reference the decoder cannot follow") {
		t.Fatalf("%v %d %v %s", err, len(sink.hosts), st.Skipped, problems(st))
	}
}

// Records whose templates would make the library allocate or work without bound are refused.
func TestGuard(t *testing.T) {
	b := sample()
	offs := recordOffsets(b[headerBlockSize:])
	// the first record defines its template inline: make its value count huge
	rec := headerBlockSize + offs[0]
	bodyLen := int(binary.LittleEndian.Uint32(b[rec+recordHeaderSize+4+10+4+16:]))
	count := rec + recordHeaderSize + 4 + 10 + 4 + 16 + 4 + bodyLen
	binary.LittleEndian.PutUint32(b[count:], 0xffffffff)
	sink, st, err := readAll(t, "guard.evtx", bytes.NewReader(b))
	if err != nil || st.Skipped[reasonRecord] == 0 || !strings.Contains(problems(st), "guard.evtx:1: record at offset") {
		t.Fatalf("%v %v %s", err, st.Skipped, problems(st))
	}
	// the first record's template is gone with it: the second's reference is refused too,
	// the third defines its own (another shape) and is read
	if len(sink.hosts) == 0 || sink.hosts[0].Ref.Line < 2 {
		t.Fatalf("%+v", sink.hosts)
	}
}

// A value table that runs over the next record's header would have the guard rewrite the
// record framing the library follows: the record is refused instead.
func TestGuardFraming(t *testing.T) {
	b := sample()
	offs := recordOffsets(b[headerBlockSize:])
	rec := headerBlockSize + offs[1]
	bodyLen := int(binary.LittleEndian.Uint32(b[rec+recordHeaderSize+4+10+4+16:]))
	count := rec + recordHeaderSize + 4 + 10 + 4 + 16 + 4 + bodyLen
	binary.LittleEndian.PutUint32(b[count:], 2000)
	sink, st, err := readAll(t, "framing.evtx", bytes.NewReader(b))
	if err != nil || !strings.Contains(problems(st), "framing.evtx:2: record at offset 7140: value type inside a record's framing") {
		t.Fatalf("%v %v %s", err, st.Skipped, problems(st))
	}
	// the third record is read (as ignored), the first and the second chunk's too
	if len(sink.hosts) != 3 || st.Ignored["sysmon"] != 1 {
		t.Fatalf("%d %v %s", len(sink.hosts), st.Ignored, problems(st))
	}
}

// A record of nested BinXml values that refer to each other over and over: the library's work
// would double at each level; the guard refuses it at once.
func TestGuardNesting(t *testing.T) {
	b := sample()
	chunk := b[headerBlockSize : headerBlockSize+chunkSize]
	offs := recordOffsets(chunk)
	// write, over the first record's BinXml, a chain of template instances whose two values
	// are BinXml that start with the next instance
	w := &bx{b: chunk[:offs[0]+recordHeaderSize]}
	w.b = append(w.b, 0x0f, 0x01, 0x01, 0x00)
	end := offs[1] - 8
	first := true
	for len(w.b)+40 < end {
		w.u8(0x0c)
		w.u8(0x01)
		w.u32(0x77)
		if first {
			w.u32(uint32(len(w.b) + 4))
			w.u32(0)
			w.u32(0x77)
			w.b = append(w.b, make([]byte, 12)...)
			w.u32(1)
			w.u8(0x00) // an empty template
			first = false
		} else {
			w.u32(0x1234)
		}
		w.u32(2)
		w.u16(0)
		w.u8(tBinXML)
		w.u8(0)
		w.u16(0)
		w.u8(tBinXML)
		w.u8(0)
	}
	for len(w.b) < offs[1]-4 {
		w.u8(0)
	}
	fixChunkChecksum(chunk)
	sink, st, err := readAll(t, "nest.evtx", bytes.NewReader(b))
	if err != nil || st.Skipped[reasonRecord] != 1 || !strings.Contains(problems(st), "nest.evtx:1: record at offset 4608: record too costly to decode") ||
		len(sink.hosts) != 4 {
		t.Fatalf("%v %v %d %s", err, st.Skipped, len(sink.hosts), problems(st))
	}
}

func TestJunk(t *testing.T) {
	b := append([]byte(fileMagic), bytes.Repeat([]byte("junk\x00\xff"), 30000)...)
	_, st, err := readAll(t, "junk.evtx", bytes.NewReader(b))
	if err != nil || st.Skipped[reasonChunk] == 0 || !strings.Contains(problems(st), "junk.evtx: offset 4096: evtx chunk: bad chunk magic") {
		t.Fatalf("%v %v %s", err, st.Skipped, problems(st))
	}
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Read(ctx, bytes.NewReader(sample()), source.FileInfo{Name: "x"}, source.NewStats(), func(source.Job) error { return nil })
	if err == nil {
		t.Fatal("not canceled")
	}
}

// Jobs run on several workers at once give what one worker gives.
func TestParallelJobs(t *testing.T) {
	var chunks [][]ev
	rec := uint64(1)
	for range 8 {
		var c []ev
		for range 20 {
			c = append(c, sysmonConnect(rec, `C:\Tools\plink.exe`, "10.0.2.18", 80), sysmonProcess(rec+1, `C:\x.exe`, "x"), security4688(rec+2))
			rec += 3
		}
		chunks = append(chunks, c)
	}
	data := buildEVTX(chunks...)
	var jobs []source.Job
	st := source.NewStats()
	if err := Read(context.Background(), bytes.NewReader(data), source.FileInfo{Name: "p.evtx"}, st, func(j source.Job) error {
		jobs = append(jobs, j)
		return nil
	}); err != nil || len(jobs) != 8 {
		t.Fatal(err, len(jobs))
	}
	sinks := make([]*hostSink, len(jobs))
	done := make(chan int)
	for i, j := range jobs {
		sinks[i] = &hostSink{}
		go func() {
			js := source.NewStats()
			j.Run(sinks[i], js)
			done <- i
		}()
	}
	for range jobs {
		<-done
	}
	n := 0
	for i, s := range sinks {
		if len(s.hosts) != 60 || s.hosts[0].Ref.Line != uint32(60*i+1) {
			t.Fatalf("job %d: %d events, first at %d", i, len(s.hosts), s.hosts[0].Ref.Line)
		}
		n += len(s.hosts)
	}
	if n != 480 {
		t.Fatal(n)
	}
}
