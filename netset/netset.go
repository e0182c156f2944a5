// Package netset classifies addresses by network: which are internal, which are special
// (multicast, broadcast, loopback), and membership in user-given CIDR lists.
package netset

import (
	"fmt"
	"net/netip"
	"strings"
)

// DefaultInternal lists the networks treated as internal when the config names none:
// RFC 1918, carrier-grade NAT (RFC 6598), link-local, loopback, and IPv6 unique-local and
// link-local.
var DefaultInternal = []string{
	"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
	"100.64.0.0/10",
	"169.254.0.0/16", "127.0.0.0/8",
	"fc00::/7", "fe80::/10", "::1/128",
}

// Set is a list of networks.
type Set struct {
	v4, v6 []netip.Prefix
}

// Parse builds a set from CIDR strings ("10.0.0.0/8") or bare addresses.
func Parse(cidrs []string) (*Set, error) {
	s := &Set{}
	for _, c := range cidrs {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		var p netip.Prefix
		var err error
		if strings.Contains(c, "/") {
			p, err = netip.ParsePrefix(c)
		} else {
			var a netip.Addr
			a, err = netip.ParseAddr(c)
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if err != nil {
			return nil, fmt.Errorf("network %q: %w", c, err)
		}
		p = p.Masked()
		if p.Addr().Is4() {
			s.v4 = append(s.v4, p)
		} else {
			s.v6 = append(s.v6, p)
		}
	}
	return s, nil
}

// MustParse is Parse for lists known to be valid.
func MustParse(cidrs []string) *Set {
	s, err := Parse(cidrs)
	if err != nil {
		panic(err)
	}
	return s
}

// Contains reports whether a is in one of the set's networks. A nil set contains nothing.
func (s *Set) Contains(a netip.Addr) bool {
	if s == nil || !a.IsValid() {
		return false
	}
	a = a.Unmap()
	list := s.v6
	if a.Is4() {
		list = s.v4
	}
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Len is the number of networks in the set.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.v4) + len(s.v6)
}

// String lists the networks.
func (s *Set) String() string {
	if s == nil {
		return ""
	}
	var b []string
	for _, p := range append(append([]netip.Prefix{}, s.v4...), s.v6...) {
		b = append(b, p.String())
	}
	return strings.Join(b, ",")
}

// IsSpecial reports addresses that are not one host's peer: multicast, broadcast
// (255.255.255.255 and, heuristically, IPv4 addresses ending in .255), unspecified.
func IsSpecial(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsUnspecified() || a.IsMulticast() {
		return true
	}
	if a.Is4() {
		b := a.As4()
		return b[3] == 255
	}
	return false
}
