// Package dnssig recognises the query names of known DNS tunnel and DNS C2 tools (iodine,
// dnscat2, dns2tcp, Cobalt Strike's DNS beacon, DNSExfiltrator, DET, dnsteal) and SNIcat's TLS
// server names. The signatures live in a data file (signatures.yaml, embedded; users add their
// own or override ours), not in code. Tools that only leave a generic encoding (random base32,
// base64 or hex labels) have no signature here: a separate classifier handles encodings.
//
// # Normalisation
//
// Match takes a name as Zeek logs it. One trailing dot is removed. Unless a signature says
// case_sensitive, its pattern sees the name with ASCII A-Z folded to a-z, so it is written in
// lower case (an upper-case letter in it, which could never match, is refused); a
// case_sensitive pattern sees the original case. Nothing is unescaped: a byte Zeek wrote as
// \xNN is the four characters backslash, x and two hex digits (lower case once folded), so a
// pattern matches it with \\x; raw bytes above 0x7f are left as they are.
//
// # Speed
//
// Match is meant for every query name a sensor sees. Each pattern is compiled once, and is only
// run when two cheap tests pass: the byte sets the pattern fixes at the start of the name (for a
// pattern anchored with ^: a literal start such as "dnscat." or a run of character classes), and
// a substring every match contains (the signature's literal, or one derived from the pattern).
// A signature that offers neither is refused, so one careless entry cannot slow every name.
// Anchored signatures are also indexed by the first byte they allow, so a name is only tested
// against the few that could start with its first byte.
package dnssig

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Signature is one entry of a signature file.
type Signature struct {
	Name          string   `yaml:"name"`           // stable id, e.g. "iodine-case-check"
	Tool          string   `yaml:"tool"`           // "iodine", "dnscat2", "cobalt-strike", ...
	Pattern       string   `yaml:"pattern"`        // RE2 regexp over the normalised name; "" disables an earlier entry of this name
	Literal       string   `yaml:"literal"`        // optional: text every match contains (the prefilter); derived from Pattern when empty
	CaseSensitive bool     `yaml:"case_sensitive"` // match the name as logged instead of folded to lower case
	Risk          int      `yaml:"risk"`           // 0..100, the risk of a finding from this signature
	MinNames      int      `yaml:"min_names"`      // distinct matching names one client must send to the domain before it counts
	About         string   `yaml:"about"`          // what the tool does and what the pattern is, for the finding
	References    []string `yaml:"references"`     // where the pattern comes from
}

// disabling reports an entry that only switches off an earlier signature of its name.
func (s *Signature) disabling() bool { return s.Pattern == "" }

// maxPrefix bounds how many leading positions the byte-set prefilter checks.
const maxPrefix = 32

type byteSet [4]uint64

func (b *byteSet) add(c byte)      { b[c>>6] |= 1 << (c & 63) }
func (b *byteSet) has(c byte) bool { return b[c>>6]&(1<<(c&63)) != 0 }
func (b *byteSet) union(o *byteSet) {
	b[0], b[1], b[2], b[3] = b[0]|o[0], b[1]|o[1], b[2]|o[2], b[3]|o[3]
}

func (b *byteSet) addRange(lo, hi rune) {
	if hi >= utf8.RuneSelf { // any byte of a multi-byte rune, or an invalid byte, is >= 0x80
		for c := 0x80; c <= 0xff; c++ {
			b.add(byte(c))
		}
		hi = utf8.RuneSelf - 1
	}
	for c := lo; c <= hi; c++ {
		b.add(byte(c))
	}
}

type compiled struct {
	sig    Signature
	re     *regexp.Regexp
	lit    string    // every match contains it ("" if none)
	prefix []byteSet // the byte at position i of every match is in prefix[i] (anchored patterns)
	minLen int       // shortest match, in bytes
	fold   bool      // match the lower-cased name
}

// Set is a compiled list of signatures. It is immutable and safe for concurrent use.
type Set struct {
	order []*compiled // definition order, for All
	match []*compiled // highest risk first, definition order among equals, for Match
	// first[b]: the signatures of match that can match a name whose first byte, folded to lower
	// case, is b (those without an anchored start, and those whose start allows b).
	first [256][]*compiled
}

//go:embed signatures.yaml
var defaultFile []byte

// DefaultSignatures returns the entries of the embedded signatures.yaml.
func DefaultSignatures() []Signature {
	sigs, err := Parse(defaultFile)
	if err != nil {
		panic("dnssig: embedded signatures.yaml: " + err.Error())
	}
	return sigs
}

// Default returns the set of the embedded signatures.yaml, built once and shared. It panics
// only if that file is broken.
func Default() *Set { return defaultSet() }

