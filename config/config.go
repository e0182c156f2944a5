// Package config reads sluice.yaml: the run's settings, each detection's parameters and
// exclusions. Unknown keys are errors, so that a typo never silently keeps a default.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/sluice-hunt/sluice/attrib"
	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
	"github.com/sluice-hunt/sluice/netset"
	"github.com/sluice-hunt/sluice/source/pcap"
)

// Config is the whole file.
type Config struct {
	// InternalNetworks are the networks treated as inside; empty means netset.DefaultInternal.
	InternalNetworks []string `yaml:"internal_networks"`
	// ExternalNetworks are outside even when InternalNetworks covers them.
	ExternalNetworks []string `yaml:"external_networks"`
	// Attribution tunes how findings are tied to host processes.
	Attribution Attribution `yaml:"attribution"`
	// Evidence is the most source records each finding carries (default 5).
	Evidence *int `yaml:"evidence"`
	// MinScore drops findings with a lower risk (default 0).
	MinScore int `yaml:"min_score"`
	// Baseline is a file saved by `sluice baseline save`; detections that read one report only
	// what is not in it. --baseline wins.
	Baseline string `yaml:"baseline"`
	// Exclude applies to every detection's findings.
	Exclude finding.Filter `yaml:"exclude"`
	// Detections holds each detection's settings by ID.
	Detections map[string]yaml.Node `yaml:"detections"`
	// Sources tunes input formats.
	Sources Sources `yaml:"sources"`
}

// Sources tunes input formats.
type Sources struct {
	// Pcap tunes how packet captures become flows (package source/pcap).
	Pcap PcapSource `yaml:"pcap"`
}

// PcapSource is sources.pcap: flow timeouts and limits (zero or absent keeps the default).
type PcapSource struct {
	TCPIdle    detect.Duration `yaml:"tcp_idle"`    // default 5m
	UDPIdle    detect.Duration `yaml:"udp_idle"`    // default 1m
	ICMPIdle   detect.Duration `yaml:"icmp_idle"`   // default 1m
	Active     detect.Duration `yaml:"active"`      // default 0: off
	CloseDelay detect.Duration `yaml:"close_delay"` // default 5s
	MaxFlows   int             `yaml:"max_flows"`   // default 1048576
	BodyBytes  int             `yaml:"body_bytes"`  // default 512
}

// SourceOptions returns the formats' settings for engine.Options.Sources.
func (c *Config) SourceOptions() map[string]any {
	p := c.Sources.Pcap
	return map[string]any{pcap.FormatName: pcap.Options{
		TCPIdle: p.TCPIdle.Std(), UDPIdle: p.UDPIdle.Std(), ICMPIdle: p.ICMPIdle.Std(), Active: p.Active.Std(),
		CloseDelay: p.CloseDelay.Std(), MaxFlows: p.MaxFlows, BodyBytes: p.BodyBytes,
	}}
}

// Attribution tunes process attribution (see package attrib).
type Attribution struct {
	// Tolerance is how far apart a network record's time and the host's may be (default 5s).
	Tolerance *detect.Duration `yaml:"tolerance"`
	// Processes is the most processes a finding names (default 3).
	Processes int `yaml:"processes"`
}

// AttribOptions returns the attribution options with their defaults.
func (c *Config) AttribOptions() attrib.Options {
	o := attrib.DefaultOptions()
	if c == nil {
		return o
	}
	if c.Attribution.Tolerance != nil {
		o.Tolerance = event.Duration(c.Attribution.Tolerance.Micros())
	}
	if c.Attribution.Processes > 0 {
		o.Max = c.Attribution.Processes
	}
	return o
}

// External returns the networks that are outside even when inside the internal ones (nil
// when none).
func (c *Config) External() (*netset.Set, error) {
	if c == nil || len(c.ExternalNetworks) == 0 {
		return nil, nil
	}
	return netset.Parse(c.ExternalNetworks)
}

// Detection is one detection as configured.
type Detection struct {
	detect.Detection
	Exclude finding.Filter
}

// Load reads the file at path.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Parse reads a config document; an empty one is the defaults.
func Parse(b []byte) (*Config, error) {
	c := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if err := c.Exclude.Compile(); err != nil {
		return nil, err
	}
	return c, nil
}

// Internal returns the internal networks.
func (c *Config) Internal() (*netset.Set, error) {
	if c == nil || len(c.InternalNetworks) == 0 {
		return netset.Parse(netset.DefaultInternal)
	}
	return netset.Parse(c.InternalNetworks)
}

// EvidenceLimit returns the most records a finding carries.
func (c *Config) EvidenceLimit() int {
	if c == nil || c.Evidence == nil {
		return 5
	}
	return max(0, *c.Evidence)
}

// Apply decodes each detection's settings into its parameters and returns the detections that
// are enabled, in the order given. A section naming no known detection is an error.
func (c *Config) Apply(all []detect.Detection) ([]Detection, error) {
	// every registered detection is known, not only those chosen for the run: a config that
	// sets a detection --detections leaves out is still valid
	known := map[string]bool{}
	for _, d := range append(detect.All(), all...) {
		known[d.Info().ID] = true
	}
	if c != nil {
		for id := range c.Detections {
			if !known[id] {
				return nil, fmt.Errorf("detections.%s: no such detection (see `sluice detections`)", id)
			}
		}
	}
	var out []Detection
	for _, d := range all {
		cd := Detection{Detection: d}
		enabled := true
		if c != nil {
			if node, ok := c.Detections[d.Info().ID]; ok {
				var err error
				enabled, err = decodeDetection(&node, d, &cd.Exclude)
				if err != nil {
					return nil, fmt.Errorf("detections.%s: %w", d.Info().ID, err)
				}
			}
		}
		if enabled {
			out = append(out, cd)
		}
	}
	return out, nil
}

// decodeDetection splits the common keys (enabled, exclude) from the parameters and decodes
// the parameters strictly into the detection's struct.
func decodeDetection(node *yaml.Node, d detect.Detection, exclude *finding.Filter) (bool, error) {
	enabled := true
	if node.Kind == 0 || (node.Kind == yaml.ScalarNode && node.Tag == "!!null") {
		return true, nil
	}
	if node.Kind != yaml.MappingNode {
		return false, fmt.Errorf("line %d: expected a mapping of parameters", node.Line)
	}
	params := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, v := node.Content[i], node.Content[i+1]
		switch k.Value {
		case "enabled":
			if err := v.Decode(&enabled); err != nil {
				return false, err
			}
		case "exclude":
			dec := strictNode(v)
			if err := dec(exclude); err != nil {
				return false, fmt.Errorf("exclude: %w", err)
			}
			if err := exclude.Compile(); err != nil {
				return false, err
			}
		default:
			params.Content = append(params.Content, k, v)
		}
	}
	if len(params.Content) > 0 {
		if err := strictNode(params)(d.Params()); err != nil {
			return false, err
		}
	}
	return enabled, nil
}

// strictNode decodes a node rejecting unknown keys (yaml.v3 checks them only in a Decoder).
func strictNode(n *yaml.Node) func(any) error {
	return func(v any) error {
		b, err := yaml.Marshal(n)
		if err != nil {
			return err
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		return dec.Decode(v)
	}
}
