package source

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeZip(t *testing.T, p string, files map[string]string) {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, name := range []string{"logs/", "logs/conn.log", "logs/dns.log", ".hidden", "__MACOSX/logs/._conn.log"} {
		body, ok := files[name]
		if !ok {
			continue
		}
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(f, body)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readAll(t *testing.T, in Input) (string, error) {
	t.Helper()
	rc, err := in.Open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return string(b), err
}

// TestZip: a zip archive is the files inside it, named archive!member, folders, hidden files
// and macOS resource forks left out; members reopen (evidence is read back).
func TestZip(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "day.zip")
	writeZip(t, p, map[string]string{"logs/": "", "logs/conn.log": "conn bytes\n", "logs/dns.log": "dns bytes\n",
		".hidden": "x", "__MACOSX/logs/._conn.log": "fork"})
	ins, err := Expand([]string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, in := range ins {
		names = append(names, strings.TrimPrefix(in.Name, dir+string(filepath.Separator)))
	}
	if got := strings.Join(names, " "); got != "day.zip!logs/conn.log day.zip!logs/dns.log" {
		t.Fatalf("inputs %q", got)
	}
	for range 2 { // reopenable
		if got, err := readAll(t, ins[0]); err != nil || got != "conn bytes\n" || !ins[0].Reopenable || ins[0].Size != 11 {
			t.Fatalf("member: %q, %v, %+v", got, err, ins[0])
		}
	}
}

// TestZipBroken: an archive cut short is one input whose Open names it; a member whose data
// is damaged fails its read with the archive and member named.
func TestZipBroken(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "cut.zip")
	writeZip(t, p, map[string]string{"logs/conn.log": strings.Repeat("a line of a log\n", 100)})
	b, _ := os.ReadFile(p)
	if err := os.WriteFile(p, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	ins, err := Expand([]string{p}, nil)
	if err != nil || len(ins) != 1 {
		t.Fatalf("%v, %d inputs", err, len(ins))
	}
	if _, err := readAll(t, ins[0]); err == nil || !strings.Contains(err.Error(), "cut.zip: zip archive") {
		t.Errorf("truncated archive: %v", err)
	}

	// stored (not deflated) member with a flipped byte: the CRC check at the end catches it
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, _ := w.CreateHeader(&zip.FileHeader{Name: "conn.log", Method: zip.Store})
	io.WriteString(f, "ts\tuid\n1\tCabc\n")
	w.Close()
	bad := buf.Bytes()
	i := bytes.Index(bad, []byte("Cabc"))
	bad[i] = 'X'
	q := filepath.Join(dir, "bad.zip")
	if err := os.WriteFile(q, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	ins, err = Expand([]string{q}, nil)
	if err != nil || len(ins) != 1 {
		t.Fatalf("%v, %d inputs", err, len(ins))
	}
	if _, err := readAll(t, ins[0]); err == nil || !strings.Contains(err.Error(), "bad.zip!conn.log") {
		t.Errorf("damaged member: %v", err)
	}
}

// TestZipDataset: the OTRF host and cloud datasets ship as zip archives; each is the JSON log
// inside it.
func TestZipDataset(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "datasets", "otrf-host-cloud")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("real dataset %s not found (it sits beside the project in a full checkout): %v", dir, err)
	}
	ins, err := Expand([]string{filepath.Join(dir, "empire_dllinjection_LoadLibrary_CreateRemoteThread.zip")}, nil)
	if err != nil || len(ins) != 1 || !strings.HasSuffix(ins[0].Name, ".zip!empire_dllinjection_LoadLibrary_CreateRemoteThread_2020-07-22000048.json") {
		t.Fatalf("%v %+v", err, ins)
	}
	body, err := readAll(t, ins[0])
	if err != nil || strings.Count(body, "\n") < 12_000 || !strings.HasPrefix(body, "{") {
		t.Fatalf("%v: %d lines", err, strings.Count(body, "\n"))
	}
}
