package output

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

const (
	colGap = 2 // spaces between columns
	// summaryWant is how wide the summary column should stay: other columns shrink first.
	summaryWant = 28
	// summaryMin is the least the summary column gets while other columns can still shrink
	// to hardFloor (or their header's width).
	summaryMin = 16
	hardFloor  = 10
)

const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
)

var severityColors = [...]string{
	finding.Info:     "\x1b[2m",    // dim
	finding.Low:      "\x1b[36m",   // cyan
	finding.Medium:   "\x1b[33m",   // yellow
	finding.High:     "\x1b[31m",   // red
	finding.Critical: "\x1b[1;31m", // bold red
}

func severityColor(s finding.Severity) string {
	if s >= 0 && int(s) < len(severityColors) {
		return severityColors[s]
	}
	return ""
}

// column is one column of a grid.
type column struct {
	head  string
	right bool // align right
	// floor is the narrowest the column shrinks to when the line is too long; 0 means it
	// keeps its natural width.
	floor int
	// limit caps the column's natural width; 0 means no cap.
	limit int
	// cut fits the cell of row i into w cells; nil cuts the end with "…".
	cut func(i int, s string, w int) string
}

// grid lays out rows of cells in columns whose widths come from the content, the last column
// taking what the line has left.
type grid struct {
	cols  []column
	rows  [][]string // safe text
	color bool
	total int // line width
	w     []int
}

func (g *grid) add(cells ...string) {
	for i := range cells {
		cells[i] = safe(cells[i])
	}
	g.rows = append(g.rows, cells)
}

// layout computes the column widths.
func (g *grid) layout(lastWant, lastMin int) {
	n := len(g.cols)
	g.w = make([]int, n)
	for j, c := range g.cols {
		w := width(c.head)
		for _, r := range g.rows {
			w = max(w, width(r[j]))
		}
		if c.limit > 0 {
			w = min(w, c.limit)
		}
		g.w[j] = w
	}
	last := n - 1
	natural := g.w[last]
	fixed := 0
	for j := range last {
		fixed += g.w[j] + colGap
	}
	// Shrink the column with the most room above its floor until the last column has what it
	// wants; then, if it still has less than its minimum, below the floors down to hardFloor
	// or the header's width.
	shrink := func(want int, floor func(column) int) {
		for g.total-fixed < want {
			best, room := -1, 0
			for j := range last {
				if c := g.cols[j]; c.floor > 0 && g.w[j]-floor(c) > room {
					best, room = j, g.w[j]-floor(c)
				}
			}
			if best < 0 {
				return
			}
			g.w[best]--
			fixed--
		}
	}
	shrink(min(natural, lastWant), func(c column) int { return c.floor })
	shrink(min(natural, lastMin), func(c column) int { return min(c.floor, max(hardFloor, width(c.head))) })
	// A cut can leave a column wider than what it shows (key figures drop whole items):
	// give the slack to the last column.
	for j := range last {
		c := g.cols[j]
		if c.cut == nil {
			continue
		}
		used := min(width(c.head), g.w[j])
		for i, r := range g.rows {
			if width(r[j]) > g.w[j] {
				used = max(used, width(c.cut(i, r[j], g.w[j])))
			} else {
				used = max(used, width(r[j]))
			}
		}
		fixed -= g.w[j] - used
		g.w[j] = used
	}
	g.w[last] = max(0, min(natural, g.total-fixed))
}

// line renders one row, never wider than the grid's total: cells are cut with "…" to their
// column, and columns past the edge are dropped.
func (g *grid) line(b *bytes.Buffer, row int, cells []string, colors []string) {
	start := b.Len()
	avail := g.total
	for j, c := range g.cols {
		if j > 0 {
			if avail <= colGap {
				break
			}
			b.WriteString("  ")
			avail -= colGap
		}
		w := min(g.w[j], avail)
		color := ""
		if g.color && colors != nil {
			color = colors[j]
		}
		var s string
		if c.cut != nil && row >= 0 && width(cells[j]) > w {
			s = c.cut(row, cells[j], w)
		} else {
			s = truncate(cells[j], w)
		}
		if j == len(g.cols)-1 {
			w = width(s) // no trailing padding
		}
		pad(b, s, w, c.right, color)
		avail -= w
	}
	// Drop the spaces that empty trailing cells leave.
	b.Truncate(start + len(bytes.TrimRight(b.Bytes()[start:], " ")))
	b.WriteByte('\n')
}

func (g *grid) header(b *bytes.Buffer) {
	heads := make([]string, len(g.cols))
	for j, c := range g.cols {
		heads[j] = c.head
	}
	var colors []string
	if g.color {
		colors = make([]string, len(g.cols))
		for j := range colors {
			colors[j] = ansiBold
		}
	}
	g.line(b, -1, heads, colors)
}

