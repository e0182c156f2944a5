package winjson

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

const datasets = "../../../shared/datasets"

// dataset returns the path of a file of the shared datasets, skipping the test when absent.
func dataset(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(datasets, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real dataset %s not present (it lives in the shared datasets folder beside the repo): %v", name, err)
	}
	return p
}

const helkZip = "otrf-host-cloud/empire_dllinjection_LoadLibrary_CreateRemoteThread.zip"

// helk returns the HELK (nxlog) JSON of the OTRF Empire DLL-injection dataset, read from its zip.
func helk(t testing.TB) []byte {
	t.Helper()
	zr, err := zip.OpenReader(dataset(t, helkZip))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if filepath.Ext(f.Name) != ".json" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		var b bytes.Buffer
		if _, err := io.Copy(&b, rc); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	t.Fatalf("%s holds no .json file", helkZip)
	return nil
}

// The HELK (nxlog) export of the OTRF Empire DLL-injection dataset: every line read, the host
// events counted by event id, and the Empire HTTP C2 found.
func TestHELK(t *testing.T) {
	data := helk(t)
	if n := bytes.Count(data, []byte{'\n'}); n != 12200 {
		t.Fatalf("%d lines, want 12,200", n)
	}
	var c collector
	st, err := readAll(t, source.ReaderInput("helk.json", bytes.NewReader(data)), &c, 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.TotalSkipped() != 0 {
		t.Fatalf("skipped %v: %s", st.Skipped, problems(st))
	}
	var read, ignored int64
	for _, n := range st.Read {
		read += n
	}
	for _, n := range st.Ignored {
		ignored += n
	}
	if read+ignored != 12200 || read != int64(len(c.got)) {
		t.Errorf("read %v, ignored %v: %d records, want 12,200; %d events", st.Read, st.Ignored, read+ignored, len(c.got))
	}
	byID := map[int32]int{}
	for _, e := range c.got {
		byID[e.EventID]++
		if e.TS == 0 || e.Computer == "" || e.Ref.Line == 0 || e.Ref.Line > 12200 {
			t.Fatalf("event without time, computer or line: %+v", e)
		}
	}
	want := map[int32]int{1: 8, 3: 206, 11: 31, 22: 3, 4688: 8}
	if fmt.Sprint(byID) != fmt.Sprint(want) {
		t.Errorf("events by id %v, want %v", byID, want)
	}
	if st.Read["sysmon"] != 248 || st.Read["security"] != 8 {
		t.Errorf("read %v", st.Read)
	}

	// Empire's HTTP C2: powershell.exe on WORKSTATION5 calling 10.10.10.5:80
	from, to := ts("2020-07-22T04:00:48Z"), ts("2020-07-22T04:05:00Z")
	c2 := 0
	for _, e := range c.got {
		if e.Op != event.OpConnect || !strings.HasSuffix(strings.ToLower(e.Proc.Image), `\powershell.exe`) ||
			e.Dst != netip.MustParseAddr("10.10.10.5") || e.DstPort != 80 {
			continue
		}
		c2++
		if e.TS < from || e.TS >= to || e.Computer != "WORKSTATION5.mordor.local" || e.Proc.User != `MORDOR\pgustavo` ||
			e.Proto != "tcp" || e.Initiated != 1 || e.Src != netip.MustParseAddr("172.18.39.5") || e.Proc.PID <= 0 || e.Proc.GUID == "" {
			t.Errorf("C2 connection %+v", e)
		}
	}
	if c2 != 51 {
		t.Errorf("%d Empire C2 connections, want 51", c2)
	}
	first := c.got[0]
	if first.EventID != 3 || first.TS != ts("2020-07-22T04:00:48.097Z") || first.SrcPort != 50783 || first.Proc.PID != 9076 ||
		first.Proc.GUID != "B59756A9-B239-5F17-5307-000000000400" {
		t.Errorf("first host event %+v", first)
	}
	// the Security 4688 events: creator account and hex process ids
	for _, e := range c.got {
		if e.EventID == 4688 && (e.Proc.PID <= 0 || e.Parent.PID <= 0 || e.Proc.Image == "" || e.Proc.User == "") {
			t.Errorf("4688 %+v", e)
		}
	}

	// Records gives the lines back as they are
	lines := bytes.Split(data, []byte{'\n'})
	recs, err := Records(bytes.NewReader(data), []uint32{first.Ref.Line, 12200})
	if err != nil || recs[first.Ref.Line] != string(lines[first.Ref.Line-1]) || recs[12200] != string(lines[12199]) {
		t.Errorf("Records: %v", err)
	}
}