var defaultSet = sync.OnceValue(func() *Set { return mustSet(defaultFile) })

func mustSet(b []byte) *Set {
	sigs, err := Parse(b)
	if err == nil {
		var s *Set
		if s, err = New(sigs); err == nil {
			return s
		}
	}
	panic("dnssig: embedded signatures.yaml: " + err.Error())
}

// Parse reads a signature file: a YAML list of Signature. Unknown keys are errors, and so are an
// entry without a name, a name used twice, a pattern that does not compile or gives the matcher
// nothing to prefilter on, a risk outside 0..100 and a min_names below 1. An entry with only a
// name (pattern empty) is valid: it disables the signature of that name from an earlier list.
func Parse(b []byte) ([]Signature, error) {
	var sigs []Signature
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&sigs); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if _, err := validate(sigs); err != nil {
		return nil, err
	}
	return sigs, nil
}

// Load reads a signature file from disk; its errors name the file.
func Load(path string) ([]Signature, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err // *PathError: names the file
	}
	sigs, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sigs, nil
}

// New builds a set from signature lists, earlier lists first. An entry of a later list replaces
// the earlier entry of the same name (keeping its place among signatures of equal risk); one
// with an empty pattern disables it. Disabling a name no earlier list has is not an error, so
// a user's file keeps working when a signature is retired.
func New(lists ...[]Signature) (*Set, error) {
	var order []*compiled
	index := map[string]int{}
	for _, list := range lists {
		comp, err := validate(list)
		if err != nil {
			return nil, err
		}
		for i, c := range comp {
			name := list[i].Name
			at, seen := index[name]
			if c == nil { // disabling entry
				if seen {
					order[at] = nil
				}
				continue
			}
			if seen && order[at] != nil {
				order[at] = c
				continue
			}
			index[name] = len(order)
			order = append(order, c)
		}
	}
	s := &Set{}
	for _, c := range order {
		if c != nil {
			s.order = append(s.order, c)
		}
	}
	s.match = append([]*compiled(nil), s.order...)
	sort.SliceStable(s.match, func(i, j int) bool { return s.match[i].sig.Risk > s.match[j].sig.Risk })
	for b := range s.first {
		for _, c := range s.match {
			if len(c.prefix) == 0 || c.prefix[0].has(byte(b)) || b >= 'a' && b <= 'z' && c.prefix[0].has(byte(b-'a'+'A')) {
				s.first[b] = append(s.first[b], c)
			}
		}
	}
	return s, nil
}

// All returns copies of the active signatures in definition order; New(s.All()) rebuilds s.
func (s *Set) All() []Signature {
	out := make([]Signature, len(s.order))
	for i, c := range s.order {
		out[i] = c.sig
		out[i].References = append([]string(nil), c.sig.References...)
	}
	return out
}

// Match returns the highest-risk signature the query name matches (the first in definition
// order among equal risks), or nil. The result is shared: do not modify it. See the package
// comment for how the name is normalised. Names that contain upper-case letters are copied
// once to fold them; others cost no allocation.
func (s *Set) Match(name string) *Signature {
	if n := len(name); n > 0 && name[n-1] == '.' {
		name = name[:n-1]
	}
	cands := s.match
	if len(name) > 0 {
		b := name[0]
		if b >= 'A' && b <= 'Z' {
			b += 'a' - 'A'
		}
		cands = s.first[b]
	}
	lower, folded := "", false
	for _, c := range cands {
		in := name
		if c.fold {
			if !folded {
				lower, folded = asciiLower(name), true
			}
			in = lower
		}
		if len(in) < c.minLen {
			continue
		}
		if !prefixOK(c.prefix, in) {
			continue
		}
		if c.lit != "" && !strings.Contains(in, c.lit) {
			continue
		}
		if c.re.MatchString(in) {
			return &c.sig
		}
	}
	return nil
}

func prefixOK(sets []byteSet, s string) bool {
	for i := range sets {
		if !sets[i].has(s[i]) { // len(s) >= minLen >= len(sets)
			return false
		}
	}
	return true
}

