// Package altproto finds hosts that send large volumes, in many connections, to one
// destination on the ports of FTP, SMTP, DNS and SMB within an hour: MITRE ATT&CK's analytic
// "Detecting Exfiltration Over Alternative Protocols" for T1048 (Network Connection
// Creation), reproduced to the letter. See README.md.
package altproto

import (
	"fmt"
	"slices"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
)

// ID is the detection's stable id.
const ID = "alt-protocol-volume"

func init() {
	detect.Register(func() detect.Detection { return New() })
}

// Band is one risk band: a group whose bytes out exceed Bytes scores Risk.
type Band struct {
	Bytes int64 `yaml:"bytes"`
	Risk  int   `yaml:"risk"`
}

// Params are the detection's parameters. The defaults are the seed's numbers.
type Params struct {
	Ports        []uint16        `yaml:"ports" doc:"destination ports watched (the seed's FTP, SMTP, DNS, NetBIOS/SMB, submission, SMTPS, FTPS ports)"`
	Bucket       detect.Duration `yaml:"bucket" doc:"time bucket: connections are counted per bucket, aligned to the Unix epoch in UTC (the seed's bucket span=1h)"`
	MinCount     int64           `yaml:"min_count" doc:"fewest connections in a bucket (count >= min_count)"`
	MinBytes     int64           `yaml:"min_bytes" doc:"bytes sent in a bucket must exceed this (sum of orig_bytes > min_bytes)"`
	RiskBands    []Band          `yaml:"risk_bands" doc:"risk by bytes sent: the highest band whose bytes the total exceeds gives the risk (the seed's 9 and 8, on a 0-100 scale)"`
	MinRisk      int             `yaml:"min_risk" doc:"lowest risk reported (the seed's risk_score >= 8)"`
	ExternalOnly bool            `yaml:"external_only" doc:"count only destinations outside the internal networks (not in the seed; turns off internal file and mail servers)"`
}

// DefaultParams returns the seed's numbers.
func DefaultParams() Params {
	return Params{
		Ports:     []uint16{21, 25, 53, 139, 445, 587, 465, 990},
		Bucket:    detect.Duration(3600e9),
		MinCount:  5,
		MinBytes:  10_000_000,
		RiskBands: []Band{{Bytes: 50_000_000, Risk: 90}, {Bytes: 10_000_000, Risk: 80}},
		MinRisk:   80,
	}
}

// Detection is the alternative-protocol volume detection.
type Detection struct {
	params Params
}

// New returns the detection with its default parameters.
func New() *Detection { return &Detection{params: DefaultParams()} }

// Info describes the detection.
func (d *Detection) Info() detect.Info {
	return detect.Info{
		ID:         ID,
		Title:      "Large outbound volume on an alternative protocol's port",
		Techniques: []string{"T1048", "T1048.003"},
		Kinds:      []event.Kind{event.KindConn},
		Fields:     "conn: ts, id.orig_h, id.orig_p, id.resp_h, id.resp_p, proto, orig_bytes, resp_bytes",
		Source:     "MITRE ATT&CK T1048, Network Connection Creation: \"Detecting Exfiltration Over Alternative Protocols\" (seed 003)",
	}
}

// Params returns the parameters, for the config to decode into.
func (d *Detection) Params() any { return &d.params }

// rules is the checked form of the parameters.
type rules struct {
	ports    [1024]uint64 // bitset of watched destination ports
	span     int64        // bucket span in microseconds
	external bool
	bands    []Band // highest bytes first
}

func compile(p *Params) (*rules, error) {
	r := &rules{span: p.Bucket.Micros(), external: p.ExternalOnly}
	if r.span <= 0 {
		return nil, fmt.Errorf("%s: bucket: %v is not a positive span", ID, p.Bucket)
	}
	for _, port := range p.Ports {
		r.ports[port>>6] |= 1 << (port & 63)
	}
	r.bands = slices.Clone(p.RiskBands)
	slices.SortStableFunc(r.bands, func(a, b Band) int {
		switch {
		case a.Bytes > b.Bytes:
			return -1
		case a.Bytes < b.Bytes:
			return 1
		}
		return 0
	})
	return r, nil
}

func (r *rules) watched(port uint16) bool { return r.ports[port>>6]&(1<<(port&63)) != 0 }

// bucket returns the start of the bucket holding ts.
func (r *rules) bucket(ts event.Time) event.Time {
	t := int64(ts)
	q := t / r.span
	if t%r.span < 0 {
		q--
	}
	return event.Time(q * r.span)
}

// band returns the risk of a total and the band's threshold (0, 0 when below every band).
func (r *rules) band(total int64) (risk int, over int64) {
	for _, b := range r.bands {
		if total > b.Bytes {
			return b.Risk, b.Bytes
		}
	}
	return 0, 0
}

// portNames says what the seed's ports carry, for summaries.
var portNames = map[uint16]string{
	21:  "FTP",
	25:  "SMTP",
	53:  "DNS",
	139: "NetBIOS session/SMB",
	445: "SMB",
	465: "SMTP over TLS",
	587: "SMTP submission",
	990: "FTP over TLS",
}
