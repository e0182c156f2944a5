package beacon

import (
	"testing"

	"github.com/sluice-hunt/sluice/detect/detecttest"
)

// The fixtures (written by testdata/gen.go): a TLS beacon to one name over six CDN
// addresses, an HTTP beacon through a proxy, a dead C2 tried every two minutes, and what must
// stay silent: browsing from the same host and a 12-second burst of regular calls.
func TestGolden(t *testing.T) {
	fs := detecttest.Hunt(t, New(), "testdata/conn.log", "testdata/ssl.log", "testdata/http.log")
	detecttest.Golden(t, "testdata/beacons.golden.jsonl", fs)
	want := map[string]bool{"10.0.0.5 sync.cdn-c2.example": false, "10.0.0.21 poll.bad-example.org": false, "10.0.0.33 203.0.113.66": false}
	for _, f := range fs {
		k := f.Entities.Src + " " + f.Entities.DstHost
		if f.Entities.DstHost == "" {
			k = f.Entities.Src + " " + f.Entities.Dst
		}
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected beacon %s: %s", k, f.Summary)
		}
		want[k] = true
	}
	for k, found := range want {
		if !found {
			t.Errorf("beacon %s not found", k)
		}
	}
}
