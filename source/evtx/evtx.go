// Package evtx reads Windows event log files (.evtx): the binary logs that the Windows event
// log service writes (Security.evtx, Microsoft-Windows-Sysmon%4Operational.evtx ...) and that
// Event Viewer's "Save all events as" and wevtutil epl export. Each event is decoded into a
// winevent.Record and handed to winevent.Handle, which maps Sysmon 1/3/11/22 and Security 4688
// to event.Host (see package winevent for that mapping) and counts the other events as
// ignored. The BinXml decoding is the library www.velocidex.com/golang/evtx (Velociraptor's).
//
// # Shape
//
// An EVTX file is a 4 KiB file header ("ElfFile\x00", format version 3.1 or 3.2) followed by
// chunks of 64 KiB ("ElfChnk\x00"), each a 512-byte header and event records ("**\x00\x00",
// size, record id, time, BinXml, size again) whose BinXml refers to templates defined earlier
// in the same chunk. Sniff claims an input that starts with "ElfFile\x00"; the name does not
// matter, and a gzip or zip around the file is undone before (package source).
//
// # Reading
//
// The input is read as a stream, chunk by chunk (the whole file is never held): the reader
// finds each chunk's records by their framing and hands the chunk to a job, so that the
// engine's workers decode chunks in parallel. A job holds its chunk (64 KiB) and, while it runs,
// that chunk's decoded records.
//
// The position of an event (event.Ref.Line, shown as file:N) is the event's ordinal in the
// file: 1 for the first record of the first chunk, counting on through each chunk's records in
// file order, then the next chunk's. It counts every record the chunk's framing holds, also those
// that cannot be decoded, and no record of a chunk that is skipped whole (see Problems), so that
// reading the same file again gives the same positions. The ordinal is not the EventRecordID
// (which the log numbers on across files and which a cleared log restarts). The Records hook
// reads the event at an ordinal back as one line of JSON (a finding's evidence), in the shape
// Velociraptor writes, System's values typed (numbers, booleans) and EventData's the strings
// the reader read:
//
//	{"Event":{"System":{"Provider":{"Name":"Microsoft-Windows-Sysmon","Guid":"{5770385F-...}"},
//	"EventID":{"Value":3},...,"TimeCreated":{"SystemTime":"2019-02-16T10:01:46.8840384Z"},
//	"EventRecordID":1940897,...},"EventData":{"RuleName":"","UtcTime":"2019-02-16 10:01:45.887",
//	"ProcessId":"1608",...}}}
//
// When no detection of the run reads host events, a chunk's records are counted as ignored
// under the log of the chunk's first record (an .evtx file holds one channel) and only that
// record is decoded.
//
// # Field mapping
//
//	EVTX                                  winevent.Record   notes
//	System/Provider/@Name                 Provider
//	System/EventID                        EventID           a Qualifiers attribute is not part of it
//	System/Channel                        Channel
//	System/Computer                       Computer
//	System/EventRecordID                  RecordID          else the record header's id
//	System/TimeCreated/@SystemTime        Time              the FILETIME, truncated to the microsecond
//	EventData/Data[@Name]                 Data              name/value in the event's order
//	EventData/Data without a Name         Data              named Data1, Data2 ... in their order
//	UserData/*[1]/*                       Data              when there is no EventData: the children of
//	                                                        UserData's first child
//
// Values are the text Windows shows in the event's XML: integers in decimal, HexInt32/HexInt64
// (Sysmon's LogonId, Security's NewProcessId) as 0x-hex ("0x3144c"), booleans "true"/"false",
// GUIDs as {UPPER-CASE} (the form of Windows's StringFromGUID2; XML exports show Sysmon's in
// lower case, and winevent drops the braces and the case for Proc.GUID), SIDs as S-1-5-18, FILETIME and SYSTEMTIME values as
// 2006-01-02T15:04:05.0000000Z, binary as upper-case hex, a null value as empty, an array as its
// items joined by ", ", a nested element as its JSON. So Sysmon's ProcessId is "5312",
// SourceIp "10.0.2.15", Initiated "true", as in the XML and JSON exports of the same event.
//
// The library decodes values into Go types that lose some of this (hex integers become plain
// numbers, FILETIMEs float seconds); the reader rewrites the type of such values before the
// library decodes a chunk, so that the library hands them back raw, and renders them itself
// (see guard.go).
//
// # Problems
//
// Nothing in a file makes the reader panic, allocate without bound or loop: the library trusts
// the chunk it decodes, so the reader first walks each chunk as the library will and refuses
// what it could not decode safely; a panic of the library is recovered all the same.
//
//   - A file header cut short (fewer than 4096 bytes) is an error naming the offset; reading
//     stops. A header with a bad checksum, an unknown version or a header block size other than
//     4096 is reported as a problem, and the chunks are read all the same.
//   - A chunk with a bad magic (junk, a chunk overwritten) is skipped: reported as file: offset
//     N: reason, its records (by their framing) counted under "bad evtx chunk". An all-zero
//     chunk (space the log never used) is passed over silently.
//   - A chunk whose header or records fail their CRC32 checksums is reported, and its records
//     are read: the chunk the log service was writing when a live log was copied (the usual
//     case in an investigation) may carry stale checksums, and skipping it would lose the
//     newest events; libevtx, too, reads such chunks and only flags the file as corrupted.
//     Each record is still checked (magic, size, size copy), and when the chunk header fails
//     its checksum its free space offset is not trusted: records are looked for up to the
//     chunk's end.
//   - A file cut short in a chunk: the records wholly inside what is there are read; those
//     after the cut (as many as the chunk header counts) are counted under "bad evtx chunk"
//     and reported with the chunk's offset. So is a record whose framing is broken (bad magic,
//     size, size copy), with the records after it in its chunk.
//   - A record the library cannot decode, or decodes to no event (no Event or System element,
//     no EventID), or that the guard refuses (too costly to decode: malformed BinXml; a
//     template reference the library would misread; a record whose template was defined by a
//     record refused before it) is skipped as file:N: reason, counted
//     under "bad evtx record"; a Sysmon or Security record whose values winevent cannot read
//     under "bad windows event". A chunk the guard cannot settle, or on which the library
//     panics, is skipped whole: file: offset N: reason, its records counted under "bad evtx
//     chunk".
//
// Strings in the events are the reader's own (never reused).
package evtx

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"sync"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
	"github.com/sluice-hunt/sluice/source/winevent"
	lib "www.velocidex.com/golang/evtx"
)

