// Package dnsname takes DNS query names apart: the registered domain a name sits under (by the
// public suffix list), and whether the rest of the name carries data, the way tunnels and DNS
// C2 write it (long labels, hex, base32, base64 or raw bytes), rather than a name people or
// programs chose.
package dnsname

import (
	"net/netip"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Canonical returns the name as DNS compares it: lower case, no trailing dot, surrounding
// space trimmed. Zeek's escapes (\xNN) are kept as written. It does not allocate when the name
// is already canonical.
func Canonical(name string) string { return lower(trim(name)) }

// trim drops surrounding space and a trailing dot.
func trim(name string) string { return strings.TrimSuffix(strings.TrimSpace(name), ".") }

// lower lowercases ASCII letters (DNS compares names without regard to ASCII case only),
// without allocating when there is none in upper case.
func lower(name string) string {
	for i := 0; i < len(name); i++ {
		if c := name[i]; 'A' <= c && c <= 'Z' {
			b := []byte(name)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return name
}

// Reverse-lookup zones: their names are addresses, not data.
const (
	ReverseV4 = "in-addr.arpa"
	ReverseV6 = "ip6.arpa"
)

// IsReverse reports whether a canonical name is a reverse (PTR) lookup name.
func IsReverse(name string) bool {
	return name == ReverseV4 || name == ReverseV6 ||
		strings.HasSuffix(name, "."+ReverseV4) || strings.HasSuffix(name, "."+ReverseV6)
}

// Registered returns the registered domain of a canonical name: its public suffix and the
// label before it (eTLD+1: mail.example.co.uk -> example.co.uk).
//
// The public suffix list has two parts: ICANN's suffixes (co.uk) and private ones that
// companies declare for names they hand out to customers (duckdns.org, ngrok-free.app,
// cloudfront.net, s3.amazonaws.com). With private true a private suffix counts as a suffix:
// each customer's name is its own registered domain (evil.duckdns.org), which is what owns the
// names under it. With private false only ICANN's suffixes count, and all of a provider's
// customers fall under the provider (duckdns.org).
//
// Reverse lookups return their zone (in-addr.arpa, ip6.arpa); a name under a suffix nobody
// lists (corp.example, host.local) takes the last label as its suffix, unless that label cannot
// be a top-level domain (digits, or more than 24 characters: dnscat.<hex>), when the name's
// first label is its domain; a name that is itself a suffix, or a single label, is its own
// registered domain; addresses and names with an empty label return "".
func Registered(name string, private bool) string {
	if name == "" || name[0] == '.' || strings.Contains(name, "..") {
		return "" // an empty label: not a name
	}
	if IsReverse(name) {
		if strings.HasSuffix(name, ReverseV6) {
			return ReverseV6
		}
		return ReverseV4
	}
	if c := name[len(name)-1]; '0' <= c && c <= '9' || strings.IndexByte(name, ':') >= 0 {
		if _, err := netip.ParseAddr(name); err == nil {
			return ""
		}
	}
	suffix, icann := publicsuffix.PublicSuffix(name)
	if !icann && strings.IndexByte(suffix, '.') < 0 && notTLD(suffix) && len(suffix) < len(name) {
		// The last label is no top-level domain: data (dnscat2 without a domain writes
		// dnscat.<hex>). The fixed part of such names is their first label.
		return name[:strings.IndexByte(name, '.')]
	}
	for !private && !icann {
		i := strings.IndexByte(suffix, '.')
		if i < 0 {
			break // a suffix nobody lists: its last label
		}
		suffix, icann = publicsuffix.PublicSuffix(suffix[i+1:])
	}
	if len(suffix) >= len(name) {
		return name
	}
	rest := name[:len(name)-len(suffix)-1]
	if i := strings.LastIndexByte(rest, '.'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// notTLD reports whether a label that no suffix list has cannot be a top-level domain at all:
// top-level domains are letters only (or IDNA's xn--), at most 63 of them; a label with
// digits, or a long one, is data.
func notTLD(label string) bool {
	if strings.HasPrefix(label, "xn--") {
		return false
	}
	if len(label) > 24 {
		return true
	}
	for i := 0; i < len(label); i++ {
		if c := label[i]; !('a' <= c && c <= 'z') {
			return true
		}
	}
	return false
}
