package detect

import (
	"bytes"
	"net/netip"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/event"
)

// Sources is a set of distinct addresses that stops growing at a cap: enough to tell "seen from
// at most n sources" from "more", in a few bytes per key. Past the cap it keeps the lowest
// addresses, so that the members, like the count, do not depend on the order of adds and
// merges. The zero value is empty.
type Sources struct {
	a [][16]byte
}

// Add puts a into the set; a full set keeps its cap lowest addresses.
func (s *Sources) Add(cap int, a [16]byte) {
	hi := -1
	for i, b := range s.a {
		if b == a {
			return
		}
		if hi < 0 || bytes.Compare(b[:], s.a[hi][:]) > 0 {
			hi = i
		}
	}
	if len(s.a) < cap {
		s.a = append(s.a, a)
		return
	}
	if hi >= 0 && bytes.Compare(a[:], s.a[hi][:]) < 0 {
		s.a[hi] = a
	}
}

// Merge adds o's members.
func (s *Sources) Merge(cap int, o *Sources) {
	for _, a := range o.a {
		s.Add(cap, a)
	}
}

// Len is the number of members, at most the cap.
func (s *Sources) Len() int { return len(s.a) }

// Addrs returns the members in address order.
func (s *Sources) Addrs() []netip.Addr {
	c := slices.Clone(s.a)
	slices.SortFunc(c, func(x, y [16]byte) int { return bytes.Compare(x[:], y[:]) })
	out := make([]netip.Addr, len(c))
	for i, a := range c {
		out[i] = netip.AddrFrom16(a).Unmap()
	}
	return out
}

// HTTPHost names the server of an HTTP request: the Host header without its port or trailing
// dot, in lower case, else the destination address; "" when neither is known. The result may
// alias h's strings: clone it to keep it.
func HTTPHost(h *event.HTTP) string {
	host := h.Host
	if host == "" {
		if h.Dst.IsValid() {
			return h.Dst.String()
		}
		return ""
	}
	if host[0] == '[' { // [v6]:port
		if i := strings.IndexByte(host, ']'); i > 0 {
			host = host[1:i]
		}
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 && strings.IndexByte(host, ':') == i {
		host = host[:i]
	}
	host = strings.TrimSuffix(host, ".")
	for i := 0; i < len(host); i++ {
		if c := host[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(host)
		}
	}
	return host
}

// EarliestAddr keeps the address seen first (on a tie, the lower one), whatever the order
// records and merges arrive in. The zero value holds no address.
type EarliestAddr struct {
	TS   event.Time
	Addr netip.Addr
}

// Offer proposes an address seen at ts; invalid addresses are ignored.
func (e *EarliestAddr) Offer(ts event.Time, a netip.Addr) {
	if !a.IsValid() {
		return
	}
	if !e.Addr.IsValid() || ts < e.TS || ts == e.TS && a.Less(e.Addr) {
		e.TS, e.Addr = ts, a
	}
}

// URIPath returns the path of a request URI: no query, no fragment, and no scheme and host when
// the URI is absolute (a proxy's request line). The result aliases uri.
func URIPath(uri string) string {
	if i := strings.IndexAny(uri, "?#"); i >= 0 {
		uri = uri[:i]
	}
	if i := strings.Index(uri, "://"); i >= 0 {
		rest := uri[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			return rest[j:]
		}
		return "/"
	}
	return uri
}