func init() {
	source.Register(source.Format{Name: "evtx", Sniff: Sniff, Read: Read, Records: Records})
}

const (
	fileMagic       = "ElfFile\x00"
	chunkMagic      = "ElfChnk\x00"
	recordMagic     = "**\x00\x00"
	headerBlockSize = 4096
)

// The reasons records are counted under when skipped.
const (
	reasonChunk  = "bad evtx chunk"
	reasonRecord = "bad evtx record"
)

// Sniff reports an input that starts with the EVTX file magic.
func Sniff(head []byte, _ string) bool {
	return bytes.HasPrefix(head, []byte(fileMagic))
}

// readHeader reads and checks the file header. It returns an error when the header is cut
// short or is not an EVTX header, and notes, problems the reader goes on after.
func readHeader(r io.Reader) (notes []string, err error) {
	hdr := make([]byte, headerBlockSize)
	n, err := io.ReadFull(r, hdr)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("evtx file header cut short at offset %d (it is %d bytes)", n, headerBlockSize)
		}
		return nil, fmt.Errorf("evtx file header: offset %d: %w", n, err)
	}
	if !bytes.HasPrefix(hdr, []byte(fileMagic)) {
		return nil, errors.New("not an evtx file (no ElfFile magic)")
	}
	le := binary.LittleEndian
	if sum := crc32.ChecksumIEEE(hdr[:120]); sum != le.Uint32(hdr[124:]) {
		notes = append(notes, fmt.Sprintf("file header checksum mismatch (%08x, header says %08x); chunks read all the same", sum, le.Uint32(hdr[124:])))
	}
	if minor, major := le.Uint16(hdr[36:]), le.Uint16(hdr[38:]); major != 3 {
		notes = append(notes, fmt.Sprintf("evtx format version %d.%d (known: 3.1, 3.2); chunks read all the same", major, minor))
	}
	if bs := le.Uint16(hdr[40:]); bs != headerBlockSize {
		notes = append(notes, fmt.Sprintf("file header block size %d (expected %d); chunks read from offset %d", bs, headerBlockSize, headerBlockSize))
	}
	return notes, nil
}

