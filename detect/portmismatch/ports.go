package portmismatch

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// PortRange is an inclusive range of ports, written in config as a number (443) or as a
// range ("6660-6669").
type PortRange struct {
	Lo, Hi uint16
}

// Port is the range of one port.
func Port(p uint16) PortRange { return PortRange{p, p} }

// Range is the range lo..hi.
func Range(lo, hi uint16) PortRange { return PortRange{lo, hi} }

// Contains reports whether p is in r.
func (r PortRange) Contains(p uint16) bool { return r.Lo <= p && p <= r.Hi }

func (r PortRange) String() string {
	if r.Lo == r.Hi {
		return strconv.Itoa(int(r.Lo))
	}
	return strconv.Itoa(int(r.Lo)) + "-" + strconv.Itoa(int(r.Hi))
}

// ParsePortRange reads "443" or "6660-6669".
func ParsePortRange(s string) (PortRange, error) {
	s = strings.TrimSpace(s)
	lo, hi, isRange := strings.Cut(s, "-")
	a, err := parsePort(lo)
	if err != nil {
		return PortRange{}, fmt.Errorf("port %q: %w", s, err)
	}
	if !isRange {
		return Port(a), nil
	}
	b, err := parsePort(hi)
	if err != nil {
		return PortRange{}, fmt.Errorf("port range %q: %w", s, err)
	}
	if b < a {
		return PortRange{}, fmt.Errorf("port range %q: end before start", s)
	}
	return Range(a, b), nil
}

func parsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
	if err != nil {
		return 0, fmt.Errorf("not a port number (0-65535)")
	}
	return uint16(n), nil
}

// UnmarshalYAML reads a number or an "a-b" range.
func (r *PortRange) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a port is a number or a range like 6660-6669", n.Line)
	}
	v, err := ParsePortRange(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*r = v
	return nil
}

// MarshalYAML writes a single port as a number and a range as "a-b".
func (r PortRange) MarshalYAML() (any, error) {
	if r.Lo == r.Hi {
		return int(r.Lo), nil
	}
	return r.String(), nil
}

// portSet is a sorted list of disjoint ranges.
type portSet []PortRange

// normalize sorts and merges overlapping or adjacent ranges.
func normalize(rs []PortRange) portSet {
	out := slices.Clone(rs)
	slices.SortFunc(out, func(a, b PortRange) int { return int(a.Lo) - int(b.Lo) })
	merged := out[:0]
	for _, r := range out {
		if n := len(merged); n > 0 && int(r.Lo) <= int(merged[n-1].Hi)+1 {
			merged[n-1].Hi = max(merged[n-1].Hi, r.Hi)
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

// Contains reports whether p is in the set. Sets are short (a handful of ranges), so a
// linear scan beats a search.
func (s portSet) Contains(p uint16) bool {
	for _, r := range s {
		if p < r.Lo {
			return false
		}
		if p <= r.Hi {
			return true
		}
	}
	return false
}

func (s portSet) String() string {
	parts := make([]string, len(s))
	for i, r := range s {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}
