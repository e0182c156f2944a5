package finding

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/sluice-hunt/sluice/netset"
)

// Filter drops known-good findings without editing a detection: the place the seeds keep for
// their empty `*_filter` macros. A finding is dropped when any one list matches it.
type Filter struct {
	Src       []string `yaml:"src" doc:"source networks (CIDR or address) whose findings are dropped"`
	Dst       []string `yaml:"dst" doc:"destination networks (CIDR or address) whose findings are dropped"`
	Domain    []string `yaml:"domain" doc:"destination name or domain suffixes (example.com drops a.example.com)"`
	Process   []string `yaml:"process" doc:"process images (file name or full path, case-insensitive)"`
	UserAgent []string `yaml:"user_agent" doc:"user agents (exact, case-sensitive)"`
	User      []string `yaml:"user" doc:"user names (case-insensitive)"`

	src, dst *netset.Set
	compiled bool
}

// Compile checks the filter's lists; Drop compiles on first use when not called.
func (f *Filter) Compile() error {
	var err error
	if f.src, err = netset.Parse(f.Src); err != nil {
		return fmt.Errorf("exclude.src: %w", err)
	}
	if f.dst, err = netset.Parse(f.Dst); err != nil {
		return fmt.Errorf("exclude.dst: %w", err)
	}
	f.compiled = true
	return nil
}

// Empty reports whether the filter drops nothing.
func (f *Filter) Empty() bool {
	return f == nil || len(f.Src)+len(f.Dst)+len(f.Domain)+len(f.Process)+len(f.UserAgent)+len(f.User) == 0
}

// Drop reports whether the filter drops x.
func (f *Filter) Drop(x *Finding) bool {
	if f.Empty() {
		return false
	}
	if !f.compiled {
		if err := f.Compile(); err != nil {
			return false
		}
	}
	e := &x.Entities
	if a, err := netip.ParseAddr(e.Src); err == nil && f.src.Contains(a) {
		return true
	}
	if a, err := netip.ParseAddr(e.Dst); err == nil && f.dst.Contains(a) {
		return true
	}
	for _, d := range f.Domain {
		if InDomain(e.DstHost, d) || InDomain(e.Domain, d) {
			return true
		}
	}
	if e.Process != "" {
		p := strings.ToLower(e.Process)
		base := p[strings.LastIndexAny(p, `/\`)+1:]
		for _, q := range f.Process {
			q = strings.ToLower(q)
			if q == p || q == base {
				return true
			}
		}
	}
	for _, ua := range f.UserAgent {
		if e.UserAgent != "" && ua == e.UserAgent {
			return true
		}
	}
	for _, u := range f.User {
		if e.User != "" && strings.EqualFold(u, e.User) {
			return true
		}
	}
	return false
}

// InDomain reports whether name is domain or a name under it, ignoring case and trailing or
// leading dots ("a.example.com" is in "example.com" and ".example.com"; "badexample.com" is not).
func InDomain(name, domain string) bool {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	domain = strings.ToLower(strings.Trim(domain, "."))
	return name != "" && domain != "" && (name == domain || strings.HasSuffix(name, "."+domain))
}
