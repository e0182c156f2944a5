package engine

import (
	"slices"

	"github.com/sluice-hunt/sluice/source"
)

// MaxEvidenceText is the longest record text a finding's evidence carries.
const MaxEvidenceText = 4096

// resolveEvidence names each evidence record's file and, when withText, reads the records back
// from the files (one pass over each file that holds evidence).
func resolveEvidence(inputs []source.Input, res *Result, withText bool) {
	want := map[uint32][]uint32{} // file -> lines
	for i := range res.Findings {
		for j := range res.Findings[i].Evidence {
			ev := &res.Findings[i].Evidence[j]
			if int(ev.Ref.File) < len(res.Files) {
				ev.File = res.Files[ev.Ref.File]
			}
			ev.Line = ev.Ref.Line
			want[ev.Ref.File] = append(want[ev.Ref.File], ev.Ref.Line)
		}
	}
	if !withText {
		return
	}
	text := map[[2]uint32]string{}
	for file, lines := range want {
		if int(file) >= len(inputs) || !inputs[file].Reopenable {
			continue
		}
		slices.Sort(lines)
		lines = slices.Compact(lines)
		for line, t := range readLines(inputs[file], lines) {
			text[[2]uint32{file, line}] = t
		}
	}
	for i := range res.Findings {
		for j := range res.Findings[i].Evidence {
			ev := &res.Findings[i].Evidence[j]
			ev.Text = text[[2]uint32{ev.Ref.File, ev.Ref.Line}]
		}
	}
}

// readLines returns the text of the given (sorted) positions of an input.
func readLines(in source.Input, lines []uint32) map[uint32]string {
	return source.RecordsAt(in, lines, MaxEvidenceText)
}
