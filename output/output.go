// Package output writes findings for people and for other programs.
//
// Three formats share one entry point, Write:
//
//   - table: what a threat hunter reads first. One row per finding in the order given (callers
//     rank them with finding.Sort), aligned to the terminal width, with the figures that made
//     each finding fire rendered for people (2.3 MB, 11m45s, x12.3, 1,234). Then the risk
//     rollup per source, when the caller passes one. Options.Explain adds, under each row, the
//     title, time span, all entities, every figure and every evidence record. Text from the logs
//     is made safe for a terminal: control characters (escape sequences included) and
//     bidirectional overrides are shown escaped, never written raw.
//   - jsonl: one JSON object per finding per line, with the field names of finding.Finding's
//     JSON tags and times in RFC 3339. Nil lists are written as [], and figure values that
//     JSON cannot hold (NaN, ±Inf) as the strings "NaN", "+Inf", "-Inf". The rollup is not
//     written: it is derived data, and a consumer that wants it recomputes it (finding.RollUp)
//     from the findings.
//   - csv: a header row, then one row per finding; lists are joined with ";" and figures
//     rendered as in the table.
//
// FormatValue and HumanBytes, the renderings the table uses, are exported for other packages
// that show figures to people.
package output

import (
	"fmt"
	"io"
	"strings"

	"github.com/sluice-hunt/sluice/finding"
)

// DefaultWidth is the table width used when Options.Width is not set.
const DefaultWidth = 120

// Options tune the output. The zero value is a plain table at DefaultWidth.
type Options struct {
	// Explain adds, under each table row, the finding's figures and evidence in full.
	Explain bool
	// Color marks severities with ANSI colors (table only).
	Color bool
	// Width is the terminal width the table must fit in; 0 means DefaultWidth.
	Width int
}

// Formats are the names Write accepts.
var Formats = []string{"table", "jsonl", "csv"}

// Write writes findings to w in the named format. The table prints the findings in the order
// given, numbering them from 1, and then rollup (when not empty); jsonl and csv ignore rollup.
func Write(w io.Writer, format string, fs []finding.Finding, rollup []finding.Rollup, opt Options) error {
	switch format {
	case "table":
		return writeTable(w, fs, rollup, opt)
	case "jsonl":
		return writeJSONL(w, fs)
	case "csv":
		return writeCSV(w, fs)
	}
	return fmt.Errorf("unknown output format %q (valid: %s)", format, strings.Join(Formats, ", "))
}
