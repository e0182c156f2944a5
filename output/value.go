package output

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

// FormatValue renders a figure's value for people, by its unit:
//
//	bytes    2.3 MB (SI units: 1 kB = 1000 B), 512 B
//	seconds  45s, 11m45s, 9h02m, 3d04h, 4.5s, 350ms
//	ratio    x12.3, x1.25, x0.05
//	count    1,234,567 (fractions keep up to two decimals)
//	score    0.87
//	percent  2.5% (the value is a percentage, 0..100)
//	time     2012-03-16T12:30:00Z (event.Time, time.Time, Unix seconds or microseconds)
//	text     as is
//
// Any Go integer or float, json.Number or numeric string is read as a number; event.Duration
// and time.Duration are read as spans when the unit is seconds. A nil value is "-"; NaN and
// infinities are "NaN", "inf" and "-inf"; a value that does not fit its unit is rendered as it
// would be without one.
func FormatValue(f finding.Figure) string {
	v := f.Value
	if v == nil {
		return "-"
	}
	switch f.Unit {
	case finding.Bytes:
		if n, ok := toNum(v); ok {
			return n.bytes()
		}
	case finding.Seconds:
		if s, ok := toSeconds(v); ok {
			return humanDuration(s)
		}
	case finding.Ratio:
		if n, ok := toNum(v); ok {
			return ratio(n.f)
		}
	case finding.Score:
		if n, ok := toNum(v); ok {
			if s, bad := nonFinite(n.f); bad {
				return s
			}
			return strconv.FormatFloat(n.f, 'f', 2, 64)
		}
	case finding.Percent:
		if n, ok := toNum(v); ok {
			if s, bad := nonFinite(n.f); bad {
				return s
			}
			return trimFloat(n.f, 1) + "%"
		}
	case finding.Count:
		if n, ok := toNum(v); ok {
			return n.count()
		}
	case finding.HistogramUnit:
		if h, ok := v.(finding.Histogram); ok {
			parts := make([]string, len(h.Counts))
			for i, c := range h.Counts {
				parts[i] = strconv.Itoa(c)
			}
			return fmt.Sprintf("%d bins of %s: %s", len(h.Counts), humanDuration(float64(h.Bin)), strings.Join(parts, " "))
		}
	case finding.TimeUnit:
		if t, ok := toTime(v); ok {
			return t.Std().Format("2006-01-02T15:04:05.999999Z07:00")
		}
	}
	return generic(v)
}

// HumanBytes renders a byte count with SI units: "512 B", "9.7 kB", "2.3 MB", "41 GB".
func HumanBytes(n int64) string {
	if n < 0 {
		// -(n+1) fits in an int64 even for math.MinInt64.
		return "-" + humanBytes(uint64(-(n+1))+1)
	}
	return humanBytes(uint64(n))
}

var byteUnits = [...]string{"kB", "MB", "GB", "TB", "PB", "EB"}

func humanBytes(u uint64) string {
	if u < 1000 {
		return strconv.FormatUint(u, 10) + " B"
	}
	f := float64(u) / 1000
	i := 0
	// 999.5 and up would print as "1000".
	for f >= 999.5 && i < len(byteUnits)-1 {
		f /= 1000
		i++
	}
	return sigDigits(f) + " " + byteUnits[i]
}

// sigDigits renders a positive value with one decimal below 10 and none above.
func sigDigits(f float64) string {
	if f < 9.95 {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'f', 0, 64)
}

// humanDuration renders seconds the way people say them, dropping what no longer matters:
// seconds once there are hours, minutes once there are days.
func humanDuration(sec float64) string {
	if s, bad := nonFinite(sec); bad {
		return s
	}
	if sec < 0 {
		return "-" + humanDuration(-sec)
	}
	switch {
	case sec == 0:
		return "0s"
	case sec < 0.001:
		return strconv.FormatFloat(sec*1e6, 'f', 0, 64) + "µs"
	case sec < 1:
		if ms := math.Round(sec * 1000); ms < 1000 {
			return strconv.FormatFloat(ms, 'f', 0, 64) + "ms"
		}
		return "1s"
	case sec < 9.95:
		return trimFloat(sec, 1) + "s"
	}
	if sec >= math.MaxInt64/2 {
		return strconv.FormatFloat(sec/86400, 'g', 3, 64) + "d"
	}
	t := int64(math.Round(sec))
	if t < 60 {
		return fmt.Sprintf("%ds", t)
	}
	if t < 3600 {
		return fmt.Sprintf("%dm%02ds", t/60, t%60)
	}
	if m := (t + 30) / 60; m < 24*60 {
		return fmt.Sprintf("%dh%02dm", m/60, m%60)
	}
	h := (t + 1800) / 3600
	return fmt.Sprintf("%dd%02dh", h/24, h%24)
}

func ratio(f float64) string {
	if s, bad := nonFinite(f); bad {
		return s
	}
	a := math.Abs(f)
	var s string
	switch {
	case a >= 100:
		s = group(strconv.FormatFloat(f, 'f', 0, 64))
	case a >= 10:
		s = trimFloat(f, 1)
	case a >= 1:
		s = trimFloat(f, 2)
	case a == 0:
		s = "0"
	default:
		s = strconv.FormatFloat(f, 'g', 2, 64)
	}
	return "x" + s
}