// chunkInfo is what the reader learns of a chunk before decoding it: where its records are.
type chunkInfo struct {
	offs []int // chunk offsets of the records the framing holds
	// skip is why the whole chunk is skipped ("" when it is read); empty when it is all zeros.
	skip  string
	empty bool
	// lost counts the records the chunk header claims beyond those framed (a cut, a broken
	// record), and why.
	lost     int
	lostWhy  string
	checkBad string // a checksum mismatch, read all the same
}

// inspectChunk walks a chunk's record framing. avail is how many of its bytes the file holds
// (less than chunkSize when the file is cut in it).
func inspectChunk(buf []byte, avail int) chunkInfo {
	var c chunkInfo
	if !bytes.HasPrefix(buf, []byte(chunkMagic)) {
		if allZero(buf[:avail]) {
			c.empty = true
			return c
		}
		c.skip = "bad chunk magic"
		if avail < len(chunkMagic) {
			c.skip = fmt.Sprintf("file cut short %d bytes into a chunk header", avail)
		}
		offs, _, _ := frames(buf, avail, chunkSize)
		c.lost = max(len(offs), 1)
		return c
	}
	le := binary.LittleEndian
	first, last := le.Uint64(buf[8:]), le.Uint64(buf[16:])
	claimed := -1
	if first <= last && last-first < chunkSize/28 {
		claimed = int(last - first + 1)
	}
	if avail < chunkHeaderSize {
		c.skip = fmt.Sprintf("file cut short %d bytes into the chunk header", avail)
		c.lost = max(claimed, 1)
		return c
	}
	free := int(le.Uint32(buf[48:]))
	headerOK := crc32.Update(crc32.ChecksumIEEE(buf[:120]), crc32.IEEETable, buf[128:chunkHeaderSize]) == le.Uint32(buf[124:])
	limit := chunkSize
	if headerOK && free >= chunkHeaderSize && free <= chunkSize {
		limit = free // a trusted header: what lies past the free space is not the log's
	}
	offs, cut, broken := frames(buf, avail, limit)
	c.offs = offs
	switch {
	case !headerOK:
		c.checkBad = "chunk header checksum mismatch"
	case free < chunkHeaderSize || free > chunkSize:
		c.checkBad = fmt.Sprintf("chunk free space offset %d out of range", free)
	case avail >= free && crc32.ChecksumIEEE(buf[chunkHeaderSize:free]) != le.Uint32(buf[52:]):
		c.checkBad = "chunk records checksum mismatch"
	}
	if c.checkBad != "" {
		c.checkBad += " (the log was probably copied while in use); its records are read all the same"
	}
	if claimed > len(offs) {
		c.lost = claimed - len(offs)
	}
	switch {
	case cut:
		c.lostWhy = fmt.Sprintf("file cut short %d bytes into the chunk", avail)
		if claimed < 0 {
			c.lost = 1
		}
	case broken != "":
		c.lostWhy = broken
		c.lost = max(c.lost, 1)
	case c.lost > 0:
		c.lostWhy = fmt.Sprintf("%d records framed, the chunk header counts %d", len(offs), claimed)
	}
	return c
}

