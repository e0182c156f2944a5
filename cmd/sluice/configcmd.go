package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/netset"
)

func configCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "Print a sluice.yaml holding every option at its default, each explained",
		Long: `Print a complete sluice.yaml: the run's settings and every detection's parameters at their
defaults, each with its meaning as a comment. Save it, delete what you do not change, and pass
it with --config (or keep it as ./sluice.yaml).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			writeDefaultConfig(cmd.OutOrStdout(), detect.All())
			return nil
		},
	}
}

func writeDefaultConfig(w io.Writer, all []detect.Detection) {
	fmt.Fprintf(w, `# sluice.yaml: every option at its default (written by "sluice config").
# Unknown keys are errors, so a misspelt option never silently keeps its default.

# Networks treated as inside: internal-to-internal traffic is judged differently by some detections.
internal_networks: [%s]

# Networks outside even when internal_networks covers them (a lab's C2 server in 10.0.0.0/8,
# a partner's range): detections treat their addresses as external.
external_networks: []

# Process attribution: network findings name the host process behind their records when host
# logs (Sysmon, auditd) are read too.
attribution:
  tolerance: 5s   # how far apart a network record's time and the host's may be
  processes: 3    # the most processes a finding names

# Most source records shown as evidence per finding.
evidence: 5

# Findings with a lower risk (0-100) are dropped (also --min-score).
min_score: 0

# A baseline written by "sluice baseline save": detections that read one (rare-user-agent)
# report only what it does not hold (also --baseline). Empty: none.
baseline: ""

# Findings to drop whatever the detection (the seeds' empty *_filter macros). Any match drops.
exclude:
  src: []         # source networks (CIDR or address)
  dst: []         # destination networks
  domain: []      # destination name or domain suffixes (example.com drops a.example.com)
  process: []     # process images (file name or full path, case-insensitive)
  user_agent: []  # HTTP user agents (exact)
  user: []        # user names (case-insensitive)

# Input formats' settings.
sources:
  # Packet captures (pcap, pcapng) become flows as Zeek makes them: a flow ends after these
  # times without a packet (Zeek's defaults), or close_delay after it closed.
  pcap:
    tcp_idle: 5m
    udp_idle: 1m
    icmp_idle: 1m
    close_delay: 5s
    active: 0s          # report a flow that lasts this long and go on counting (NetFlow's active timeout); 0: never
    max_flows: 1048576  # flows kept at once; past it the longest idle are reported early
    body_bytes: 512     # bytes of each HTTP request body kept (archive and form detections read them)

# Each detection: enabled, an exclude block like the one above, and its parameters.
detections:
`, quoted(netset.DefaultInternal))
	for _, d := range all {
		info := d.Info()
		fmt.Fprintf(w, "\n  # %s (%s)\n", info.Title, strings.Join(info.Techniques, ", "))
		fmt.Fprintf(w, "  %s:\n", info.ID)
		fmt.Fprintf(w, "    enabled: true\n")
		fmt.Fprintf(w, "    exclude: {src: [], dst: [], domain: [], process: [], user_agent: [], user: []}\n")
		writeParams(w, detect.ListParams(d.Params()))
	}
}

func quoted(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// writeParams writes parameters as YAML, nesting dotted names ("risk.base") under their parent.
func writeParams(w io.Writer, params []detect.Param) {
	var open []string
	for _, p := range params {
		parts := strings.Split(p.Name, ".")
		parents := parts[:len(parts)-1]
		common := 0
		for common < len(open) && common < len(parents) && open[common] == parents[common] {
			common++
		}
		open = open[:common]
		for _, q := range parents[common:] {
			fmt.Fprintf(w, "%s%s:\n", strings.Repeat("  ", 2+len(open)), q)
			open = append(open, q)
		}
		indent := strings.Repeat("  ", 2+len(open))
		if p.Doc != "" {
			fmt.Fprintf(w, "%s# %s\n", indent, p.Doc)
		}
		fmt.Fprintf(w, "%s%s: %s\n", indent, parts[len(parts)-1], p.Default)
	}
}
