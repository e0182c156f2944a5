package postc2

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/finding"
	"github.com/sluice-hunt/sluice/netset"
)

// Score reports the pairs that POSTed with at least min_risk of signals.
func (d *Detection) Score(agg detect.Aggregator, env *detect.Env) ([]finding.Finding, error) {
	a, ok := agg.(*Aggregator)
	if !ok {
		return nil, fmt.Errorf("%s: aggregator of another detection (%T)", ID, agg)
	}
	if d.c == nil {
		if err := d.Prepare(); err != nil {
			return nil, err
		}
	}
	var out []finding.Finding
	for k, p := range a.pairs.All() {
		if p.post == nil {
			continue
		}
		if f, ok := d.score(k, p, env); ok {
			out = append(out, f)
		}
	}
	finding.Sort(out)
	return out, nil
}

// score turns one pair into a finding when its risk reaches min_risk.
func (d *Detection) score(k pairKey, p *pair, env *detect.Env) (finding.Finding, bool) {
	s := p.post
	b := &s.best
	flags := b.j.flags
	if p.others == 0 {
		flags |= sigPostOnly
	}
	dyn := d.c.dynamicDomain(k.host)
	if dyn != "" {
		flags |= sigDynamicDNS
	}
	hostAddr, hostIsAddr := parseAddr(k.host)
	if hostIsAddr && external(env, hostAddr) {
		flags |= sigIPHost
	}
	switch {
	case b.proxied && !hostIsAddr:
		flags |= sigExternal // a name asked of a proxy: outside, unless the filter says so
	case b.proxied:
		if external(env, hostAddr) {
			flags |= sigExternal
		}
	case b.dst.IsValid() && external(env, b.dst):
		flags |= sigExternal
	}
	r := &d.p.Risk
	risk := min(100, r.score(flags))
	if risk < d.p.MinRisk {
		return finding.Finding{}, false
	}

	f := detect.Base(info, risk)
	src := netip.AddrFrom16(k.src).Unmap()
	f.Entities = finding.Entities{Src: src.String(), DstPort: int(b.dstPort), App: "http", UserAgent: b.ua}
	if b.dst.IsValid() {
		f.Entities.Dst = b.dst.String()
	}
	if !hostIsAddr || k.host != f.Entities.Dst {
		f.Entities.DstHost = k.host
	}
	f.First, f.Last = s.first, s.last
	f.Summary = d.summary(k, p, flags, dyn)

	var names []string
	for _, sd := range signalDefs {
		if flags&sd.bit != 0 {
			names = append(names, sd.name)
		}
	}
	f.Figures = []finding.Figure{
		finding.Fig("posts", s.posts, finding.Count),
		finding.Fig("other_requests", p.others, finding.Count),
		finding.Fig("uri", b.uri, finding.Text),
		finding.Fig("paths", pathList(s), finding.Text),
		finding.Fig("signals", strings.Join(names, ", "), finding.Text),
	}
	if s.bodyBytes > 0 {
		f.Figures = append(f.Figures, finding.Fig("request_body_bytes", s.bodyBytes, finding.Bytes))
	}
	if b.ctype != "" {
		f.Figures = append(f.Figures, finding.Fig("content_type", b.ctype, finding.Text))
	}
	if b.body != "" {
		f.Figures = append(f.Figures, finding.Fig("body", printable(b.body, maxNoteBody), finding.Text))
	}
	if b.j.body != "" {
		f.Figures = append(f.Figures, finding.Fig("body_encoding", b.j.body, finding.Text))
	}
	if b.j.gate != "" {
		f.Figures = append(f.Figures, finding.Fig("gate", b.j.gate, finding.Text))
	}
	if dyn != "" {
		f.Figures = append(f.Figures, finding.Fig("dynamic_dns_domain", dyn, finding.Text))
	}
	for _, sd := range signalDefs {
		if flags&sd.bit != 0 {
			f.Figures = append(f.Figures, finding.Fig("risk_"+sd.name, sd.weight(r), finding.Count))
		}
	}
	f.Figures = append(f.Figures, finding.Fig("min_risk", d.p.MinRisk, finding.Count))
	f.Evidence = s.ev.evidence()
	return f, true
}

// summary says who posted to where, what, with which user agent, and why it scored.
func (d *Detection) summary(k pairKey, p *pair, flags signal, dyn string) string {
	s := p.post
	b := &s.best
	var w strings.Builder
	src := netip.AddrFrom16(k.src).Unmap()
	fmt.Fprintf(&w, "%s sent %s to %s", src, finding.Plural(s.posts, "POST"), k.host)
	if b.dst.IsValid() && b.dst.String() != k.host {
		fmt.Fprintf(&w, " (%s:%d)", b.dst, b.dstPort)
	} else if b.dstPort != 0 {
		fmt.Fprintf(&w, ":%d", b.dstPort)
	}
	fmt.Fprintf(&w, ": POST %s", finding.Clip(b.uri, 120))
	if b.ua == "" {
		w.WriteString(" with no user agent")
	} else {
		fmt.Fprintf(&w, " as %q", finding.Clip(b.ua, 120))
	}
	var why []string
	if flags&sigPostOnly != 0 {
		why = append(why, "never fetched anything else from it")
	} else {
		why = append(why, finding.Plural(p.others, "other request")+" to it")
	}
	if flags&sigNoReferrer != 0 {
		why = append(why, "a browser user agent with neither Referer nor Origin")
	}
	switch {
	case flags&sigGatePath != 0:
		why = append(why, fmt.Sprintf("a gate path (%s)", b.j.gate))
	case flags&sigScriptPath != 0:
		why = append(why, fmt.Sprintf("a script (%s)", b.j.ext))
	}
	if flags&sigDynamicDNS != 0 {
		why = append(why, fmt.Sprintf("a dynamic-DNS host (%s)", dyn))
	}
	if flags&sigIPHost != 0 {
		why = append(why, "a bare IP address for a host")
	}
	if flags&sigExternal != 0 {
		why = append(why, "external")
	}
	if flags&sigEncodedBody != 0 {
		why = append(why, fmt.Sprintf("an encoded body (%s)", b.j.body))
	}
	if flags&sigFormType != 0 {
		why = append(why, fmt.Sprintf("content type %s", baseType(b.ctype)))
	}
	w.WriteString("; ")
	w.WriteString(strings.Join(why, "; "))
	return w.String()
}

func pathList(s *postState) string {
	l := strings.Join(s.paths, " ")
	if s.morePaths {
		l += " ..."
	}
	return l
}

func parseAddr(host string) (netip.Addr, bool) {
	if !isAddr(host) {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(host)
	return a, err == nil
}

// external reports whether a is a unicast address outside the internal networks.
func external(env *detect.Env, a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsUnspecified() || a.IsMulticast() || a.IsLoopback() || netset.IsSpecial(a) {
		return false
	}
	return !env.IsInternal(a)
}
