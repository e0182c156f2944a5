package jsonl

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

const datasets = "../../../shared/datasets"

// realSeeds returns the first lines of real JSON logs (when the shared datasets are present),
// so that the fuzzer starts from what Zeek and HELK really write.
func realSeeds() [][]byte {
	var out [][]byte
	for _, name := range []string{
		"apt29-day1-zeek/SCRANTON_http.log", "apt29-day1-zeek/NASHUA_conn.log", "apt29-day1-zeek/NASHUA_x509.log",
		"rita-http/json_with_all_fields__conn.log", "rita-http/json_with_all_fields__http.log",
		"rita-http/json_with_all_fields__dns.log", "wrccdc-dns-ssl/zeek-json__ssl.json.gz",
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

func fuzzSeeds(f *testing.F) {
	for _, s := range realSeeds() {
		f.Add(s)
	}
	f.Add([]byte(`{"_path":"dns","ts":"2018-03-24T17:15:20.865716Z","uid":"C","id.orig_h":"10.47.1.100","id.orig_p":41772,"id.resp_h":"10.0.0.100","id.resp_p":53,"answers":["a","b"],"TTLs":[2230.0,1e3]}` + "\n"))
	f.Add([]byte(`{"ts":1,"uid":"C","id":{"orig_h":"::1","orig_p":1},"x":[[1],{"a":"\u00e9\ud83d\ude00"}]}`))
	f.Add([]byte(`{"preview":false,"result":{"_raw":"{\"src_ip\":\"10.0.0.1\",\"form_data\":\"PK\\u0003\\u0004\"}","bytes_in":"12"}}`))
	f.Add([]byte(`{"a":null,"b":[null,true,false,-0.5e-3],"c":{},"d":[]}` + "\n" + `{"a":"x` + "\n"))
}

// FuzzJSONScanner checks the scanner alone: no panic, and every accepted object is accepted
// again, with the same keys and values, when its members are written out flat and re-read.
func FuzzJSONScanner(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var sc, again Scanner
		for _, l := range bytes.Split(data, []byte{'\n'}) {
			kvs, err := sc.Scan(l)
			if err != nil {
				continue
			}
			want := dump(kvs)
			flat := reencode(kvs)
			kvs2, err := again.Scan(flat)
			if err != nil {
				t.Fatalf("%q was accepted, its re-encoding %q not: %v", l, flat, err)
			}
			if got := dump(kvs2); got != want {
				t.Fatalf("%q re-read differently:\n got %q\nwant %q", l, got, want)
			}
		}
	})
}

// reencode writes kvs as one flat object, every scalar as a JSON string.
func reencode(kvs []KV) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range kvs {
		if i > 0 {
			b.WriteByte(',')
		}
		quote(&b, kv.Key)
		b.WriteByte(':')
		switch kv.Kind {
		case Scalar:
			quote(&b, kv.Val)
		case Null:
			b.WriteString("null")
		case Array:
			b.WriteByte('[')
			for j, it := range kv.Items {
				if j > 0 {
					b.WriteByte(',')
				}
				quote(&b, it)
			}
			b.WriteByte(']')
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

// quote writes s as a JSON string, escaping only what JSON requires (bytes >= 0x80 pass
// through, as the scanner passes them).
func quote(b *bytes.Buffer, s []byte) {
	b.WriteByte('"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
