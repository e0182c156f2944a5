package auditd

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/source"
)

// testdata/bad.log: an event cut at the file's start, binary junk, a SYSCALL cut inside a
// quote, bad hex, a short sockaddr, a SYSCALL without syscall=, a bad time, a good event,
// a header cut short, and a connect whose records the file's end cut off.
func TestBadFile(t *testing.T) {
	evs, st := readFile(t, "testdata/bad.log")
	if len(evs) != 1 || evs[0].Ref.Line != 15 || evs[0].Proc.CommandLine != "id" || evs[0].Proc.Image != "/usr/bin/id" {
		t.Errorf("events: %+v", evs)
	}
	want := map[string]int64{"no SYSCALL record": 1, "not an audit record": 1, "bad SYSCALL record": 2, "bad hex": 1,
		"bad SOCKADDR record": 1, "bad record header": 2, "no SOCKADDR record": 1}
	if !maps.Equal(st.Skipped, want) {
		t.Errorf("skipped %v\nwant    %v", st.Skipped, want)
	}
	wantP := []string{
		"testdata/bad.log:1: EXECVE record of audit(1700000100.000:7000) without its SYSCALL record",
		"testdata/bad.log:3: not an audit record (no type=... msg=audit(time:serial))",
		"testdata/bad.log:6: EXECVE a1: \"ZZ\" at byte 1 is not hex",
		"testdata/bad.log:9: SOCKADDR saddr: AF_INET sockaddr of 2 bytes is too short",
		"testdata/bad.log:11: SYSCALL record without syscall=",
	} // the first five reported (events are reported when they end: 7001 has no EOE)
	if got := problems(st); strings.Join(got, "\n") != strings.Join(wantP, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantP, "\n"))
	}
}

const (
	lineExecve  = `type=SYSCALL msg=audit(1700000000.000:1): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=2 uid=0 comm="x" exe="/bin/x"` + "\n"
	lineConnect = `type=SYSCALL msg=audit(1700000000.000:1): arch=c000003e syscall=42 success=yes exit=0 ppid=1 pid=2 uid=0 comm="x" exe="/bin/x"` + "\n"
	eoe         = "type=EOE msg=audit(1700000000.000:1): \n"
)

