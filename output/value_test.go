package output

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

func TestFormatValue(t *testing.T) {
	ts := at("2012-03-16T12:30:00Z")
	tests := []struct {
		unit  finding.Unit
		value any
		want  string
	}{
		// bytes
		{finding.Bytes, 0, "0 B"},
		{finding.Bytes, 999, "999 B"},
		{finding.Bytes, 1000, "1.0 kB"},
		{finding.Bytes, int64(2254857), "2.3 MB"},
		{finding.Bytes, int64(2200000), "2.2 MB"},
		{finding.Bytes, int32(-2200000), "-2.2 MB"},
		{finding.Bytes, uint64(41e9), "41 GB"},
		{finding.Bytes, 2.2e6, "2.2 MB"},
		{finding.Bytes, float32(1500), "1.5 kB"},
		{finding.Bytes, "2200000", "2.2 MB"},
		{finding.Bytes, json.Number("1500"), "1.5 kB"},
		{finding.Bytes, "lots", "lots"},
		{finding.Bytes, math.Inf(1), "inf"},
		{finding.Bytes, uint64(math.MaxUint64), "18 EB"},
		// seconds
		{finding.Seconds, 0, "0s"},
		{finding.Seconds, 0.35, "350ms"},
		{finding.Seconds, 0.0000042, "4µs"},
		{finding.Seconds, 4.5, "4.5s"},
		{finding.Seconds, 5, "5s"},
		{finding.Seconds, 45, "45s"},
		{finding.Seconds, 59.6, "1m00s"},
		{finding.Seconds, 705, "11m45s"},
		{finding.Seconds, int64(32520), "9h02m"},
		{finding.Seconds, 86399, "1d00h"},
		{finding.Seconds, 3*86400 + 4*3600 + 100, "3d04h"},
		{finding.Seconds, -90, "-1m30s"},
		{finding.Seconds, event.Duration(705_000_000), "11m45s"},
		{finding.Seconds, 705 * time.Second, "11m45s"},
		{finding.Seconds, math.NaN(), "NaN"},
		// ratio
		{finding.Ratio, 12.34, "x12.3"},
		{finding.Ratio, 12, "x12"},
		{finding.Ratio, 1.25, "x1.25"},
		{finding.Ratio, 0.05, "x0.05"},
		{finding.Ratio, 0, "x0"},
		{finding.Ratio, 1234.6, "x1,235"},
		{finding.Ratio, math.Inf(1), "inf"},
		// count
		{finding.Count, 3, "3"},
		{finding.Count, 1234, "1,234"},
		{finding.Count, int64(-1200000), "-1,200,000"},
		{finding.Count, uint8(255), "255"},
		{finding.Count, 1234.0, "1,234"},
		{finding.Count, 1234.567, "1,234.57"},
		{finding.Count, 2.5, "2.5"},
		{finding.Count, "1234", "1,234"},
		// score, percent
		{finding.Score, 0.873, "0.87"},
		{finding.Score, 1, "1.00"},
		{finding.Score, float32(0.5), "0.50"},
		{finding.Percent, 2.5, "2.5%"},
		{finding.Percent, 100, "100%"},
		{finding.Percent, 33.333, "33.3%"},
		// time
		{finding.TimeUnit, ts, "2012-03-16T12:30:00Z"},
		{finding.TimeUnit, ts + 250000, "2012-03-16T12:30:00.25Z"},
		{finding.TimeUnit, ts.Std(), "2012-03-16T12:30:00Z"},
		{finding.TimeUnit, int64(1331901000), "2012-03-16T12:30:00Z"},
		{finding.TimeUnit, int64(ts), "2012-03-16T12:30:00Z"},
		{finding.TimeUnit, 1331901000.5, "2012-03-16T12:30:00.5Z"},
		{finding.TimeUnit, "2012-03-16T12:30:00Z", "2012-03-16T12:30:00Z"},
		{finding.TimeUnit, "yesterday", "yesterday"},
		// text and the rest
		{finding.Text, "example.org", "example.org"},
		{finding.Text, 42, "42"},
		{finding.Text, []string{"a", "b"}, "a, b"},
		{finding.Text, true, "true"},
		{finding.Text, finding.High, "high"},
		{finding.Text, errors.New("boom"), "boom"},
		{"", 1234567, "1,234,567"},
		{"", 0.125, "0.125"},
		{"weird", struct{ A int }{7}, "{7}"},
		{finding.Count, true, "true"},
		{finding.Count, []int{1, 2}, "[1 2]"},
		// nil, whatever the unit
		{finding.Count, nil, "-"},
		{finding.Bytes, nil, "-"},
		{finding.Text, nil, "-"},
	}
	for _, tt := range tests {
		got := FormatValue(finding.Fig("x", tt.value, tt.unit))
		if got != tt.want {
			t.Errorf("FormatValue(%v %T %q) = %q, want %q", tt.value, tt.value, tt.unit, got, tt.want)
		}
	}
}

func TestHumanBytes(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"},
		{1, "1 B"},
		{999, "999 B"},
		{1000, "1.0 kB"},
		{9949, "9.9 kB"},
		{9950, "10 kB"},
		{999_499, "999 kB"},
		{999_500, "1.0 MB"},
		{999_999, "1.0 MB"},
		{2_200_000, "2.2 MB"},
		{82_854_982, "83 MB"},
		{1_500_000_000_000, "1.5 TB"},
		{-1500, "-1.5 kB"},
		{math.MaxInt64, "9.2 EB"},
		{math.MinInt64, "-9.2 EB"},
	}
	for _, tt := range tests {
		if got := HumanBytes(tt.n); got != tt.want {
			t.Errorf("HumanBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestGroup(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "999": "999", "1000": "1,000", "-1000": "-1,000", "123456": "123,456",
		"1234567.89": "1,234,567.89", "-12.5": "-12.5",
	} {
		if got := group(in); got != want {
			t.Errorf("group(%q) = %q, want %q", in, got, want)
		}
	}
}