func writeTable(w io.Writer, fs []finding.Finding, rollup []finding.Rollup, opt Options) error {
	total := opt.Width
	if total <= 0 {
		total = DefaultWidth
	}
	bw := bufio.NewWriter(w)
	if len(fs) == 0 {
		bw.WriteString("no findings\n")
		return bw.Flush()
	}
	var b bytes.Buffer

	// Destinations keep their ":port/app" and the end of the host name when cut; key
	// figures drop whole figures.
	suffixes := make([]string, len(fs))
	figures := make([][]string, len(fs))
	figFloor := 0
	for i := range fs {
		figures[i] = keyFigures(fs[i].Figures)
		figFloor = max(figFloor, width(strings.Join(figures[i][:min(2, len(figures[i]))], ", ")))
	}
	cutDest := func(i int, s string, w int) string {
		suf := suffixes[i]
		if width(suf)+2 > w {
			return truncate(s, w)
		}
		return truncateLeft(s[:len(s)-len(suf)], w-width(suf)) + suf
	}
	cutFigures := func(i int, s string, w int) string {
		return fitList(figures[i], w)
	}
	detW, srcW := 0, 0
	for i := range fs {
		detW = max(detW, width(fs[i].Detection))
		srcW = max(srcW, width(source(fs[i].Entities)))
	}
	build := func(withSummary bool) *grid {
		cols := []column{
			{head: "#", right: true},
			{head: "SEVERITY"},
			{head: "RISK", right: true},
			{head: "DETECTION", floor: min(detW, 32), limit: 32},
			{head: "SOURCE", floor: min(srcW, 15), limit: 39, cut: cutSource},
			{head: "DESTINATION", floor: 24, limit: 44, cut: cutDest},
			{head: "KEY FIGURES", floor: min(max(figFloor, 12), 30), limit: 60, cut: cutFigures},
		}
		if withSummary {
			cols = append(cols, column{head: "SUMMARY"})
		}
		g := &grid{cols: cols, color: opt.Color, total: total}
		for i := range fs {
			f := &fs[i]
			host, suf := destination(f.Entities)
			host, suffixes[i] = safe(host), safe(suf)
			cells := []string{strconv.Itoa(i + 1), f.Severity.String(), strconv.Itoa(f.Risk), f.Detection,
				source(f.Entities), host + suffixes[i], strings.Join(figures[i], ", ")}
			if withSummary {
				cells = append(cells, f.Summary)
			}
			g.add(cells...)
		}
		if withSummary {
			g.layout(summaryWant, summaryMin)
		} else {
			g.layout(total, 12)
		}
		return g
	}
	// The summary is the reason a finding fired: when it does not fit its column, it goes on
	// its own line under the row instead of being cut.
	g := build(true)
	below := false
	for i := range fs {
		if width(g.rows[i][7]) > g.w[7] {
			below = true
			break
		}
	}
	if below {
		g = build(false)
	}
	g.header(&b)
	colors := make([]string, len(g.cols))
	indent := g.w[0] + colGap
	for i := range fs {
		colors[1] = severityColor(fs[i].Severity)
		g.line(&b, i, g.rows[i], colors)
		if below && !opt.Explain {
			for _, l := range wrap(safe(fs[i].Summary), total-indent) {
				b.WriteString(strings.Repeat(" ", indent))
				b.WriteString(l)
				b.WriteByte('\n')
			}
		}
		if opt.Explain {
			explain(&b, &fs[i], indent, total, below)
			if i < len(fs)-1 {
				b.WriteByte('\n')
			}
		}
		if b.Len() > 64<<10 {
			if _, err := b.WriteTo(bw); err != nil {
				return err
			}
		}
	}
	if len(rollup) > 0 {
		b.WriteByte('\n')
		writeRollup(&b, rollup, opt.Color, total)
	}
	if _, err := b.WriteTo(bw); err != nil {
		return err
	}
	return bw.Flush()
}

func writeRollup(b *bytes.Buffer, rs []finding.Rollup, color bool, total int) {
	title := truncate("Risk by source", total)
	if color {
		title = ansiBold + title + ansiReset
	}
	b.WriteString(title)
	b.WriteByte('\n')
	g := &grid{
		cols: []column{
			{head: "ENTITY", floor: 9, limit: 39, cut: keepEnd},
			{head: "RISK", right: true},
			{head: "FINDINGS", right: true},
			{head: "MAX SEVERITY"},
			{head: "DETECTIONS"},
		},
		color: color,
		total: total,
	}
	for _, r := range rs {
		g.add(r.Entity, strconv.Itoa(r.Risk), strconv.Itoa(r.Findings), r.MaxSev.String(),
			strconv.Itoa(len(r.Detections))+": "+strings.Join(r.Detections, ", "))
	}
	g.layout(summaryWant, summaryMin)
	g.header(b)
	colors := make([]string, len(g.cols))
	for i, r := range rs {
		colors[3] = severityColor(r.MaxSev)
		g.line(b, i, g.rows[i], colors)
	}
}

