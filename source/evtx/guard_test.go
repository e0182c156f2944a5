package evtx

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/Velocidex/ordereddict"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// The guard's rewriting of value types changes nothing but the values' Go types: the library
// builds the same tree from the guarded chunk as from the chunk as it is, and each value the
// reader renders is the value the library decodes itself.
func TestGuardKeepsTrees(t *testing.T) {
	files := map[string][]byte{"sample": sample()}
	for _, p := range realEVTXOptional() {
		if b, err := os.ReadFile(p); err == nil {
			files[p] = b
		}
	}
	if b, err := readLibraryLog(); err == nil {
		files["the library's Security.evtx"] = b
	}
	for name, b := range files {
		r := bytes.NewReader(b)
		if _, err := readHeader(r); err != nil {
			t.Fatal(err)
		}
		g := &guard{known: map[uint32]int{}}
		n := 0
		err := chunks(context.Background(), r, func(buf []byte, off int64, c chunkInfo, first uint32) error {
			plain, err := parse(bytes.Clone(buf), len(c.offs))
			if err != nil {
				t.Fatal(err)
			}
			recs, whole := decodeChunk(g, buf, c.offs)
			if whole != "" {
				t.Fatal(whole)
			}
			for i := range recs {
				if err := sameTree(g, recs[i].event, plain[i].Event, "", 0); err != nil {
					t.Errorf("%s: record %d: %v", name, first+uint32(i), err)
				}
				n++
			}
			return nil
		}, func(int64, chunkInfo) {})
		if err != nil || n == 0 {
			t.Fatal(err, n)
		}
	}
}

func realEVTXOptional() []string {
	var out []string
	for _, name := range []string{
		"sbousseaden__DE_sysmon-3-rdp-tun.evtx",
		"sigma__proc_creation_win_curl_custom_user_agent__85de1f22-d189-44e4-8239-dc276b45379b.evtx",
	} {
		out = append(out, datasets+"/sysmon-evtx/"+name)
	}
	return out
}

// sameTree compares a guarded tree (got) with the library's own (want).
func sameTree(g *guard, got, want any, path string, depth int) error {
	if depth > 64 {
		return fmt.Errorf("%s: too deep", path)
	}
	switch w := want.(type) {
	case *ordereddict.Dict:
		d, ok := got.(*ordereddict.Dict)
		if !ok {
			return fmt.Errorf("%s: %T, want a dict", path, got)
		}
		if strings.Join(d.Keys(), ",") != strings.Join(w.Keys(), ",") {
			return fmt.Errorf("%s: keys %v, want %v", path, d.Keys(), w.Keys())
		}
		for _, k := range w.Keys() {
			a, _ := d.Get(k)
			b, _ := w.Get(k)
			if err := sameTree(g, a, b, path+"/"+k, depth+1); err != nil {
				return err
			}
		}
		return nil
	case []any:
		l, ok := got.([]any)
		if !ok || len(l) != len(w) {
			return fmt.Errorf("%s: %T, want a list of %d", path, got, len(w))
		}
		for i := range w {
			if err := sameTree(g, l[i], w[i], fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
				return err
			}
		}
		return nil
	case string:
		if raw, ok := got.([]byte); ok { // a GUID or SID the library writes itself
			text := renderTyped(g.typeOf(raw), raw)
			if g.typeOf(raw) == tGUID && "{"+w+"}" == text || g.typeOf(raw) == tSID && w == text {
				return nil
			}
			return fmt.Errorf("%s: %s, want %q", path, text, w)
		}
		if got != w {
			return fmt.Errorf("%s: %q, want %q", path, got, w)
		}
		return nil
	case nil:
		if got != nil {
			return fmt.Errorf("%s: %v, want nil", path, got)
		}
		return nil
	}
	raw, ok := got.([]byte)
	if !ok {
		return fmt.Errorf("%s: %T, want the raw value of %T", path, got, want)
	}
	text := renderTyped(g.typeOf(raw), raw)
	switch w := want.(type) {
	case uint8, uint16, uint32, uint64, int32, int64:
		n, err := strconv.ParseInt(text, 0, 64)
		if err != nil {
			u, err2 := strconv.ParseUint(text, 0, 64)
			if err2 != nil || fmt.Sprint(u) != fmt.Sprint(w) {
				return fmt.Errorf("%s: %s, want %v", path, text, w)
			}
			return nil
		}
		if fmt.Sprint(n) != fmt.Sprint(w) {
			return fmt.Errorf("%s: %s, want %v", path, text, w)
		}
	case bool:
		if text != fmt.Sprint(w) {
			return fmt.Errorf("%s: %s, want %v", path, text, w)
		}
	case float64: // a FILETIME as seconds
		ft := fileTime(binary.LittleEndian.Uint64(raw))
		if math.Abs(float64(ft.Unix())+float64(ft.Nanosecond())/1e9-w) > 1e-5*math.Max(1, math.Abs(w)/1e9) {
			return fmt.Errorf("%s: %s, want %v", path, text, w)
		}
	case []byte:
		if !strings.EqualFold(text, hex.EncodeToString(w)) {
			return fmt.Errorf("%s: %s, want %x", path, text, w)
		}
	default:
		return fmt.Errorf("%s: %s, want %T %v", path, text, want, want)
	}
	return nil
}

