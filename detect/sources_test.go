package detect

import (
	"net/netip"
	"testing"

	"github.com/sluice-hunt/sluice/event"
)

func TestSources(t *testing.T) {
	a := func(s string) [16]byte { return netip.MustParseAddr(s).As16() }
	var x, y Sources
	x.Add(3, a("10.0.0.2"))
	x.Add(3, a("10.0.0.1"))
	x.Add(3, a("10.0.0.2"))
	y.Add(3, a("10.0.0.3"))
	y.Add(3, a("10.0.0.1"))
	x.Merge(3, &y)
	if x.Len() != 3 {
		t.Fatalf("len %d", x.Len())
	}
	x.Add(3, a("10.0.0.9"))
	if x.Len() != 3 {
		t.Errorf("grew past the cap")
	}
	if got := x.Addrs(); got[0].String() != "10.0.0.1" || got[2].String() != "10.0.0.3" {
		t.Errorf("addrs %v", got)
	}
}

func TestHTTPHost(t *testing.T) {
	dst := netip.MustParseAddr("192.0.2.7")
	for _, tc := range []struct{ host, want string }{
		{"www.Example.com", "www.example.com"},
		{"www.example.com:8080", "www.example.com"},
		{"www.example.com.", "www.example.com"},
		{"[2001:db8::1]:443", "2001:db8::1"},
		{"2001:db8::1", "2001:db8::1"},
		{"", "192.0.2.7"},
	} {
		if got := HTTPHost(&event.HTTP{Host: tc.host, Flow: event.Flow{Dst: dst}}); got != tc.want {
			t.Errorf("HTTPHost(%q) = %q, want %q", tc.host, got, tc.want)
		}
	}
	if got := HTTPHost(&event.HTTP{}); got != "" {
		t.Errorf("no host, no dst: %q", got)
	}
}

func TestURIPath(t *testing.T) {
	for uri, want := range map[string]string{
		"/a/b?x=1":                  "/a/b",
		"/a#frag":                   "/a",
		"http://h.example/p/q?z":    "/p/q",
		"http://h.example":          "/",
		"/webdav/OfficeSupplies.7z": "/webdav/OfficeSupplies.7z",
		"":                          "",
	} {
		if got := URIPath(uri); got != want {
			t.Errorf("URIPath(%q) = %q, want %q", uri, got, want)
		}
	}
}