// source names who a finding is about: the source address, else the host, else the user,
// then the process behind it when a host log named it ("10.0.0.5 powershell.exe"), else the
// user when the address is not it (a cloud principal: "203.0.113.9 alice@contoso.com").
func source(e finding.Entities) string {
	who := ""
	for _, s := range []string{e.Src, e.Host, e.User} {
		if s != "" {
			who = s
			break
		}
	}
	switch {
	case who == "" && e.Process == "":
		return "-"
	case who == "":
		return e.Process
	case e.Process != "":
		return who + " " + e.Process
	case e.User != "" && who != e.User:
		return who + " " + e.User
	}
	return who
}

// destination reads "host:port/app": the destination's name when known, else its address,
// then the port and the application protocol (else the transport) when known. It returns
// the host and the rest apart.
func destination(e finding.Entities) (host, suffix string) {
	host = e.DstHost
	if host == "" {
		host = e.Dst
	}
	if e.DstPort > 0 {
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		suffix = ":" + strconv.Itoa(e.DstPort)
	}
	if e.App != "" && (e.DstPort > 0 || !strings.Contains(host, "://")) { // a URL names its application
		suffix += "/" + e.App
	} else if e.App == "" && e.Proto != "" {
		suffix += "/" + e.Proto
	}
	if host == "" && suffix == "" {
		host = "-"
	}
	return host, suffix
}

// keyFigures renders the first three figures a detection lists, its most telling ones.
func keyFigures(figs []finding.Figure) []string {
	out := make([]string, 0, 3)
	for _, f := range figs[:min(len(figs), 3)] {
		out = append(out, safe(f.Name+"="+FormatValue(f)))
	}
	return out
}

// fitList joins as many whole items as fit in w cells with ", "; a first item too wide is cut.
func fitList(items []string, w int) string {
	s := ""
	for i, it := range items {
		next := it
		if i > 0 {
			next = s + ", " + it
		}
		if width(next) > w {
			if i == 0 {
				return truncate(it, w)
			}
			break
		}
		s = next
	}
	return s
}

func keepEnd(_ int, s string, w int) string { return truncateLeft(s, w) }

// cutSource cuts "address process" or "address user" in the middle: the address stays whole
// and the process or user keeps its end ("10.0.0.5 …\System32\rundll32.exe"); where only the
// address fits, the address.
func cutSource(_ int, s string, w int) string {
	first, rest, ok := strings.Cut(s, " ")
	switch {
	case !ok || width(first) > w:
		return truncateLeft(s, w)
	case width(first)+5 > w:
		return first
	}
	return first + " " + truncateLeft(rest, w-width(first)-1)
}

// explain writes the indented detail of one finding under its row.
func explain(b *bytes.Buffer, f *finding.Finding, indent, total int, summaryCut bool) {
	lead := strings.Repeat(" ", indent)
	room := total - indent
	put := func(extra int, s string) {
		s = truncate(strings.TrimRight(safe(s), " "), room-extra)
		if s == "" {
			return // no room at all
		}
		b.WriteString(lead)
		b.WriteString(strings.Repeat(" ", extra))
		b.WriteString(s)
		b.WriteByte('\n')
	}
	const label = 10 // "entities: "
	field := func(name, value string) {
		if value != "" {
			put(0, name+":"+strings.Repeat(" ", max(1, label-len(name)-1))+value)
		}
	}

	title := f.Title
	if len(f.Techniques) > 0 {
		title += " [" + strings.Join(f.Techniques, ", ") + "]"
	}
	field("title", strings.TrimSpace(title))
	field("time", span(f.First, f.Last))
	field("entities", entities(f.Entities))
	if f.Entities.UserAgent != "" {
		field("agent", f.Entities.UserAgent)
	}
	for _, p := range f.Processes {
		field("process", processLine(p))
	}
	if summaryCut {
		for i, l := range wrap(safe(f.Summary), room-label) {
			if i == 0 {
				field("summary", l)
			} else {
				put(label, l)
			}
		}
	}
	if len(f.Figures) > 0 {
		put(0, "figures:")
		nw := 0
		for _, g := range f.Figures {
			nw = max(nw, width(safe(g.Name)))
		}
		for _, g := range f.Figures {
			name := safe(g.Name) + ":"
			if h, ok := g.Value.(finding.Histogram); ok && g.Unit == finding.HistogramUnit {
				put(2, name)
				for _, l := range chart(h, room-4) {
					put(4, l)
				}
				continue
			}
			put(2, name+strings.Repeat(" ", nw+2-width(name))+explainValue(g))
		}
	}
	if len(f.Evidence) > 0 {
		put(0, "evidence:")
		for _, e := range f.Evidence {
			s := evidenceRef(e)
			if e.Note != "" {
				s += "  " + e.Note
			}
			put(2, s)
			if e.Text != "" {
				put(4, e.Text)
			}
		}
	}
}