// frames finds the records of a chunk by their framing, from its header to limit, within the
// avail bytes there are. It returns their offsets, and whether it stopped at the end of the
// bytes there are (cut) or at a broken record (why) rather than at the end of the records.
func frames(buf []byte, avail, limit int) (offs []int, cut bool, broken string) {
	le := binary.LittleEndian
	off := chunkHeaderSize
	if avail < off {
		return nil, true, ""
	}
	for off+recordHeaderSize <= limit {
		if off+recordHeaderSize > avail {
			return offs, !allZero(buf[off:avail]) || avail < limit, ""
		}
		if string(buf[off:off+4]) != recordMagic {
			if allZero(buf[off : off+4]) {
				return offs, false, ""
			}
			return offs, false, fmt.Sprintf("bad record magic at chunk offset %d", off)
		}
		size := int(le.Uint32(buf[off+4:]))
		if size < recordHeaderSize+4 || off+size > limit {
			return offs, false, fmt.Sprintf("bad record size %d at chunk offset %d", size, off)
		}
		if off+size > avail {
			return offs, true, ""
		}
		if int(le.Uint32(buf[off+size-4:])) != size {
			return offs, false, fmt.Sprintf("record size copy differs from its size at chunk offset %d", off)
		}
		offs = append(offs, off)
		off += size
	}
	return offs, false, ""
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// chunks reads the chunks of the input after its header and calls fn with each chunk that is
// read (not skipped), its file offset, its framing and the ordinal of its first record; skipped
// chunks go to bad. It returns an error only when the input cannot be read on.
func chunks(ctx context.Context, r io.Reader, fn func(buf []byte, off int64, c chunkInfo, first uint32) error, bad func(off int64, c chunkInfo)) error {
	off := int64(headerBlockSize)
	ordinal := uint64(1)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		buf := make([]byte, chunkSize)
		n, err := io.ReadFull(r, buf)
		if n == 0 && (err == io.EOF || err == nil) {
			return nil
		}
		cut := errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !cut {
			return fmt.Errorf("evtx chunk at offset %d: %w", off+int64(n), err)
		}
		c := inspectChunk(buf, n)
		switch {
		case c.empty:
		case c.skip != "":
			bad(off, c)
		default:
			if ordinal+uint64(len(c.offs)) > math.MaxUint32 {
				return fmt.Errorf("evtx chunk at offset %d: more than %d records", off, uint32(math.MaxUint32))
			}
			if err := fn(buf, off, c, uint32(ordinal)); err != nil {
				return err
			}
			ordinal += uint64(len(c.offs))
		}
		if cut {
			return nil
		}
		off += chunkSize
	}
}

// Read reads an EVTX file chunk by chunk, a job a chunk.
func Read(ctx context.Context, r io.Reader, f source.FileInfo, st *source.Stats, emit func(source.Job) error) error {
	notes, err := readHeader(r)
	if err != nil {
		return err
	}
	for _, n := range notes {
		st.Problem(source.Problem{File: f.Name, Msg: n})
	}
	return chunks(ctx, r, func(buf []byte, off int64, c chunkInfo, first uint32) error {
		if c.checkBad != "" {
			st.Problem(source.Problem{File: f.Name, Offset: off, Msg: "evtx chunk: " + c.checkBad})
		}
		if c.lost > 0 {
			lost(st, f, off, c.lost, c.lostWhy)
		}
		if len(c.offs) == 0 {
			return nil
		}
		return emit(&job{buf: buf, off: off, offs: c.offs, first: first, f: f})
	}, func(off int64, c chunkInfo) {
		lost(st, f, off, c.lost, c.skip)
	})
}

// lost counts n records lost in the chunk at off, reporting why once.
func lost(st *source.Stats, f source.FileInfo, off int64, n int, why string) {
	st.Skipped[reasonChunk] += int64(n)
	st.Problem(source.Problem{File: f.Name, Offset: off, Msg: fmt.Sprintf("evtx chunk: %s: %d record(s) lost", why, n)})
}

// job decodes one chunk.
type job struct {
	buf   []byte
	off   int64
	offs  []int
	first uint32
	f     source.FileInfo
}

var guards = sync.Pool{New: func() any { return &guard{known: map[uint32]int{}} }}

// decoded is one record of a chunk as the library decoded it: its tree, or why there is none.
type decoded struct {
	event  any
	id     uint64 // the record header's id
	reason string
}

// decodeChunk guards and decodes the chunk's records. It returns a record per framed record,
// or the reason the whole chunk could not be decoded.
func decodeChunk(g *guard, buf []byte, offs []int) (out []decoded, whole string) {
	defer func() {
		if p := recover(); p != nil { // a bug: no input should cause one
			out, whole = nil, fmt.Sprintf("reader panic: %v", p)
		}
	}()
	refusals, ok := g.run(buf, offs)
	if !ok {
		return nil, "chunk does not settle under the guard (malformed BinXml)"
	}
	recs, err := parse(buf, len(offs))
	if err != nil {
		return nil, err.Error()
	}
	if len(recs) != len(offs) {
		return nil, fmt.Sprintf("the decoder returned %d records of %d", len(recs), len(offs))
	}
	out = make([]decoded, len(offs))
	for i, r := range recs {
		out[i] = decoded{event: r.Event, id: r.Header.RecordID}
	}
	for _, r := range refusals {
		out[r.index] = decoded{reason: r.reason}
	}
	return out, ""
}

