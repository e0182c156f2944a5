// Package exfilcmd scores archive and transfer commands from process starts (Sysmon 1,
// Security 4688, auditd execve): MITRE ATT&CK's "Detecting Alternative Protocol Exfiltration via
// Command Execution" for T1048 (seed 003), with its commands and risk scores, and then the
// staging-then-exfiltration chain: an archive command followed on the same host, within a
// window, by a transfer command or by an outbound connection carrying more than a threshold
// (MITRE's analytics AN0423/AN0424). See README.md.
package exfilcmd

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/attrib"
	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

// ID is the detection's stable id.
const ID = "exfil-command"

func init() { detect.Register(func() detect.Detection { return New() }) }

// Params are the detection's parameters.
type Params struct {
	Commands []Rule          `yaml:"commands" doc:"the commands scored: name, kind (archive, transfer, tunnel, encoded, download), programs, the arguments that make the command (any / all / contains) and risk (the seed's 9, 8, 7 as 90, 80, 70)"`
	MinRisk  int             `yaml:"min_risk" doc:"commands with a lower risk are not reported alone (the seed's risk_score >= 8); they still count in chains"`
	Window   detect.Duration `yaml:"chain_window" doc:"staging then exfiltration: how long after an archive command a transfer or a large outbound connection on the same host makes a chain"`
	MinBytes int64           `yaml:"chain_bytes" doc:"an outbound connection makes a chain when it sends more than this many bytes (host logs do not carry the archive's size; connections need a conn log with byte counts)"`
	Chain    int             `yaml:"chain_risk" doc:"risk of a chain; +5 when the transfer names the archive"`
	WebPorts []uint16        `yaml:"tunnel_web_ports" doc:"an SSH tunnel to one of these ports is disguised as web traffic: +10"`
}

// DefaultParams returns the seed's commands and threshold, and a 10-minute chain window.
func DefaultParams() Params {
	return Params{Commands: DefaultRules(), MinRisk: 80, Window: detect.Duration(600e9), MinBytes: 1 << 20, Chain: 90,
		WebPorts: []uint16{80, 443, 8080, 8443}}
}

// Detection is the command analytic.
type Detection struct {
	p     Params
	rules []compiled
}

// New returns the detection with its defaults.
func New() *Detection { return &Detection{p: DefaultParams()} }

// Params returns the parameters, for the config to decode into.
func (d *Detection) Params() any { return &d.p }

// Info describes the detection.
func (d *Detection) Info() detect.Info {
	return detect.Info{
		ID:         ID,
		Title:      "Archive, transfer or tunnel command, and staging followed by exfiltration",
		Techniques: []string{"T1048", "T1560.001", "T1572"},
		Kinds:      []event.Kind{event.KindHost, event.KindConn},
		Fields:     "process starts: Image, CommandLine (auditd: argv), OriginalFileName, User, host; conn: id.orig_h, id.resp_h, orig_bytes (chains)",
		Source:     "MITRE ATT&CK T1048, Command Execution: \"Detecting Alternative Protocol Exfiltration via Command Execution\" (seed 003); MITRE analytics AN0423/AN0424 for the chain",
	}
}

// Prepare checks the rules.
func (d *Detection) Prepare() error {
	rs, err := compileRules(d.p.Commands)
	if err != nil {
		return err
	}
	if d.p.Window <= 0 {
		return fmt.Errorf("chain_window: %v is not a positive span", d.p.Window)
	}
	d.rules = rs
	return nil
}

// Match returns the first rule a process start matches (nil when none).
func (d *Detection) Match(e *event.Host) *Rule {
	program := Program(e.Proc.Image)
	args := []string(e.Args)
	if len(args) > 0 {
		args = args[1:]
	} else {
		all := Split(e.Proc.CommandLine)
		if len(all) > 0 {
			if program == "" {
				program = Program(all[0])
			}
			args = all[1:]
		}
	}
	lower := strings.ToLower(e.Proc.CommandLine)
	for _, prog := range []string{program, Program(e.OriginalFileName)} {
		if prog == "" {
			continue
		}
		for i := range d.rules {
			if d.rules[i].match(prog, args, lower) {
				return &d.rules[i].Rule
			}
		}
	}
	return nil
}

