package auditd

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// Records reads an event back for evidence: its SYSCALL line and the following records of the
// same audit(time:serial), interleaved or not; a JSON event is its line.
func TestRecords(t *testing.T) {
	data, err := os.ReadFile("testdata/audit.log")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	of := func(id string) string {
		var out []string
		for _, l := range lines {
			if strings.Contains(l, "audit("+id+")") {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}
	got, err := Records(bytes.NewReader(data), []uint32{3, 48, 67, 68, 101})
	if err != nil {
		t.Fatal(err)
	}
	for pos, id := range map[uint32]string{3: "1700000000.123:1001", 48: "1700000003.010:1008", 67: "1700000004.000:1012",
		68: "1700000004.000:1013", 101: "1700000006.500:1017"} {
		if got[pos] != of(id) {
			t.Errorf("line %d:\n%s\nwant\n%s", pos, got[pos], of(id))
		}
	}
	if len(got) != 5 {
		t.Errorf("%d records", len(got))
	}

	data, err = os.ReadFile("testdata/laurel.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err = Records(bytes.NewReader(data), []uint32{2, 18})
	lines = strings.Split(string(data), "\n")
	if err != nil || got[2] != lines[1] || got[18] != lines[17] {
		t.Errorf("laurel: %v %v", err, got)
	}

	// Filebeat's lines: the event's JSON lines
	data, err = os.ReadFile("testdata/filebeat.json")
	if err != nil {
		t.Fatal(err)
	}
	got, _ = Records(bytes.NewReader(data), []uint32{48})
	lines = strings.Split(string(data), "\n")
	if want := strings.Join(lines[47:51], "\n"); got[48] != want {
		t.Errorf("filebeat:\n%s\nwant\n%s", got[48], want)
	}
}
