package zeek

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-hunt/sluice/event"
)

// realSeeds returns the first lines of real logs (when the shared datasets are present) as fuzz
// seeds, so that the fuzzer starts from what Zeek and HELK really write.
func realSeeds(t testing.TB) [][]byte {
	var out [][]byte
	for _, name := range []string{
		"apt29-day1-zeek/SCRANTON_http.log", "apt29-day1-zeek/NASHUA_conn.log", "apt29-day1-zeek/NASHUA_dns.log",
		"apt29-day1-zeek/NASHUA_ssl.log", "apt29-day1-zeek/NASHUA_files.log", "apt29-day1-zeek/NASHUA_x509.log",
		"rita-http/json_with_all_fields__conn.log", "rita-http/json_with_all_fields__http.log",
		"rita-http/valid_tsv__http.log.gz", "wrccdc-dns-ssl/zeek-default__dns.log.gz", "wrccdc-dns-ssl/zeek-default__ssl.log.gz",
	} {
		f, err := os.Open(filepath.Join(datasets, name))
		if err != nil {
			continue
		}
		var r io.Reader = f
		if filepath.Ext(name) == ".gz" {
			if zr, err := gzip.NewReader(f); err == nil {
				r = zr
			}
		}
		var b bytes.Buffer
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for i := 0; i < 12 && sc.Scan(); i++ {
			b.Write(sc.Bytes())
			b.WriteByte('\n')
		}
		f.Close()
		out = append(out, b.Bytes())
	}
	return out
}

type countSink struct {
	event.NopSink
	n    int
	last uint32
}

func (c *countSink) check(ref event.Ref) {
	c.n++
	c.last = ref.Line
}
func (c *countSink) Conn(e *event.Conn)     { c.check(e.Ref) }
func (c *countSink) HTTP(e *event.HTTP)     { c.check(e.Ref) }
func (c *countSink) DNS(e *event.DNS)       { c.check(e.Ref) }
func (c *countSink) TLS(e *event.TLS)       { c.check(e.Ref) }
func (c *countSink) File(e *event.File)     { c.check(e.Ref) }
func (c *countSink) X509(e *event.X509)     { c.check(e.Ref) }
func (c *countSink) Notice(e *event.Notice) { c.check(e.Ref) }

func fuzzSeeds(f *testing.F) {
	for _, s := range realSeeds(f) {
		f.Add(s)
	}
	f.Add([]byte(connHeader + "1588205199.824370\tC\t10.0.1.6\t54243\t10.0.0.4\t53\tudp\tdns\t0.001528\t39\t55\tSF\t-\t-\t0\tDd\t1\t67\t1\t83\t(empty)\n"))
	f.Add([]byte(`{"_path":"dns","ts":"2018-03-24T17:15:20.865716Z","uid":"C","id.orig_h":"10.47.1.100","id.orig_p":41772,"id.resp_h":"10.0.0.100","id.resp_p":53,"answers":["a","b"],"TTLs":[2230.0,1e3]}` + "\n"))
	f.Add([]byte(`{"ts":1,"uid":"C","id":{"orig_h":"::1","orig_p":1},"x":[[1],{"a":"\u00e9\ud83d\ude00"}]}`))
}

// FuzzRead feeds arbitrary bytes through sniffing and both Zeek readers: no panic, no record
// with a line number beyond the input's lines. (The JSON scanner alone is fuzzed in package
// jsonl.)
func FuzzRead(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var c countSink
		_, _ = readString(t, "conn.log", string(data), &c)
		lines := uint32(bytes.Count(data, []byte{'\n'}) + 1)
		if c.last > lines {
			t.Fatalf("record at line %d of a %d-line input", c.last, lines)
		}
	})
}