// cmdRec is one matched command.
type cmdRec struct {
	ts      event.Time
	ref     event.Ref
	rule    *Rule
	host    string
	user    string
	image   string
	cmd     string
	parent  string
	pcmd    string
	pid     int64
	archive string // the archive an archive command writes
}

// bigConn is an outbound connection that sent more than chain_bytes.
type bigConn struct {
	ts    event.Time
	ref   event.Ref
	dst   netip.Addr
	port  uint16
	sport uint16
	bytes int64
}

// Aggregator holds one partition's commands and large connections.
type Aggregator struct {
	d     *Detection
	env   *detect.Env
	cmds  []cmdRec
	conns map[netip.Addr][]bigConn
}

// NewAggregator returns empty state.
func (d *Detection) NewAggregator(env *detect.Env) detect.Aggregator {
	return &Aggregator{d: d, env: env, conns: map[netip.Addr][]bigConn{}}
}

// ObserveHost matches process starts.
func (a *Aggregator) ObserveHost(e *event.Host) {
	if e.Op != event.OpProcess {
		return
	}
	r := a.d.Match(e)
	if r == nil {
		return
	}
	c := cmdRec{ts: e.TS, ref: e.Ref, rule: r, host: strings.Clone(e.Computer), user: strings.Clone(e.Proc.User),
		image: strings.Clone(e.Proc.Image), cmd: strings.Clone(e.Proc.CommandLine), parent: strings.Clone(e.Parent.Image),
		pcmd: strings.Clone(e.Parent.CommandLine), pid: e.Proc.PID}
	if c.cmd == "" && len(e.Args) > 0 {
		c.cmd = strings.Join(e.Args, " ")
	}
	args := []string(e.Args)
	if len(args) > 0 {
		args = args[1:]
	} else if all := Split(c.cmd); len(all) > 0 {
		args = all[1:]
	}
	c.archive = strings.Clone(output(r.Kind, Program(e.Proc.Image), args))
	a.cmds = append(a.cmds, c)
}

// ObserveConn keeps outbound connections large enough to carry an archive.
func (a *Aggregator) ObserveConn(c *event.Conn) {
	if c.OrigBytes <= a.d.p.MinBytes || !c.Src.IsValid() || a.env.IsInternal(c.Dst) || !a.env.IsInternal(c.Src) {
		return
	}
	a.conns[c.Src] = append(a.conns[c.Src], bigConn{ts: c.TS, ref: c.Ref, dst: c.Dst, port: c.DstPort, sport: c.SrcPort, bytes: c.OrigBytes})
}

// Merge folds another partition's state in.
func (a *Aggregator) Merge(other detect.Aggregator) {
	o := other.(*Aggregator)
	a.cmds = append(a.cmds, o.cmds...)
	for k, v := range o.conns {
		a.conns[k] = append(a.conns[k], v...)
	}
}

type groupKey struct{ host, user, name string }

// Score reports the commands at or above min_risk, one finding per host, user and command,
// and the chains.
func (d *Detection) Score(agg detect.Aggregator, env *detect.Env) ([]finding.Finding, error) {
	a := agg.(*Aggregator)
	slices.SortFunc(a.cmds, func(x, y cmdRec) int {
		return cmp.Or(cmp.Compare(x.ts, y.ts), cmp.Compare(x.ref.File, y.ref.File), cmp.Compare(x.ref.Line, y.ref.Line))
	})
	groups := map[groupKey][]*cmdRec{}
	var order []groupKey
	for i := range a.cmds {
		c := &a.cmds[i]
		risk := d.risk(c)
		if risk < d.p.MinRisk {
			continue
		}
		k := groupKey{strings.ToLower(c.host), strings.ToLower(c.user), c.rule.Name}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], c)
	}
	var out []finding.Finding
	for _, k := range order {
		out = append(out, d.commandFinding(groups[k], env))
	}
	out = append(out, d.chains(a, env)...)
	finding.Sort(out)
	return out, nil
}