func TestBadInput(t *testing.T) {
	for _, c := range []struct {
		name, text string
		events     int
		problem    string // the first problem; "" none
		reason     string // its reason counted as skipped; "" when the event is kept
	}{
		{"header cut", "type=SYSCALL msg=audit(1700000000.000:1\n", 0, "x:1: audit(time:serial) not closed (line cut short?)", "bad record header"},
		{"bad serial", "type=SYSCALL msg=audit(1700000000.000:1a): syscall=59\n", 0, `x:1: bad audit(time:serial) "1700000000.000:1a"`, "bad record header"},
		{"odd hex", lineExecve + "type=EXECVE msg=audit(1700000000.000:1): argc=2 a0=\"x\" a1=4142434\n", 0, "x:2: EXECVE a1: odd length 7", "bad hex"},
		{"exe hex", strings.Replace(lineExecve, `exe="/bin/x"`, `exe=2F62696X`, 1) + eoe, 0, `x:1: SYSCALL exe: "6X" at byte 7 is not hex`, "bad hex"},
		{"proctitle hex", lineConnect + "type=SOCKADDR msg=audit(1700000000.000:1): saddr=02000050C0A800010000000000000000\ntype=PROCTITLE msg=audit(1700000000.000:1): proctitle=6G\n", 0, `x:3: PROCTITLE proctitle: "6G" at byte 1 is not hex`, "bad hex"},
		{"saddr hex", lineConnect + "type=SOCKADDR msg=audit(1700000000.000:1): saddr=0200005\n", 0, "x:2: SOCKADDR saddr: odd length 7", "bad hex"},
		{"no saddr", lineConnect + "type=SOCKADDR msg=audit(1700000000.000:1): fam=2\n", 0, "x:2: SOCKADDR record without saddr=", "bad SOCKADDR record"},
		{"inet6 short", lineConnect + "type=SOCKADDR msg=audit(1700000000.000:1): saddr=0A000050000000000000\n", 0, "x:2: SOCKADDR saddr: AF_INET6 sockaddr of 10 bytes is too short", "bad SOCKADDR record"},
		{"sockaddr alone", "type=SOCKADDR msg=audit(1700000000.000:1): saddr=02000050C0A800010000000000000000\n", 0, "x:1: SOCKADDR record of audit(1700000000.000:1) without its SYSCALL record", "no SYSCALL record"},
		{"argc", lineExecve + "type=EXECVE msg=audit(1700000000.000:1): argc=-1 a0=\"x\"\n", 0, `x:2: EXECVE argc="-1"`, "bad EXECVE record"},
		{"piece without len", lineExecve + "type=EXECVE msg=audit(1700000000.000:1): argc=2 a0=\"x\" a1[0]=41\n", 0, "x:2: EXECVE a1[0] without a1_len", "bad EXECVE record"},
		{"arg twice", lineExecve + "type=EXECVE msg=audit(1700000000.000:1): argc=2 a0=\"x\" a0=\"y\"\n", 0, "x:2: EXECVE a0 given twice", "bad EXECVE record"},
		// argv cut short: the event is kept, a problem says so
		{"fewer args than argc", lineExecve + "type=EXECVE msg=audit(1700000000.000:1): argc=3 a0=\"x\" a1=\"y\"\n" + eoe, 1,
			"x:1: execve audit(1700000000.000:1): argv incomplete (only 2 of argc=3 arguments); the event is kept with the arguments present", ""},
		{"split arg short", lineExecve + "type=EXECVE msg=audit(1700000000.000:1): argc=2 a0=\"x\" a1_len=4 a1[0]=4142\n" + eoe, 1,
			"x:1: execve audit(1700000000.000:1): argv incomplete (a1 has 2 of its 4 bytes); the event is kept with the arguments present", ""},
		{"arg gap", lineExecve + "type=EXECVE msg=audit(1700000000.000:1): argc=3 a0=\"x\" a2=\"z\"\n" + eoe, 1,
			"x:1: execve audit(1700000000.000:1): argv incomplete (arguments a1 to a1 missing); the event is kept with the arguments present", ""},
		{"no syscall number", strings.Replace(lineExecve, "syscall=59 ", "", 1), 0, "x:1: SYSCALL record without syscall=", "bad SYSCALL record"},
		{"json junk", `{"message":"type=SYSCALL msg=audit(1.1:1): syscall=59"}` + "\n" + `{"a":` + "\n", 0, "x:2: invalid JSON at byte 6: line ends before a value (cut short?)", "invalid JSON"},
		{"json other", `{"ID":"1700000000.000:1","SYSCALL":{"arch":"0xc000003e","syscall":59},"EXECVE":{"argc":1,"ARGV":["x"]}}` + "\n" + `{"foo":"bar"}` + "\n", 1, "x:2: JSON object with no audit record (no Laurel ID, no auditd.* fields, no message/_raw holding a type=... msg=audit(...) line)", "not an audit record"},
		{"json wrapped junk", `{"message":"type=SYSCALL msg=audit(1.1:1): syscall=59"}` + "\n" + `{"message":"hello"}` + "\n", 0, "x:2: not an audit record (no type=... msg=audit(time:serial))", "not an audit record"},
		{"laurel saddr", `{"ID":"1700000000.000:1","SYSCALL":{"arch":"0xc000003e","syscall":42,"success":"yes","pid":2},"SOCKADDR":[{"saddr":"%02%00"}]}` + "\n", 0, "x:1: SOCKADDR saddr: AF_INET sockaddr of 2 bytes is too short", "bad SOCKADDR record"},
		{"laurel addr", `{"ID":"1700000000.000:1","SYSCALL":{"arch":"0xc000003e","syscall":42,"success":"yes","pid":2},"SOCKADDR":[{"SADDR":{"saddr_fam":"inet","addr":"1.2.3","port":80}}]}` + "\n", 0, `x:1: SOCKADDR address: bad address "1.2.3"`, "bad SOCKADDR record"},
		{"laurel syscall", `{"ID":"1700000000.000:1","SYSCALL":{"arch":"0xc000003e","pid":2},"EXECVE":{"argc":1,"ARGV":["x"]}}` + "\n", 0, "x:1: SYSCALL without syscall", "bad Laurel event"},
		{"beat time", `{"auditd":{"sequence":1,"data":{"syscall":"execve"}},"process":{"pid":1,"args":["x"]}}` + "\n", 0, "x:1: no @timestamp", "bad auditbeat event"},
		{"beat bad time", `{"@timestamp":"yesterday","auditd":{"sequence":1,"data":{"syscall":"execve"}},"process":{"pid":1,"args":["x"]}}` + "\n", 0, `x:1: @timestamp: bad time "yesterday"`, "bad auditbeat event"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var col collector
			st := readDirect([]byte(c.text), &col)
			if len(col.evs) != c.events {
				t.Errorf("%d events, want %d", len(col.evs), c.events)
			}
			got := problems(st)
			switch {
			case c.problem == "" && len(got) > 0:
				t.Errorf("problems %v", got)
			case c.problem != "" && (len(got) == 0 || got[0] != c.problem):
				t.Errorf("problems %q\nwant %q", got, c.problem)
			}
			if c.reason != "" && st.Skipped[c.reason] != 1 {
				t.Errorf("skipped %v, want %s", st.Skipped, c.reason)
			}
			if c.reason == "" && st.TotalSkipped() != 0 {
				t.Errorf("skipped %v", st.Skipped)
			}
		})
	}
}

