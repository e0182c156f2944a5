package output

import (
	"bufio"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

// csvHeader names the CSV columns.
var csvHeader = []string{
	"rank", "severity", "risk", "detection", "title", "techniques",
	"src", "dst", "dst_host", "dst_port", "proto", "app", "user", "host", "process", "domain", "user_agent",
	"first", "last", "summary", "figures", "evidence", "command_line", "parent",
}

// writeCSV writes a header row, then one row per finding in the order given. Lists are
// joined with ";" (techniques) or "; " (figures as name=value, evidence as file:line); an
// unknown port or time is an empty cell.
func writeCSV(w io.Writer, fs []finding.Finding) error {
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	row := make([]string, len(csvHeader))
	for i := range fs {
		f := &fs[i]
		e := f.Entities
		port := ""
		if e.DstPort > 0 {
			port = strconv.Itoa(e.DstPort)
		}
		figs := make([]string, len(f.Figures))
		for j, g := range f.Figures {
			figs[j] = g.Name + "=" + FormatValue(g)
		}
		refs := make([]string, len(f.Evidence))
		for j, ev := range f.Evidence {
			refs[j] = evidenceRef(ev)
		}
		row = append(row[:0],
			strconv.Itoa(i+1), f.Severity.String(), strconv.Itoa(f.Risk), f.Detection, f.Title,
			strings.Join(f.Techniques, ";"),
			e.Src, e.Dst, e.DstHost, port, e.Proto, e.App, e.User, e.Host, e.Process, e.Domain, e.UserAgent,
			csvTime(f.First), csvTime(f.Last), f.Summary,
			strings.Join(figs, "; "), strings.Join(refs, "; "), "", "")
		if len(f.Processes) > 0 {
			row[len(row)-2], row[len(row)-1] = f.Processes[0].CommandLine, f.Processes[0].ParentImage
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

func csvTime(t event.Time) string {
	if t == 0 {
		return ""
	}
	return t.String()
}