// risk is a command's risk: its rule's, +10 for an SSH tunnel to a web port.
func (d *Detection) risk(c *cmdRec) int {
	r := c.rule.Risk
	if c.rule.Kind == "tunnel" {
		if p := tunnelPort(c.cmd); p != 0 && slices.Contains(d.p.WebPorts, p) {
			r += 10
		}
	}
	return r
}

// tunnelPort is the server port an ssh/plink command names (-P for plink, -p for ssh).
func tunnelPort(cmd string) uint16 {
	args := Split(cmd)
	for i, a := range args {
		if (a == "-P" || a == "-p") && i+1 < len(args) {
			var n uint16
			if _, err := fmt.Sscan(args[i+1], &n); err == nil {
				return n
			}
		}
	}
	return 0
}

func process(c *cmdRec, n int) finding.Process {
	return finding.Process{Host: c.host, Image: c.image, CommandLine: c.cmd, PID: max(c.pid, 0), User: c.user,
		ParentImage: c.parent, ParentCommandLine: c.pcmd, Records: n, Of: n, By: "host"}
}

func (d *Detection) commandFinding(cs []*cmdRec, env *detect.Env) finding.Finding {
	c0 := cs[0]
	risk := 0
	for _, c := range cs {
		risk = max(risk, d.risk(c))
	}
	f := detect.Base(d.Info(), risk)
	f.Entities = finding.Entities{Host: c0.host, User: c0.user, Process: attrib.ImageName(c0.image)}
	if addrs := env.Hosts.Addrs(c0.host); len(addrs) == 1 {
		f.Entities.Src = addrs[0].String()
	}
	f.First, f.Last = c0.ts, cs[len(cs)-1].ts
	times := ""
	if len(cs) > 1 {
		times = fmt.Sprintf(" %s times", finding.Commas(int64(len(cs))))
	}
	f.Summary = fmt.Sprintf("%s (%s) ran%s on %s as %s: %s", c0.rule.Name, c0.rule.Kind, times, c0.host, userOr(c0.user), finding.Clip(c0.cmd, 160))
	if c0.rule.Kind == "tunnel" {
		if p := tunnelPort(c0.cmd); p != 0 && slices.Contains(d.p.WebPorts, p) {
			f.Summary += fmt.Sprintf(" (SSH to port %d, disguised as web traffic)", p)
		}
	}
	f.Figures = []finding.Figure{
		finding.Fig("command", c0.rule.Name, finding.Text),
		finding.Fig("kind", c0.rule.Kind, finding.Text),
		finding.Fig("risk_score", risk/10, finding.Count),
		finding.Fig("count", len(cs), finding.Count),
	}
	seen := map[string]bool{}
	var lines []string
	for _, c := range cs {
		if !seen[c.cmd] && len(lines) < 5 {
			seen[c.cmd] = true
			lines = append(lines, c.cmd)
		}
	}
	if len(lines) > 1 {
		f.Figures = append(f.Figures, finding.Fig("command_lines", strings.Join(lines, "\n"), finding.Text))
	}
	var s detect.Sample
	for _, c := range cs {
		s.Add(env.Evidence, detect.Item{TS: c.ts, Ref: c.ref})
	}
	f.Evidence = s.Evidence(nil)
	f.Processes = []finding.Process{process(c0, len(cs))}
	return f
}

func userOr(u string) string {
	if u == "" {
		return "an unknown user"
	}
	return u
}