// num is a numeric figure value: f always, i too when the value is an integer that fits.
type num struct {
	f     float64
	i     int64
	exact bool
}

func fromFloat(f float64) num {
	if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
		return num{f: f, i: int64(f), exact: true}
	}
	return num{f: f}
}

func fromInt(i int64) num { return num{f: float64(i), i: i, exact: true} }

func fromUint(u uint64) num {
	if u <= math.MaxInt64 {
		return fromInt(int64(u))
	}
	return num{f: float64(u)}
}

// toNum reads v as a number, if it is one.
func toNum(v any) (num, bool) {
	switch x := v.(type) {
	case int:
		return fromInt(int64(x)), true
	case int8:
		return fromInt(int64(x)), true
	case int16:
		return fromInt(int64(x)), true
	case int32:
		return fromInt(int64(x)), true
	case int64:
		return fromInt(x), true
	case uint:
		return fromUint(uint64(x)), true
	case uint8:
		return fromUint(uint64(x)), true
	case uint16:
		return fromUint(uint64(x)), true
	case uint32:
		return fromUint(uint64(x)), true
	case uint64:
		return fromUint(x), true
	case float32:
		return fromFloat(float64(x)), true
	case float64:
		return fromFloat(x), true
	case event.Duration:
		return fromInt(int64(x)), true
	case time.Duration:
		return fromInt(int64(x)), true
	case json.Number:
		return parseNum(string(x))
	case string:
		return parseNum(x)
	}
	return num{}, false
}

func parseNum(s string) (num, bool) {
	s = strings.TrimSpace(s)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return fromInt(i), true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return fromFloat(f), true
	}
	return num{}, false
}

func (n num) bytes() string {
	if n.exact {
		return HumanBytes(n.i)
	}
	if s, bad := nonFinite(n.f); bad {
		return s
	}
	a, sign := math.Abs(n.f), ""
	if n.f < 0 {
		sign = "-"
	}
	if a < 1<<63 {
		return sign + humanBytes(uint64(math.Round(a)))
	}
	return sign + sigDigits(a/1e18) + " EB"
}

func (n num) count() string {
	if n.exact {
		return group(strconv.FormatInt(n.i, 10))
	}
	if s, bad := nonFinite(n.f); bad {
		return s
	}
	return group(trimFloat(n.f, 2))
}

// toSeconds reads v as a span in seconds.
func toSeconds(v any) (float64, bool) {
	switch x := v.(type) {
	case event.Duration:
		return x.Seconds(), true
	case time.Duration:
		return x.Seconds(), true
	}
	n, ok := toNum(v)
	return n.f, ok
}

// toTime reads v as a point in time. Integers below 1e11 are Unix seconds (up to the year
// 5138), larger ones microseconds (event.Time); floats are Unix seconds, as Zeek writes them.
func toTime(v any) (event.Time, bool) {
	switch x := v.(type) {
	case event.Time:
		return x, true
	case time.Time:
		return event.FromStd(x), true
	case string:
		var t event.Time
		if t.UnmarshalText([]byte(x)) == nil {
			return t, true
		}
	}
	n, ok := toNum(v)
	if !ok {
		return 0, false
	}
	if n.exact {
		if n.i > -1e11 && n.i < 1e11 {
			return event.Time(n.i * 1e6), true
		}
		return event.Time(n.i), true
	}
	if _, bad := nonFinite(n.f); bad || math.Abs(n.f) > 9e12 {
		return 0, false
	}
	return event.Time(math.Round(n.f * 1e6)), true
}

// generic renders a value whose unit is text, unknown, or does not fit it.
func generic(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []string:
		return strings.Join(x, ", ")
	case bool:
		return strconv.FormatBool(x)
	case fmt.Stringer:
		return x.String()
	case error:
		return x.Error()
	case json.Number:
		return string(x)
	}
	if n, ok := toNum(v); ok {
		if n.exact {
			return group(strconv.FormatInt(n.i, 10))
		}
		if s, bad := nonFinite(n.f); bad {
			return s
		}
		return strconv.FormatFloat(n.f, 'g', 6, 64)
	}
	return fmt.Sprint(v)
}

func nonFinite(f float64) (string, bool) {
	switch {
	case math.IsNaN(f):
		return "NaN", true
	case math.IsInf(f, 1):
		return "inf", true
	case math.IsInf(f, -1):
		return "-inf", true
	}
	return "", false
}

// trimFloat formats f with at most prec decimals, without trailing zeros.
func trimFloat(f float64, prec int) string {
	s := strconv.FormatFloat(f, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// group puts thousands separators in the integer part of a decimal number.
func group(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		sign, s = s[:1], s[1:]
	}
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i:]
	}
	if len(intPart) <= 3 {
		return sign + s
	}
	var b strings.Builder
	b.Grow(len(sign) + len(s) + len(intPart)/3)
	b.WriteString(sign)
	lead := len(intPart) % 3
	if lead == 0 {
		lead = 3
	}
	b.WriteString(intPart[:lead])
	for i := lead; i < len(intPart); i += 3 {
		b.WriteByte(',')
		b.WriteString(intPart[i : i+3])
	}
	b.WriteString(frac)
	return b.String()
}