// A SYSCALL record twice in one event (a line repeated) spoils the event. (Read cuts its jobs
// before a SYSCALL record, so this shows within one job.)
func TestDuplicateSyscall(t *testing.T) {
	var col collector
	st := source.NewStats()
	j := &job{f: source.FileInfo{Name: "x"}, parts: []part{{[]byte(lineExecve + lineExecve + eoe), 1}}}
	j.Run(&col, st)
	if got := problems(st); len(col.evs) != 0 || len(got) != 1 || got[0] != "x:2: second SYSCALL record for audit(1700000000.000:1)" {
		t.Errorf("events %d problems %q", len(col.evs), got)
	}
}

// Events that are not read are counted as ignored, not as problems.
func TestIgnored(t *testing.T) {
	for _, c := range []struct {
		name, text string
		ignored    int64
	}{
		{"netlink connect", lineConnect + "type=SOCKADDR msg=audit(1700000000.000:1): saddr=100000000000000000000000\n" + eoe, 1},
		{"unix connect", lineConnect + "type=SOCKADDR msg=audit(1700000000.000:1): saddr=01002F746D702F78\n" + eoe, 1},
		{"failed connect no sockaddr", strings.Replace(lineConnect, "success=yes", "success=no", 1) + eoe, 1},
		{"failed execve", strings.Replace(lineExecve, "success=yes", "success=no", 1) + eoe, 1},
		{"other syscall", strings.Replace(lineExecve, "syscall=59", "syscall=2", 1) + "type=PATH msg=audit(1700000000.000:1): item=0 name=ZZ\n" + eoe, 1},
		{"user records", "type=USER_LOGIN msg=audit(1700000000.000:5): pid=1 uid=0 msg='op=login acct=\"alice\" res=success'\ntype=DAEMON_START msg=audit(1700000000.000:6): op=start\n", 2},
		{"unknown arch other syscall", strings.Replace(lineExecve, "arch=c000003e", "arch=deadbeef", 1) + eoe, 1},
		{"cwd alone", "type=CWD msg=audit(1700000000.000:1): cwd=\"/\"\n" + eoe, 1},
		{"beat login", `{"@timestamp":"2023-11-14T22:13:21.000Z","auditd":{"sequence":990,"result":"success"},"event":{"action":"logged-in","module":"auditd"}}` + "\n", 1},
		{"laurel other", `{"ID":"1700000000.001:998","USER_ACCT":[{"pid":1990}]}` + "\n", 1},
		{"splunk export meta", `{"preview":false,"offset":0,"lastrow":true}` + "\n", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			var col collector
			st := readDirect([]byte(c.text), &col)
			if len(col.evs) != 0 || st.Ignored["auditd"] != c.ignored || len(st.Problems) != 0 {
				t.Errorf("events %d ignored %v problems %v", len(col.evs), st.Ignored, problems(st))
			}
		})
	}
}

// An empty input is not claimed (source.Open names it); Read on it gives nothing.
func TestEmpty(t *testing.T) {
	_, _, err := readString(t, "empty.log", "")
	if !errors.Is(err, source.ErrUnrecognized) || !strings.Contains(err.Error(), "empty file") {
		t.Errorf("err %v", err)
	}
	var col collector
	st := readDirect(nil, &col)
	if len(col.evs) != 0 || len(st.Problems) != 0 || len(st.Ignored) != 0 {
		t.Errorf("%v %v", col.evs, problems(st))
	}
}

// A line longer than source.MaxLine is skipped with its number; reading goes on after it.
func TestHugeLine(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(lineExecve)
	b.WriteString("type=EXECVE msg=audit(1700000000.000:1): argc=2 a0=\"x\" a1=")
	for b.Len() < len(lineExecve)+source.MaxLine+100 {
		b.WriteString("41414141414141414141414141414141")
	}
	b.WriteString("\n" + eoe)
	b.WriteString(strings.ReplaceAll(lineExecve+"type=EXECVE msg=audit(1700000000.000:1): argc=1 a0=\"y\"\n"+eoe, "1700000000.000:1", "1700000001.000:2"))
	var col collector
	st := source.NewStats()
	err := Read(context.Background(), &b, source.FileInfo{Name: "huge.log"}, st, func(j source.Job) error {
		j.Run(&col, st)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// the first event lost its EXECVE: no Args, no command line (and no PROCTITLE to take one from)
	if len(col.evs) != 2 || col.evs[0].Args != nil || col.evs[0].Ref.Line != 1 || col.evs[1].Proc.CommandLine != "y" || col.evs[1].Ref.Line != 4 {
		t.Errorf("events %+v", col.evs)
	}
	if got := problems(st); len(got) == 0 || !strings.HasPrefix(got[0], "huge.log:2: line of ") {
		t.Errorf("problems %v", got)
	}
}