// chains finds archive commands followed by a transfer or a large outbound connection on the
// same host within the window: one finding per archive command (its first follow-up).
func (d *Detection) chains(a *Aggregator, env *detect.Env) []finding.Finding {
	win := event.Time(d.p.Window.Micros())
	byHost := map[string][]*cmdRec{}
	for i := range a.cmds {
		c := &a.cmds[i]
		h := strings.ToLower(c.host)
		byHost[h] = append(byHost[h], c)
	}
	for _, cs := range a.conns {
		slices.SortFunc(cs, func(x, y bigConn) int { return cmp.Or(cmp.Compare(x.ts, y.ts), cmp.Compare(x.ref.Line, y.ref.Line)) })
	}
	var out []finding.Finding
	for _, cs := range byHost {
		for i, arc := range cs {
			if arc.rule.Kind != "archive" {
				continue
			}
			// a transfer command
			var next *cmdRec
			for _, c := range cs[i+1:] {
				if c.ts > arc.ts+win {
					break
				}
				if c.rule.Kind == "transfer" || c.rule.Kind == "tunnel" {
					next = c
					break
				}
			}
			// or a large outbound connection from the host's address
			var conn *bigConn
			var from netip.Addr
			for _, addr := range env.Hosts.Addrs(arc.host) {
				for j := range a.conns[addr] {
					bc := &a.conns[addr][j]
					if bc.ts < arc.ts || bc.ts > arc.ts+win {
						continue
					}
					if conn == nil || bc.ts < conn.ts {
						conn, from = bc, addr
					}
					break
				}
			}
			if next == nil && conn == nil {
				continue
			}
			out = append(out, d.chainFinding(arc, next, conn, from, env))
		}
	}
	return out
}

func (d *Detection) chainFinding(arc, next *cmdRec, conn *bigConn, from netip.Addr, env *detect.Env) finding.Finding {
	risk := d.p.Chain
	named := next != nil && arc.archive != "" && strings.Contains(strings.ToLower(next.cmd), strings.ToLower(attrib.ImageName(arc.archive)))
	if named {
		risk += 5
	}
	f := detect.Base(d.Info(), risk)
	f.Title = "Staging then exfiltration: an archive command followed by a transfer"
	f.Entities = finding.Entities{Host: arc.host, User: arc.user, Process: attrib.ImageName(arc.image)}
	if addrs := env.Hosts.Addrs(arc.host); len(addrs) == 1 {
		f.Entities.Src = addrs[0].String()
	}
	f.First, f.Last = arc.ts, arc.ts
	f.Figures = []finding.Figure{
		finding.Fig("archive_command", arc.cmd, finding.Text),
	}
	if arc.archive != "" {
		f.Figures = append(f.Figures, finding.Fig("archive", arc.archive, finding.Text))
	}
	ev := []finding.Evidence{{Ref: arc.ref, TS: arc.ts, Note: "archive: " + arc.rule.Name}}
	f.Processes = []finding.Process{process(arc, 1)}
	var then string
	if next != nil {
		gap := float64(next.ts-arc.ts) / 1e6
		f.Last = next.ts
		f.Figures = append(f.Figures, finding.Fig("transfer_command", next.cmd, finding.Text), finding.Fig("gap", gap, finding.Seconds))
		ev = append(ev, finding.Evidence{Ref: next.ref, TS: next.ts, Note: "transfer: " + next.rule.Name})
		f.Processes = append(f.Processes, process(next, 1))
		then = fmt.Sprintf("%s %s later (%s)", next.rule.Name, finding.HumanSeconds(gap), finding.Clip(next.cmd, 100))
		if named {
			then += ", which names the archive"
		}
	}
	if conn != nil {
		gap := float64(conn.ts-arc.ts) / 1e6
		f.Last = max(f.Last, conn.ts)
		f.Entities.Src, f.Entities.Dst, f.Entities.DstPort = from.String(), conn.dst.String(), int(conn.port)
		f.Figures = append(f.Figures, finding.Fig("bytes_out", conn.bytes, finding.Bytes),
			finding.Fig("destination", fmt.Sprintf("%s:%d", conn.dst, conn.port), finding.Text))
		ev = append(ev, finding.Evidence{Ref: conn.ref, TS: conn.ts, SrcPort: conn.sport, Note: fmt.Sprintf("%s sent", finding.Commas(conn.bytes)+" B")})
		c := fmt.Sprintf("%s B sent to %s:%d %s later", finding.Commas(conn.bytes), conn.dst, conn.port, finding.HumanSeconds(gap))
		if then != "" {
			then += "; " + c
		} else {
			then = c
		}
	}
	f.Evidence = ev
	f.Summary = fmt.Sprintf("%s on %s (%s), then %s", arc.rule.Name, arc.host, finding.Clip(arc.cmd, 100), then)
	return f
}
