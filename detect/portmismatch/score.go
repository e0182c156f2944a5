package portmismatch

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/finding"
	"github.com/sluice-hunt/sluice/netset"
)

// Score reports every group: in the seed any mismatch is a finding, and the risk says how
// much it matters.
func (d *Detection) Score(agg detect.Aggregator, env *detect.Env) ([]finding.Finding, error) {
	a, ok := agg.(*Aggregator)
	if !ok {
		return nil, fmt.Errorf("%s: aggregator of another detection (%T)", ID, agg)
	}
	if a.err != nil {
		return nil, a.err
	}
	info := d.Info()
	r := d.params.Risk
	out := make([]finding.Finding, 0, len(a.groups))
	for k, g := range a.groups {
		app := a.t.apps[k.app]
		where := place(env, k.dst)
		external := where == "external"
		others := a.t.othersExpecting(int(k.app), k.port)

		risk := r.Base
		var parts []finding.Figure
		parts = append(parts, finding.Fig("risk_base", r.Base, finding.Count))
		if external && r.External != 0 {
			risk += r.External
			parts = append(parts, finding.Fig("risk_external", r.External, finding.Count))
		}
		if app.risky && r.App != 0 {
			risk += r.App
			parts = append(parts, finding.Fig("risk_app", r.App, finding.Count))
		}
		if g.out > r.BigOutBytes && r.BigOut != 0 {
			risk += r.BigOut
			parts = append(parts, finding.Fig("risk_big_out", r.BigOut, finding.Count))
		}
		if len(others) > 0 && r.OtherAppPort != 0 {
			risk += r.OtherAppPort
			parts = append(parts, finding.Fig("risk_other_app_port", r.OtherAppPort, finding.Count))
		}

		f := detect.Base(info, risk)
		f.Entities = finding.Entities{
			Src:     k.src.String(),
			Dst:     k.dst.String(),
			DstPort: int(k.port),
			Proto:   k.proto,
			App:     app.name,
		}
		f.First, f.Last = g.first, g.last
		f.Summary = summary(k, g, app, others, where)
		f.Figures = []finding.Figure{
			finding.Fig("connections", g.n, finding.Count),
			finding.Fig("bytes_out", g.out, finding.Bytes),
			finding.Fig("bytes_in", g.in, finding.Bytes),
			finding.Fig("service", g.service, finding.Text),
			finding.Fig("expected_ports", app.ports.String(), finding.Text),
		}
		if len(others) > 0 {
			f.Figures = append(f.Figures, finding.Fig("port_expected_for", strings.Join(others, ","), finding.Text))
		}
		f.Figures = append(f.Figures,
			finding.Fig("destination", where, finding.Text),
			finding.Fig("big_out_bytes", r.BigOutBytes, finding.Bytes))
		f.Figures = append(f.Figures, parts...)
		f.Evidence = g.sample.Evidence(func(it detect.Item) string {
			return finding.Commas(it.Rank) + " bytes exchanged (orig+resp payload)"
		})
		out = append(out, f)
	}
	finding.Sort(out)
	return out, nil
}

func summary(k key, g *group, app appInfo, others []string, where string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s spoke %s to %s %s on %s/%d, where %s is expected on %s",
		k.src, app.name, where, k.dst, protoOr(k.proto), k.port, app.name, app.ports)
	if len(others) > 0 {
		fmt.Fprintf(&b, " (the port of %s)", strings.Join(others, ", "))
	}
	conns := "connections"
	if g.n == 1 {
		conns = "connection"
	}
	fmt.Fprintf(&b, ": %s %s, %s bytes out, %s bytes in", finding.Commas(g.n), conns, finding.Commas(g.out), finding.Commas(g.in))
	return b.String()
}

// place says where an address is: internal, external, multicast, broadcast or unspecified.
// Multicast and broadcast destinations are no one's peer, so they are never external.
func place(env *detect.Env, a netip.Addr) string {
	u := a.Unmap()
	switch {
	case u.IsMulticast():
		return "multicast"
	case u.IsUnspecified() || !u.IsValid():
		return "unspecified"
	case netset.IsSpecial(u):
		return "broadcast"
	case env.IsInternal(a):
		return "internal"
	}
	return "external"
}

func protoOr(p string) string {
	if p == "" {
		return "port"
	}
	return p
}