// The library's own decoding of GUIDs and SIDs is a string: the reader's must be the same text
// (GUIDs with braces).
func TestRenderTyped(t *testing.T) {
	for _, c := range []struct {
		t    uint8
		raw  string
		want string
	}{
		{tGUID, "d10fb45ab33df9680a310000_00003b02", "{5AB40FD1-3DB3-68F9-0A31-000000003B02}"},
		{tSID, "010100000000000512000000", "S-1-5-18"},
		{tSID, "0105000000000005150000002a4e8b2090b5c1a1af8c6e24e9030000", "S-1-5-21-546000426-2713826704-611224751-1001"},
		{tHex64, "4c14030000000000", "0x3144c"},
		{tHex32, "e5030000", "0x3e5"},
		{tUint32, "c0140000", "5312"},
		{tInt32, "ffffffff", "-1"},
		{tBool, "01000000", "true"},
		{tBool, "00000000", "false"},
		{tFileTime, "c005a0a0dec5d401", "2019-02-16T10:01:46.8840384Z"},
		{tSysTime, "e3070200060010000a00010000002e00", "2019-02-16T10:01:00.0460000Z"},
		{tBinary, "00ff10", "00FF10"},
		{tUint16, "0102", "513"},
		{tUint16, "010203", "010203"}, // the wrong size: raw
		{tArray | tUint16, "01000200", "1, 2"},
		{tArray | tString, "6100000062000000", "a, b"},
		{tString, "6100620000000000", "ab"},
		{tAnsi, "616200", "ab"},
		{tSizeT, "ff00000000000000", "0xff"},
	} {
		raw, err := hex.DecodeString(strings.ReplaceAll(c.raw, "_", ""))
		if err != nil {
			t.Fatal(err)
		}
		if got := renderTyped(c.t, raw); got != c.want {
			t.Errorf("type %#x %s: %q, want %q", c.t, c.raw, got, c.want)
		}
	}
	if got := fileTimeMicro(0); got.String() != "1601-01-01T00:00:00.000000Z" {
		t.Errorf("FILETIME 0: %v", got)
	}
}

// When no detection reads host events, the records are counted, not decoded.
func TestSkipHost(t *testing.T) {
	st := source.NewStats()
	sink := &hostSink{}
	f := source.FileInfo{Name: "skip.evtx", Skip: event.KindSet(0).With(event.KindConn).With(event.KindHost)}
	err := Read(context.Background(), bytes.NewReader(sample()), f, st, func(j source.Job) error {
		j.Run(sink, st)
		return nil
	})
	if err != nil || len(sink.hosts) > 0 || st.Ignored["sysmon"] != 4 || st.Ignored["security"] != 2 || len(st.Read) > 0 {
		t.Fatalf("%v %d %v %v", err, len(sink.hosts), st.Ignored, st.Read)
	}
}