// parse runs the library on a guarded chunk, recovering a panic.
func parse(buf []byte, n int) (recs []*lib.EventRecord, err error) {
	defer func() {
		if p := recover(); p != nil {
			recs, err = nil, fmt.Errorf("decoder panic: %v", p)
		}
	}()
	c := &lib.Chunk{
		Header: lib.ChunkHeader{FirstEventRecNumber: 1, LastEventRecNumber: uint64(n)},
		Fd:     bytes.NewReader(buf),
	}
	recs, err = c.Parse(math.MinInt) // every record, whatever its id
	if err != nil {
		return nil, fmt.Errorf("decoder: %w", err)
	}
	return recs, nil
}

func (j *job) Run(sink event.Sink, st *source.Stats) {
	g := guards.Get().(*guard)
	defer guards.Put(g)
	var rec winevent.Record
	if j.f.Skip.Has(event.KindHost) {
		// No detection reads host events: the records are counted, as ignored, under the log
		// of the chunk's first record (an .evtx file holds one channel), and only it is decoded.
		log := "windows"
		if recs, whole := decodeChunk(g, j.buf, j.offs[:1]); whole == "" && recs[0].reason == "" && recs[0].event != nil &&
			g.decode(recs[0].event, recs[0].id, &rec, dataNone) == nil {
			log = winevent.LogType(&rec)
		}
		st.Ignored[log] += int64(len(j.offs))
		return
	}
	recs, whole := decodeChunk(g, j.buf, j.offs)
	if whole != "" {
		lost(st, j.f, j.off, len(j.offs), whole)
		return
	}
	for i, d := range recs {
		pos := j.first + uint32(i)
		if d.reason == "" && d.event == nil {
			d.reason = "no event in the record (malformed BinXml)"
		}
		if d.reason != "" {
			st.Skip(j.f, pos, reasonRecord, fmt.Sprintf("record at offset %d: %s", j.off+int64(j.offs[i]), d.reason))
			continue
		}
		if err := g.decode(d.event, d.id, &rec, dataIfWanted); err != nil {
			st.Skip(j.f, pos, reasonRecord, fmt.Sprintf("record at offset %d: %v", j.off+int64(j.offs[i]), err))
			continue
		}
		winevent.Handle(&rec, j.f, pos, st, sink)
	}
}

// Records reads back the records at the given ordinals (sorted) as lines of JSON (see the
// package doc). Records that cannot be decoded have no text.
func Records(r io.Reader, positions []uint32) (map[uint32]string, error) {
	out := map[uint32]string{}
	if len(positions) == 0 {
		return out, nil
	}
	if _, err := readHeader(r); err != nil {
		return out, err
	}
	g := guards.Get().(*guard)
	defer guards.Put(g)
	next := 0
	var rec winevent.Record
	errDone := errors.New("done")
	err := chunks(context.Background(), r, func(buf []byte, _ int64, c chunkInfo, first uint32) error {
		end := first + uint32(len(c.offs))
		for next < len(positions) && positions[next] < first {
			next++ // an ordinal of no record
		}
		if next >= len(positions) {
			return errDone
		}
		if positions[next] >= end {
			return nil
		}
		recs, whole := decodeChunk(g, buf, c.offs)
		if whole != "" {
			return nil
		}
		for next < len(positions) && positions[next] < end {
			d := recs[positions[next]-first]
			if d.reason == "" && d.event != nil && g.decode(d.event, d.id, &rec, dataAll) == nil {
				if s, err := g.record(d.event, &rec); err == nil {
					out[positions[next]] = s
				}
			}
			next++
		}
		if next >= len(positions) {
			return errDone
		}
		return nil
	}, func(int64, chunkInfo) {})
	if errors.Is(err, errDone) {
		err = nil
	}
	return out, err
}
