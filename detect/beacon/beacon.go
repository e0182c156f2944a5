// Package beacon finds command-and-control beacons: a source calling one destination (an
// address, or a name seen in TLS SNI, the HTTP Host header or DNS answers, also through a
// proxy, or looking up names under one domain) on a regular heartbeat, with jitter or without. Scoring follows RITA's published
// beacon analytic (timestamp and size regularity, histogram, duration) and goes beyond it: a
// jitter-tolerant period estimate, failed connections scored apart, one finding per beacon
// whatever the number of keys it shows under, and a prevalence modifier.
package beacon

import (
	"time"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/dnsname"
	"github.com/sluice-hunt/sluice/event"
)

// ID is the detection's identifier.
const ID = "beacon"

func init() { detect.Register(func() detect.Detection { return New() }) }

// Params are the detection's parameters.
type Params struct {
	MinConnections int             `yaml:"min_connections" doc:"fewest connections (distinct whole seconds) a series needs to be scored (RITA: 4)"`
	MinScore       float64         `yaml:"min_score" doc:"lowest beacon score (0..1) reported; RITA's bands: 0.5 low, 0.7 medium, 0.9 high"`
	FullEvidence   int             `yaml:"full_evidence" doc:"calls at which a series' score counts in full; with fewer, the score is pulled toward 0.4 by (calls-1)/(full_evidence-1): a handful of random visits can look regular, so few calls fire only when near-perfectly regular"`
	MinSpan        detect.Duration `yaml:"min_span" doc:"shortest time a series must span: a burst of calls within seconds (a page load, a sync) is not a heartbeat"`
	MinTiming      float64         `yaml:"min_timing" doc:"lowest timing score a beacon needs, whatever its other parts: coverage alone (a host busy all day with a server) is not a heartbeat"`
	FleetSources   int             `yaml:"fleet_sources" doc:"when at least this many sources beacon to one destination, they are reported once, as a fleet (management agents, update services, or a worm); 0 reports every source"`
	MaxPoints      int             `yaml:"max_points" doc:"connections kept per series; past this a series is a strobe (RITA: 86,400 a day) and is counted, not scored"`
	// Modifiers, RITA's, in score points (0..1).
	PrevalenceMinSources int     `yaml:"prevalence_min_sources" doc:"the prevalence modifiers apply only when at least this many sources were seen (in a small network every destination is common)"`
	CommonShare          float64 `yaml:"common_share" doc:"a destination that at least this share of the sources talk to is common (update and SaaS traffic): score - common_penalty"`
	CommonSources        int     `yaml:"common_sources" doc:"a destination that at least this many sources call on a heartbeat is common too, whatever their share (management agents, NAC posture checks); 0 turns it off"`
	CommonPenalty        float64 `yaml:"common_penalty" doc:"score points taken from beacons to common destinations (RITA: 0.15)"`
	RareShare            float64 `yaml:"rare_share" doc:"a destination that at most this share of the sources talk to is rare: score + rare_bonus"`
	RareBonus            float64 `yaml:"rare_bonus" doc:"score points added for rare destinations (RITA: 0.15)"`
	ExcludeSpecial       bool    `yaml:"exclude_special" doc:"ignore multicast, broadcast and unspecified destinations (NetBIOS and mDNS announcements are regular by design)"`
	DNSLookups           bool    `yaml:"dns_lookups" doc:"score a client's DNS lookups of names under one registered domain as a series too: a C2 that only speaks DNS (Cobalt Strike's DNS beacon, a TXT-polling implant) beats through its lookups, with a new name each time. Only lookups that lead to no connection count, and not those repeating as the answer's TTL runs out (a name in constant use)"`
	DNSMinTiming         float64 `yaml:"dns_min_timing" doc:"lowest timing score a series of DNS lookups needs: lookups come in bursts (a page's names, a resolver's clients), so only a steady clock counts; and a domain that common_sources clients look up is software, not an implant"`
	DNSSkipPorts         []int   `yaml:"dns_skip_ports" doc:"server ports of lookups that are regular by design and not DNS proper: NetBIOS (137), multicast DNS (5353), LLMNR (5355)"`
	// FailedStates are the Zeek conn_state values of connections that never completed.
	FailedStates []string `yaml:"failed_states" doc:"Zeek conn_state values of connections that never completed: scored as their own series, not mixed into the beacon"`
}

// DefaultParams returns the defaults.
func DefaultParams() Params {
	return Params{
		MinConnections:       4,
		MinScore:             0.5,
		MinTiming:            0.5,
		FullEvidence:         25,
		MinSpan:              detect.Duration(time.Minute),
		FleetSources:         20,
		MaxPoints:            86_400,
		PrevalenceMinSources: 10,
		CommonShare:          0.5,
		CommonSources:        10,
		CommonPenalty:        0.15,
		RareShare:            0.02,
		RareBonus:            0.15,
		ExcludeSpecial:       true,
		DNSLookups:           true,
		DNSMinTiming:         0.8,
		DNSSkipPorts:         []int{137, 5353, 5355},
		FailedStates:         []string{"S0", "REJ", "RSTOS0", "RSTRH", "SH", "SHR"},
	}
}

// Detection is the beacon detection.
type Detection struct {
	p       Params
	domains *dnsname.Cache[string] // a DNS query's registered domain ("" when not a lookup series)
}

// New returns the detection with its default parameters.
func New() *Detection { return &Detection{p: DefaultParams(), domains: dnsname.NewCache[string]()} }

// Params returns the parameters, holding their defaults until the config is decoded into them.
func (d *Detection) Params() any { return &d.p }

var info = detect.Info{
	ID:         ID,
	Title:      "Beacon: regular calls from one source to one destination",
	Techniques: []string{"T1071", "T1071.001", "T1573", "T1029"},
	Kinds:      []event.Kind{event.KindConn, event.KindTLS, event.KindHTTP, event.KindDNS, event.KindHost},
	Fields: "conn: ts, id.orig_h, id.resp_h, id.resp_p, proto, conn_state, orig_ip_bytes (orig_bytes when absent); " +
		"ssl: ts, id.*, server_name, established; http: ts, id.*, method, host, uri, proxied, request_body_len; " +
		"dns: ts, id.orig_h, id.resp_p, query, answers; host connections (Sysmon 3, auditd connect): UtcTime, SourceIp, DestinationIp, DestinationPort, Initiated",
	Source: "seed 002 (TH-0002, Beaconing and Session Timing using RITA); RITA v5's beacon analytic",
}

// Info describes the detection.
func (d *Detection) Info() detect.Info { return info }