// chart draws a histogram one bin a line: its start (UTC), a bar, its count.
func chart(h finding.Histogram, w int) []string {
	most := 1
	for _, c := range h.Counts {
		most = max(most, c)
	}
	layout := "15:04"
	if h.Bin >= 86400 {
		layout = "01-02"
	} else if len(h.Counts) > 0 && time.Duration(int64(len(h.Counts))*h.Bin)*time.Second > 24*time.Hour {
		layout = "01-02 15:04"
	}
	barMax := max(1, min(50, w-len(layout)-12))
	out := make([]string, 0, len(h.Counts))
	for i, c := range h.Counts {
		at := h.Start.Std().Add(time.Duration(int64(i)*h.Bin) * time.Second)
		n := c * barMax / most
		if c > 0 && n == 0 {
			n = 1
		}
		out = append(out, at.Format(layout)+" "+strings.Repeat("#", n)+strings.Repeat(" ", barMax-n)+" "+strconv.Itoa(c))
	}
	return out
}

// explainValue is FormatValue, with the exact count beside a rounded byte size.
func explainValue(g finding.Figure) string {
	s := FormatValue(g)
	if g.Unit == finding.Bytes {
		if n, ok := toNum(g.Value); ok && n.exact && (n.i >= 1000 || n.i <= -1000) {
			s += " (" + group(strconv.FormatInt(n.i, 10)) + " B)"
		}
	}
	return s
}

func evidenceRef(e finding.Evidence) string {
	file := e.File
	if file == "" {
		file = "?"
	}
	if e.Line > 0 {
		return file + ":" + strconv.FormatUint(uint64(e.Line), 10)
	}
	return file
}

// span renders a finding's time span; a zero time is unknown.
func span(first, last event.Time) string {
	const layout = "2006-01-02T15:04:05Z07:00"
	switch {
	case first == 0 && last == 0:
		return ""
	case first == 0 || first == last:
		return max(first, last).Std().Format(layout)
	case last == 0:
		return first.Std().Format(layout)
	}
	return first.Std().Format(layout) + " .. " + last.Std().Format(layout) +
		" (" + humanDuration(float64(last-first)/1e6) + ")"
}

// entities lists the known entities as key=value, quoting values with spaces.
func entities(e finding.Entities) string {
	var parts []string
	add := func(k, v string) {
		if v == "" {
			return
		}
		if strings.ContainsAny(v, " \t\"=") {
			v = strconv.Quote(v)
		}
		parts = append(parts, k+"="+v)
	}
	add("src", e.Src)
	add("dst", e.Dst)
	add("dst_host", e.DstHost)
	if e.DstPort > 0 {
		add("dst_port", strconv.Itoa(e.DstPort))
	}
	add("proto", e.Proto)
	add("app", e.App)
	add("user", e.User)
	add("host", e.Host)
	add("process", e.Process)
	add("domain", e.Domain)
	return strings.Join(parts, " ")
}

// processLine describes a process behind a finding on one line.
func processLine(p finding.Process) string {
	var b strings.Builder
	b.WriteString(p.Image)
	var attrs []string
	if p.PID > 0 {
		attrs = append(attrs, "pid "+strconv.FormatInt(p.PID, 10))
	}
	if p.User != "" {
		attrs = append(attrs, p.User)
	}
	if p.Host != "" {
		attrs = append(attrs, "on "+p.Host)
	}
	if len(attrs) > 0 {
		b.WriteString(" (" + strings.Join(attrs, ", ") + ")")
	}
	if p.CommandLine != "" {
		b.WriteString(": " + p.CommandLine)
	}
	if p.ParentImage != "" {
		b.WriteString("; parent " + p.ParentImage)
	}
	switch p.By {
	case "host", "":
	default:
		b.WriteString("; " + strconv.Itoa(p.Records) + " of " + strconv.Itoa(p.Of) + " records matched by " + p.By)
	}
	return b.String()
}