// asciiLower folds A-Z only: other bytes (Zeek escapes, raw UTF-8, invalid bytes) stay as they are.
func asciiLower(s string) string {
	i := 0
	for i < len(s) && (s[i] < 'A' || s[i] > 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if c := b[i]; c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// validate checks a list's entries on their own and against each other, and returns them
// compiled (nil for an entry that disables a signature).
func validate(sigs []Signature) ([]*compiled, error) {
	out := make([]*compiled, len(sigs))
	seen := map[string]int{}
	for i := range sigs {
		sig := &sigs[i]
		if sig.Name == "" {
			return nil, fmt.Errorf("entry %d: no name", i+1)
		}
		if j, dup := seen[sig.Name]; dup {
			return nil, fmt.Errorf("entry %d: duplicate name %q (also entry %d)", i+1, sig.Name, j)
		}
		seen[sig.Name] = i + 1
		c, err := check(sig)
		if err != nil {
			return nil, fmt.Errorf("entry %d (%s): %w", i+1, sig.Name, err)
		}
		out[i] = c
	}
	return out, nil
}

func check(sig *Signature) (*compiled, error) {
	if sig.disabling() {
		if sig.Tool != "" || sig.Literal != "" || sig.CaseSensitive || sig.Risk != 0 || sig.MinNames != 0 || sig.About != "" || len(sig.References) != 0 {
			return nil, errors.New("empty pattern: an entry that disables a signature has only a name")
		}
		return nil, nil
	}
	if sig.Risk < 0 || sig.Risk > 100 {
		return nil, fmt.Errorf("risk %d out of range 0..100", sig.Risk)
	}
	if sig.MinNames < 1 {
		return nil, fmt.Errorf("min_names %d: must be at least 1", sig.MinNames)
	}
	return compile(*sig)
}

// compile builds the matcher of a signature and its prefilters.
func compile(sig Signature) (*compiled, error) {
	re, err := regexp.Compile(sig.Pattern)
	if err != nil {
		return nil, fmt.Errorf("pattern: %w", err)
	}
	tree, err := syntax.Parse(sig.Pattern, syntax.Perl)
	if err != nil {
		return nil, fmt.Errorf("pattern: %w", err)
	}
	tree = tree.Simplify()
	if !sig.CaseSensitive {
		if what := upper(tree); what != "" {
			return nil, fmt.Errorf("pattern has upper case (%s) but sees the name in lower case; write it in lower case or set case_sensitive", what)
		}
	}
	c := &compiled{sig: sig, re: re, fold: !sig.CaseSensitive, minLen: minLen(tree)}
	if anchored(tree) {
		c.prefix, _ = prefixSets(tree)
		if len(c.prefix) > maxPrefix {
			c.prefix = c.prefix[:maxPrefix]
		}
	}
	if c.minLen < len(c.prefix) { // cannot happen, but prefixOK relies on it
		c.minLen = len(c.prefix)
	}
	c.lit = sig.Literal
	if c.lit == "" {
		c.lit = longest(literals(tree, sig.CaseSensitive))
		if len(c.lit) < 3 && len(c.prefix) > 0 { // "." or "p": present in nearly every name
			c.lit = ""
		}
	} else if !sig.CaseSensitive {
		c.lit = asciiLower(c.lit)
	}
	if c.lit == "" && len(c.prefix) == 0 {
		return nil, errors.New("nothing to prefilter on: the pattern has no fixed text and no anchored (^) start; give a literal")
	}
	return c, nil
}

// upper returns an upper-case part of re that can never match a lower-cased name: a letter
// A-Z outside (?i), or a character class with letters A-Z but none of a-z.
func upper(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase == 0 {
			for _, r := range re.Rune {
				if r >= 'A' && r <= 'Z' {
					return fmt.Sprintf("%q", string(re.Rune))
				}
			}
		}
	case syntax.OpCharClass:
		var hasUpper, hasLower bool
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			hasUpper = hasUpper || lo <= 'Z' && hi >= 'A'
			hasLower = hasLower || lo <= 'z' && hi >= 'a'
		}
		if hasUpper && !hasLower {
			return re.String()
		}
	}
	for _, sub := range re.Sub {
		if what := upper(sub); what != "" {
			return what
		}
	}
	return ""
}

// anchored reports a pattern every match of which starts at the beginning of the name.
func anchored(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpBeginText:
		return true
	case syntax.OpConcat:
		return len(re.Sub) > 0 && anchored(re.Sub[0])
	case syntax.OpCapture:
		return anchored(re.Sub[0])
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			if !anchored(sub) {
				return false
			}
		}
		return true
	}
	return false
}

