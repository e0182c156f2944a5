// Package useragent classifies HTTP user agents: known malicious and test strings, exploit
// payloads, scanners, bulk-transfer tools, scripting clients, outdated browsers, encoded
// (base64- or hex-looking) strings, odd ones (control or shell characters, too short, no
// letters) and the empty one. The named families come from a data file (agents.yaml, embedded;
// users add their own); the encoded and odd classes are computed.
package useragent

import (
	_ "embed"
	"encoding/base64"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Class is what kind of client a user agent says it is, least suspicious first.
type Class uint8

// The classes.
const (
	Ordinary Class = iota // a browser or an application not listed
	Empty                 // no user agent at all
	Outdated
	Script
	Transfer
	Scanner
	Odd
	Encoded
	Exploit
	Malicious
	numClasses
)

var classNames = [numClasses]string{"ordinary", "empty", "outdated", "script", "transfer", "scanner", "odd", "encoded", "exploit", "malicious"}

func (c Class) String() string {
	if c < numClasses {
		return classNames[c]
	}
	return "unknown"
}

// ParseClass reads a class name.
func ParseClass(s string) (Class, error) {
	for i, n := range classNames {
		if n == s {
			return Class(i), nil
		}
	}
	return 0, fmt.Errorf("unknown user-agent class %q (want one of %s)", s, strings.Join(classNames[:], ", "))
}

// Match is a user agent's classification.
type Match struct {
	Class  Class
	Family string // the family named in the data file, or why a computed class applied
}

// Rule is one entry of a user-agent file.
type Rule struct {
	Family   string   `yaml:"family"`
	Class    string   `yaml:"class"`
	Exact    []string `yaml:"exact"`
	Prefix   []string `yaml:"prefix"`
	Contains []string `yaml:"contains"`
	Ref      string   `yaml:"ref"`
}

type rule struct {
	family                  string
	class                   Class
	exact, prefix, contains []string // lower case
}

// Classifier classifies user agents by its rules, then by the computed classes.
type Classifier struct {
	rules []rule
}

//go:embed agents.yaml
var defaultFile []byte

// DefaultRules returns the entries of the embedded agents.yaml.
func DefaultRules() []Rule {
	rules, err := Parse(defaultFile)
	if err != nil {
		panic("useragent: embedded agents.yaml: " + err.Error())
	}
	return rules
}

// Default returns the classifier of the embedded agents.yaml.
func Default() *Classifier {
	c, err := New(DefaultRules())
	if err != nil {
		panic("useragent: embedded agents.yaml: " + err.Error())
	}
	return c
}

// Parse reads a user-agent file.
func Parse(b []byte) ([]Rule, error) {
	var rules []Rule
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&rules); err != nil {
		return nil, err
	}
	return rules, nil
}

// Load reads a user-agent file from disk.
func Load(path string) ([]Rule, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// New builds a classifier from rule lists, earlier lists first.
func New(lists ...[]Rule) (*Classifier, error) {
	c := &Classifier{}
	for _, list := range lists {
		for i, r := range list {
			cl, err := ParseClass(r.Class)
			if err != nil {
				return nil, fmt.Errorf("entry %d (%s): %w", i+1, r.Family, err)
			}
			if r.Family == "" {
				return nil, fmt.Errorf("entry %d: no family", i+1)
			}
			if len(r.Exact)+len(r.Prefix)+len(r.Contains) == 0 {
				return nil, fmt.Errorf("entry %d (%s): no exact, prefix or contains", i+1, r.Family)
			}
			c.rules = append(c.rules, rule{family: r.Family, class: cl, exact: lower(r.Exact), prefix: lower(r.Prefix), contains: lower(r.Contains)})
		}
	}
	return c, nil
}

func lower(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

// Classify classifies one user agent ("" is Empty).
func (c *Classifier) Classify(ua string) Match {
	if ua == "" {
		return Match{Class: Empty, Family: "no user agent"}
	}
	l := strings.ToLower(ua)
	for i := range c.rules {
		r := &c.rules[i]
		if matches(l, r) {
			return Match{Class: r.class, Family: r.family}
		}
	}
	if f := encoded(ua); f != "" {
		return Match{Class: Encoded, Family: f}
	}
	if f := odd(ua); f != "" {
		return Match{Class: Odd, Family: f}
	}
	return Match{Class: Ordinary}
}

func matches(l string, r *rule) bool {
	for _, s := range r.exact {
		if l == s {
			return true
		}
	}
	for _, s := range r.prefix {
		if strings.HasPrefix(l, s) {
			return true
		}
	}
	for _, s := range r.contains {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

// encoded reports a user agent that is one long token of base64 or hex: what implants that
// smuggle data or an id in the header send.
func encoded(ua string) string {
	if len(ua) < 16 {
		return ""
	}
	var upper, lowerc, digit, other bool
	hex := true
	for i := 0; i < len(ua); i++ {
		c := ua[i]
		switch {
		case c >= 'A' && c <= 'Z':
			upper = true
			hex = hex && c <= 'F'
		case c >= 'a' && c <= 'z':
			lowerc = true
			hex = hex && c <= 'f'
		case c >= '0' && c <= '9':
			digit = true
		case c == '+' || c == '/' || c == '=' || c == '-' || c == '_':
			other = true
			hex = false
		default:
			return "" // spaces, dots, parentheses: a product token, not an encoding
		}
	}
	if hex && digit && (upper != lowerc) && len(ua)%2 == 0 {
		return "hex-looking"
	}
	if !(upper && lowerc && digit) {
		return ""
	}
	s := strings.TrimRight(ua, "=")
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) >= 12 {
			return "base64-looking"
		}
	}
	if !other && len(ua) >= 24 {
		return "random-looking token"
	}
	return ""
}

// odd reports a user agent no client library would send.
func odd(ua string) string {
	letters := 0
	for i := 0; i < len(ua); i++ {
		c := ua[i]
		if c < 0x20 || c == 0x7f {
			return "control characters"
		}
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			letters++
		}
	}
	switch {
	case letters == 0:
		return "no letters"
	case len(ua) < 5:
		return "too short"
	case strings.ContainsAny(ua, "<>|`{}"), strings.Contains(ua, "$("):
		return "shell or markup characters"
	}
	return ""
}

// Cache classifies each distinct user agent once. It is not safe for concurrent use; each
// aggregator keeps its own.
type Cache struct {
	c *Classifier
	m map[string]Match
}

// NewCache returns an empty cache over c.
func NewCache(c *Classifier) *Cache { return &Cache{c: c, m: map[string]Match{}} }

// Classify returns ua's class, classifying it on first sight (the string is copied).
func (k *Cache) Classify(ua string) Match {
	if m, ok := k.m[ua]; ok {
		return m
	}
	m := k.c.Classify(ua)
	k.m[strings.Clone(ua)] = m
	return m
}
