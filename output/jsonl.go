package output

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/sluice-hunt/sluice/finding"
)

// writeJSONL writes one finding per line, in the order given. The rollup is not written (see
// the package documentation).
func writeJSONL(w io.Writer, fs []finding.Finding) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := range fs {
		f := forJSON(&fs[i])
		if err := enc.Encode(&f); err != nil {
			return fmt.Errorf("finding %d (%s): %w", i+1, f.Detection, err)
		}
	}
	return bw.Flush()
}

// forJSON returns a copy of f that encoding/json writes the way consumers expect: lists as
// [] rather than null, and non-finite figure values, which JSON has no numbers for, as
// strings. f itself is not changed.
func forJSON(f *finding.Finding) finding.Finding {
	c := *f
	if c.Techniques == nil {
		c.Techniques = []string{}
	}
	if c.Evidence == nil {
		c.Evidence = []finding.Evidence{}
	}
	if c.Figures == nil {
		c.Figures = []finding.Figure{}
	}
	cloned := false
	for i, g := range c.Figures {
		s, bad := nonFiniteValue(g.Value)
		if !bad {
			continue
		}
		if !cloned {
			c.Figures = append([]finding.Figure(nil), c.Figures...)
			cloned = true
		}
		c.Figures[i].Value = s
	}
	return c
}

func nonFiniteValue(v any) (string, bool) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case float32:
		f = float64(x)
	default:
		return "", false
	}
	switch {
	case math.IsNaN(f):
		return "NaN", true
	case math.IsInf(f, 1):
		return "+Inf", true
	case math.IsInf(f, -1):
		return "-Inf", true
	}
	return "", false
}
