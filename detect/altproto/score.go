package altproto

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/finding"
	"github.com/sluice-hunt/sluice/netset"
)

// Score applies the seed's where clauses and risk bands to every group.
func (d *Detection) Score(agg detect.Aggregator, env *detect.Env) ([]finding.Finding, error) {
	a, ok := agg.(*Aggregator)
	if !ok {
		return nil, fmt.Errorf("%s: aggregator of another detection (%T)", ID, agg)
	}
	if a.err != nil {
		return nil, a.err
	}
	p := d.params
	info := d.Info()
	var out []finding.Finding
	for k, g := range a.groups {
		// | where count >= 5 AND total_bytes > 10000000
		if g.n < p.MinCount || g.out <= p.MinBytes {
			continue
		}
		// | eval risk_score=case(total_bytes > 50000000, 9, total_bytes > 10000000, 8)
		// | where risk_score >= 8
		risk, over := a.r.band(g.out)
		if risk < p.MinRisk || risk <= 0 {
			continue
		}
		f := detect.Base(info, risk)
		f.Entities = finding.Entities{
			Src:     k.src.String(),
			Dst:     k.dst.String(),
			DstPort: int(k.port),
			Proto:   protoNames(g.protos),
			Process: k.process,
		}
		f.First, f.Last = g.first, g.last
		where := place(env, k.dst)
		f.Summary = summary(k, g, where, p, time.Duration(a.r.span)*time.Microsecond)
		srcPorts, exact := g.srcPorts.len()
		f.Figures = []finding.Figure{
			finding.Fig("connections", g.n, finding.Count),
			finding.Fig("min_count", p.MinCount, finding.Count),
			finding.Fig("bytes_out", g.out, finding.Bytes),
			finding.Fig("min_bytes", p.MinBytes, finding.Bytes),
			finding.Fig("risk_band_bytes", over, finding.Bytes),
			finding.Fig("bytes_in", g.in, finding.Bytes),
			finding.Fig("out_in_ratio", ratio(g.out, g.in), finding.Ratio),
			finding.Fig("src_ports", srcPorts, finding.Count),
			finding.Fig("bucket", k.bucket, finding.TimeUnit),
			finding.Fig("first", g.first, finding.TimeUnit),
			finding.Fig("last", g.last, finding.TimeUnit),
			finding.Fig("destination", where, finding.Text),
		}
		if !exact {
			f.Figures = append(f.Figures, finding.Fig("src_ports_estimated", true, finding.Text))
		}
		if name := portNames[k.port]; name != "" {
			f.Figures = append(f.Figures, finding.Fig("port_protocol", name, finding.Text))
		}
		f.Evidence = g.sample.Evidence(func(it detect.Item) string {
			if it.Rank < 0 {
				return "bytes sent not logged (counted as 0)"
			}
			return finding.Commas(it.Rank) + " bytes sent"
		})
		out = append(out, f)
	}
	finding.Sort(out)
	return out, nil
}

// place says where an address is: internal, external, multicast, broadcast or unspecified.
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

// ratio is bytes out over bytes in, rounded to two decimals; with nothing received it is the
// bytes out (in counted as 1 byte), so that it stays a finite number.
func ratio(out, in int64) float64 {
	r := float64(out) / float64(max(in, 1))
	return float64(int64(r*100+0.5)) / 100
}

func protoNames(bits uint8) string {
	var names []string
	for _, x := range []struct {
		bit  uint8
		name string
	}{{tcpBit, "tcp"}, {udpBit, "udp"}, {icmpBit, "icmp"}, {otherBit, "other"}} {
		if bits&x.bit != 0 {
			names = append(names, x.name)
		}
	}
	return strings.Join(names, ",")
}

func summary(k key, g *group, where string, p Params, span time.Duration) string {
	port := strconv.Itoa(int(k.port))
	if name := portNames[k.port]; name != "" {
		port += " (" + name + ")"
	}
	period := "the " + shortDuration(span)
	if span == time.Hour {
		period = "the hour"
	}
	start := k.bucket.Std().Format("2006-01-02 15:04 UTC")
	return fmt.Sprintf("%s sent %s bytes to %s %s on port %s in %s connections during %s from %s (%s bytes received; thresholds: more than %s bytes in at least %s connections)",
		k.src, finding.Commas(g.out), where, k.dst, port, finding.Commas(g.n), period, start, finding.Commas(g.in), finding.Commas(p.MinBytes), finding.Commas(p.MinCount))
}

// shortDuration writes 30m for 30m0s and 2h for 2h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
