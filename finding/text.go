package finding

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Commas writes n with thousands separators (910700 -> "910,700"), as summaries and tables
// show counts and bytes.
func Commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	start := 0
	if n < 0 {
		start = 1
	}
	digits := len(s) - start
	if digits <= 3 {
		return s
	}
	b := make([]byte, 0, len(s)+digits/3)
	b = append(b, s[:start]...)
	for i := start; i < len(s); i++ {
		if i > start && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	return string(b)
}

// Plural writes a count and its word, plural unless the count is 1: "1 request",
// "1,024 requests", "2 queries".
func Plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if l := len(word); l >= 2 && word[l-1] == 'y' && !strings.ContainsRune("aeiou", rune(word[l-2])) {
		return Commas(n) + " " + word[:l-1] + "ies"
	}
	return Commas(n) + " " + word + "s"
}

// Clip shortens s to at most n bytes (not cutting a UTF-8 sequence), marking the cut with "...".
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n] + "..."
}

// HumanSeconds writes a span in seconds for people: 0.41s, 5m00s, 1h30m.
func HumanSeconds(s float64) string {
	switch {
	case s < 10:
		return fmt.Sprintf("%.2gs", s)
	case s < 120:
		return fmt.Sprintf("%.0fs", s)
	}
	d := time.Duration(s * float64(time.Second)).Round(time.Second)
	if d >= time.Hour {
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// Ranked returns the keys of a count map, most counted first, ties in key order.
func Ranked(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y string) int { return cmp.Or(cmp.Compare(m[y], m[x]), cmp.Compare(x, y)) })
	return keys
}

// Head returns at most n items of l, the rest named by a last "N more" item.
func Head(l []string, n int) []string {
	if len(l) <= n {
		return l
	}
	return append(slices.Clone(l[:n]), fmt.Sprintf("%d more", len(l)-n))
}
