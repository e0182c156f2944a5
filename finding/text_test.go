package finding

import (
	"math"
	"testing"
)

func TestCommas(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 910700: "910,700", -1234567: "-1,234,567",
		-999: "-999", math.MaxInt64: "9,223,372,036,854,775,807", math.MinInt64: "-9,223,372,036,854,775,808"} {
		if got := Commas(n); got != want {
			t.Errorf("Commas(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestPluralClip(t *testing.T) {
	if Plural(1, "host") != "1 host" || Plural(0, "host") != "0 hosts" || Plural(2048, "request") != "2,048 requests" ||
		Plural(2, "query") != "2 queries" || Plural(3, "day") != "3 days" {
		t.Error("Plural")
	}
	if Clip("abcdef", 3) != "abc..." || Clip("abc", 3) != "abc" || Clip("aé", 2) != "a..." {
		t.Errorf("Clip: %q", Clip("aé", 2))
	}
}

func TestInDomain(t *testing.T) {
	for _, tc := range []struct {
		name, domain string
		want         bool
	}{
		{"a.Example.com.", "example.com", true},
		{"example.com", ".example.com", true},
		{"badexample.com", "example.com", false},
		{"", "example.com", false},
		{"example.com", "", false},
	} {
		if got := InDomain(tc.name, tc.domain); got != tc.want {
			t.Errorf("InDomain(%q, %q) = %v", tc.name, tc.domain, got)
		}
	}
}