// prefixSets returns, for the first positions of any match of re, the bytes allowed there, and
// whether re always matches exactly that many bytes (so that what follows it can be appended).
func prefixSets(re *syntax.Regexp) ([]byteSet, bool) {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginText:
		return nil, true
	case syntax.OpLiteral:
		var out []byteSet
		for _, r := range re.Rune {
			if r >= utf8.RuneSelf {
				return out, false
			}
			var b byteSet
			b.add(byte(r))
			if re.Flags&syntax.FoldCase != 0 {
				if r >= 'a' && r <= 'z' {
					b.add(byte(r - 'a' + 'A'))
				} else if r >= 'A' && r <= 'Z' {
					b.add(byte(r - 'A' + 'a'))
				}
			}
			out = append(out, b)
		}
		return out, true
	case syntax.OpCharClass:
		var b byteSet
		wide := false
		for i := 0; i+1 < len(re.Rune); i += 2 {
			b.addRange(re.Rune[i], re.Rune[i+1])
			wide = wide || re.Rune[i+1] >= utf8.RuneSelf
		}
		return []byteSet{b}, !wide
	case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		var b byteSet
		b.addRange(0, utf8.MaxRune)
		return []byteSet{b}, false
	case syntax.OpCapture:
		return prefixSets(re.Sub[0])
	case syntax.OpConcat:
		var out []byteSet
		for _, sub := range re.Sub {
			sets, fixed := prefixSets(sub)
			out = append(out, sets...)
			if !fixed || len(out) > maxPrefix {
				return out, false
			}
		}
		return out, true
	case syntax.OpRepeat, syntax.OpPlus:
		lo, hi := re.Min, re.Max
		if re.Op == syntax.OpPlus {
			lo, hi = 1, -1
		}
		if lo < 1 {
			return nil, false
		}
		sets, fixed := prefixSets(re.Sub[0])
		if !fixed {
			return sets, false
		}
		var out []byteSet
		for i := 0; i < lo && len(out) <= maxPrefix; i++ {
			out = append(out, sets...)
		}
		return out, lo == hi && len(out) <= maxPrefix
	case syntax.OpAlternate:
		var out []byteSet
		fixed := true
		for i, sub := range re.Sub {
			sets, f := prefixSets(sub)
			if i == 0 {
				out = append(out, sets...)
				fixed = f
				continue
			}
			if len(sets) != len(out) {
				fixed = false
			}
			fixed = fixed && f
			if len(sets) < len(out) {
				out = out[:len(sets)]
			}
			for j := range out {
				out[j].union(&sets[j])
			}
		}
		return out, fixed
	}
	return nil, false // zero-width assertions, stars, optional parts: stop here
}

// minLen returns the length in bytes of the shortest string re matches.
func minLen(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpLiteral:
		n := 0
		for _, r := range re.Rune {
			n += utf8.RuneLen(r)
		}
		return n
	case syntax.OpCharClass, syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		return 1
	case syntax.OpCapture, syntax.OpPlus:
		return minLen(re.Sub[0])
	case syntax.OpRepeat:
		return re.Min * minLen(re.Sub[0])
	case syntax.OpConcat:
		n := 0
		for _, sub := range re.Sub {
			n += minLen(sub)
		}
		return n
	case syntax.OpAlternate:
		n := -1
		for _, sub := range re.Sub {
			if m := minLen(sub); n < 0 || m < n {
				n = m
			}
		}
		return max(n, 0)
	}
	return 0
}

// literals returns strings every match of re contains, as it will be searched: folded literals
// are lower-cased (the name is folded too), and dropped for a case-sensitive signature.
func literals(re *syntax.Regexp, caseSensitive bool) []string {
	switch re.Op {
	case syntax.OpLiteral:
		if s, ok := literalText(re, caseSensitive); ok {
			return []string{s}
		}
	case syntax.OpCapture, syntax.OpPlus:
		return literals(re.Sub[0], caseSensitive)
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return literals(re.Sub[0], caseSensitive)
		}
	case syntax.OpConcat:
		var out []string
		run := ""
		for _, sub := range re.Sub {
			if s, ok := literalText(sub, caseSensitive); ok && sub.Op == syntax.OpLiteral {
				run += s
				continue
			}
			if run != "" {
				out = append(out, run)
				run = ""
			}
			out = append(out, literals(sub, caseSensitive)...)
		}
		if run != "" {
			out = append(out, run)
		}
		return out
	}
	return nil
}

func literalText(re *syntax.Regexp, caseSensitive bool) (string, bool) {
	if re.Op != syntax.OpLiteral {
		return "", false
	}
	s := string(re.Rune)
	if re.Flags&syntax.FoldCase == 0 {
		return s, true
	}
	if caseSensitive {
		return "", false
	}
	for _, r := range re.Rune {
		if r >= utf8.RuneSelf { // Unicode folding is wider than the ASCII folding of the name
			return "", false
		}
	}
	return asciiLower(s), true
}

func longest(ss []string) string {
	best := ""
	for _, s := range ss {
		if len(s) > len(best) {
			best = s
		}
	}
	return best
}
