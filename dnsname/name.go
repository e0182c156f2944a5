package dnsname

import (
	"math"
	"strings"
)

// Alphabet is the character set a name's payload is written in.
type Alphabet uint8

// Alphabets, from the narrowest.
const (
	Text   Alphabet = iota // letters, digits and hyphens (alphanumeric)
	Hex                    // 0-9 a-f only
	Base32                 // a-z 2-7 (RFC 4648) or 0-9 a-v (base32hex), one case
	Base64                 // both cases and digits (also base64url's - and _)
	Raw                    // bytes a host name never has: escaped \xNN, non-ASCII, punctuation
)

var alphabetNames = [...]string{"alphanumeric", "hex", "base32", "base64", "raw"}

func (a Alphabet) String() string {
	if int(a) < len(alphabetNames) {
		return alphabetNames[a]
	}
	return "?"
}

// Limits are the thresholds of Analyze.
type Limits struct {
	// MaxName: a name longer than this (in bytes on the wire, without the trailing dot) is long.
	MaxName int
	// MaxLabel: a label longer than this is long.
	MaxLabel int
	// MinPayload is the fewest payload characters (those left of the registered domain) whose
	// encoding is judged: a shorter string cannot be told from a word or a short id.
	MinPayload int
	// PrivateSuffixes: see Registered.
	PrivateSuffixes bool
}

// DefaultLimits are the published thresholds: names over 70 characters and labels over 52
// (SigmaHQ), a payload judged from 24 characters.
func DefaultLimits() Limits {
	return Limits{MaxName: 70, MaxLabel: 52, MinPayload: 24, PrivateSuffixes: true}
}

// Name is what Analyze finds in a query name.
type Name struct {
	Domain   string // the registered domain (Registered), canonical
	Length   int    // bytes on the wire without the trailing dot (an escape \xNN is one)
	Labels   int    // labels in the name
	Longest  int    // bytes of the longest label
	Payload  int    // bytes left of the registered domain, dots and service labels (_tcp) left out
	Alphabet Alphabet
	Entropy  float64 // Shannon entropy of the payload, bits a character
	Chunked  bool    // a label <n>-<payload>: a chunk index and data (Elastic's rule)
	Reverse  bool    // a PTR name (in-addr.arpa, ip6.arpa): never long, never encoded
	Local    bool    // a multicast DNS name (.local): service instance names in free text, never encoded

	Long    bool // longer than MaxName, or a label longer than MaxLabel
	Encoded bool // the payload reads as data (see Analyze)
}

// Analyze takes a query name apart (as logged: any case, maybe a trailing dot, Zeek's \xNN
// escapes). Canonical must not have been applied: case is a feature (base64 mixes it).
//
// A payload is encoded when it has at least MinPayload bytes and one of: bytes a host name
// never has (raw); hex digits only, with letters and digits mixed; both cases mixed through
// the payload with digits (base64); or, in one case, a spread of characters as wide as random
// draws from its alphabet with few vowels (base32 and other encodings of random bytes), which
// words, product names and hostnames do not reach.
func Analyze(name string, l Limits) Name {
	name = trim(name)
	var n Name
	canon := lower(name)
	n.Reverse = IsReverse(canon)
	n.Domain = Registered(canon, l.PrivateSuffixes)
	n.Length, n.Labels, n.Longest = measure(name)
	if n.Reverse {
		return n
	}
	n.Long = n.Length > l.MaxName || n.Longest > l.MaxLabel
	if n.Local = canon == "local" || strings.HasSuffix(canon, ".local"); n.Local {
		return n
	}
	sub := "" // the labels beside the registered domain: before it, or after a first-label domain
	switch d := n.Domain; {
	case d == "" || len(d) >= len(canon):
	case strings.HasSuffix(canon, "."+d):
		sub = name[:len(name)-len(d)-1]
	case strings.HasPrefix(canon, d+"."):
		sub = name[len(d)+1:]
	}
	var c counts
	c.scan(sub)
	n.Payload = c.n
	n.Alphabet = c.alphabet()
	n.Entropy = c.entropy()
	n.Chunked = chunked(sub)
	n.Encoded = c.n >= l.MinPayload && c.encoded(n.Alphabet, n.Entropy)
	return n
}

// measure returns the wire length of a name, its labels and its longest label.
func measure(name string) (length, labels, longest int) {
	if name == "" {
		return 0, 0, 0
	}
	labels = 1
	cur := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '.':
			longest = max(longest, cur)
			cur = 0
			labels++
			length++
			continue
		case c == '\\' && i+3 < len(name) && name[i+1] == 'x' && isHex(name[i+2]) && isHex(name[i+3]):
			i += 3
		}
		cur++
		length++
	}
	return length, labels, max(longest, cur)
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// counts are the character statistics of a payload.
type counts struct {
	n                  int // characters (an escape is one)
	lower, upper, digs int
	vowels             int // a e i o u, either case
	hexLetters         int // a-f, either case
	b32Digits          int // digits 2-7
	other              int // bytes a host name never has
	hyphens            int
	caseRuns           int // changes between lower and upper case letters
	pairs, wordPairs   int // letter pairs, and those among the commonest in English words
	freq               [256]uint16
}

// scan counts the payload characters of sub (the labels left of the registered domain): the
// labels that look like data, not the words a tunnel's operator or a service put around it
// (t, stage, post, _tcp, us-east-1). A label is data when it has bytes a host name never has,
// both cases mixed (base64), letters and digits without a hyphen (hex, base32), or 24 letters
// or more of one case; a label with hyphens only when it mixes cases and has digits
// (base64url).
func (c *counts) scan(sub string) {
	for label := range strings.SplitSeq(sub, ".") {
		if label == "" || label[0] == '_' {
			continue
		}
		var l counts
		l.add(label)
		if l.isData() {
			c.merge(&l)
		}
	}
}

// add counts the characters of one label.
func (c *counts) add(label string) {
	last := byte(0) // 'l' lower, 'u' upper
	prev := byte(0) // the letter before, lower case; 0 after anything else
	for i := 0; i < len(label); i++ {
		b := label[i]
		if l := b | 0x20; 'a' <= l && l <= 'z' {
			if prev != 0 {
				c.pairs++
				if commonPairs[prev-'a']&(1<<(l-'a')) != 0 {
					c.wordPairs++
				}
			}
			prev = l
		} else {
			prev = 0
		}
		if b == '\\' && i+3 < len(label) && label[i+1] == 'x' && isHex(label[i+2]) && isHex(label[i+3]) {
			i += 3
			c.other++
			c.n++
			c.freq[0]++ // escapes count as one symbol: what they hide is unknown
			continue
		}
		c.n++
		c.freq[b]++
		switch {
		case 'a' <= b && b <= 'z':
			c.lower++
			if last == 'u' {
				c.caseRuns++
			}
			last = 'l'
		case 'A' <= b && b <= 'Z':
			c.upper++
			if last == 'l' {
				c.caseRuns++
			}
			last = 'u'
		case '0' <= b && b <= '9':
			c.digs++
			if '2' <= b && b <= '7' {
				c.b32Digits++
			}
			continue
		case b == '-' || b == '_':
			c.hyphens++
			continue
		default:
			c.other++
			continue
		}
		switch b | 0x20 {
		case 'a', 'e', 'i', 'o', 'u':
			c.vowels++
		}
		if l := b | 0x20; 'a' <= l && l <= 'f' {
			c.hexLetters++
		}
	}
}

// isData tells a label that may carry data from a word.
func (c *counts) isData() bool {
	mixed := c.lower > 0 && c.upper > 0 && c.caseRuns >= 2
	switch {
	case c.other > 0:
		return true
	case c.hyphens > 0:
		return mixed && c.digs > 0
	case mixed:
		return true
	case c.digs > 0 && c.letters() > 0:
		return true
	}
	return c.letters() >= 24
}

func (c *counts) merge(o *counts) {
	c.n += o.n
	c.lower += o.lower
	c.upper += o.upper
	c.digs += o.digs
	c.vowels += o.vowels
	c.hexLetters += o.hexLetters
	c.b32Digits += o.b32Digits
	c.other += o.other
	c.hyphens += o.hyphens
	c.caseRuns += o.caseRuns
	c.pairs += o.pairs
	c.wordPairs += o.wordPairs
	for i, f := range o.freq {
		c.freq[i] += f
	}
}

func (c *counts) letters() int { return c.lower + c.upper }

// alphabet is the narrowest alphabet the payload fits.
func (c *counts) alphabet() Alphabet {
	switch {
	case c.n == 0:
		return Text
	case c.other > 0:
		return Raw
	case c.hyphens == 0 && c.hexLetters == c.letters() && (c.lower == 0 || c.upper == 0):
		return Hex
	case c.lower > 0 && c.upper > 0:
		return Base64
	case c.hyphens == 0 && c.digs == c.b32Digits:
		return Base32
	}
	return Text
}

// entropy is the Shannon entropy of the payload's characters, in bits.
func (c *counts) entropy() float64 {
	if c.n == 0 {
		return 0
	}
	h := 0.0
	n := float64(c.n)
	for _, f := range c.freq {
		if f > 0 {
			p := float64(f) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// expectedEntropy is about the entropy of n characters drawn at random from k symbols: the
// alphabet's log2(k) less the bias of a finite sample, and never above log2(n).
func expectedEntropy(n, k int) float64 {
	e := math.Log2(float64(k)) - float64(k-1)/(2*float64(n)*math.Ln2)
	return min(e, math.Log2(float64(n)))
}

// encoded judges a payload long enough to be judged.
func (c *counts) encoded(a Alphabet, h float64) bool {
	letters := c.letters()
	if a == Raw {
		return true
	}
	if a == Hex {
		return c.digs > 0 && letters > 0 && h >= 0.8*expectedEntropy(c.n, 16)
	}
	if letters == 0 || c.digs == 0 {
		return false
	}
	// Random bytes, whatever the encoding, spread over the alphabet (an entropy near that of
	// random draws), have few vowels (about one letter in five: 5 of 26, 10 of 52, where
	// words have two in five; the bound is the random share plus 2.5 standard deviations of a
	// sample of that many letters) and few of the letter pairs words are made of (about one in
	// six, where words have more than half).
	vowelShare := float64(c.vowels) / float64(letters)
	if vowelShare > randomVowels+2.5*math.Sqrt(randomVowels*(1-randomVowels)/float64(letters)) {
		return false
	}
	if c.pairs > 0 && float64(c.wordPairs) > maxWordPairs*float64(c.pairs) {
		return false
	}
	if a == Base64 {
		// Both cases through the payload, not a capitalised word or two: base64 of random
		// bytes switches case about every other letter.
		return c.caseRuns*6 >= letters && h >= 0.8*expectedEntropy(c.n, 64)
	}
	return h >= 0.85*expectedEntropy(c.n, 32)
}

// maxWordPairs is the largest share of common English letter pairs (commonPairs) in a payload
// of random data: random base32 and base64 letters have about 0.17 (0.4 is past 99 % of them),
// words 0.45 and more.
const maxWordPairs = 0.4

// commonPairs[a] has bit b set when the letter pair a,b is among the commonest in English
// text: about two pairs in three of words, one in eight of random letters.
var commonPairs = func() (t [26]uint32) {
	for _, p := range strings.Fields(`th he in er an re on at en nd ti es or te of ed is it al ar st to nt ng se
		ha as ou io le ve co me de hi ri ro ic ne ea ra ce li ch ll be ma si om ur ca el ta la ns di fo
		ho pe ec pr no ct us ac ot il tr ly nc et ut ss so rs un lo wa ge ie wh ee wi em ad ol rt po we
		na ul ni ts mo ow pa im mi ai sh ir su id os iv ia am fi ci vi pl ig tu ev ld ry mp`) {
		t[p[0]-'a'] |= 1 << (p[1] - 'a')
	}
	return t
}()

// randomVowels is about the share of vowels among the letters of random text in base32 (5 of
// 26), base64 (10 of 52) or base32hex (5 of 22).
const randomVowels = 0.23

// chunked reports whether a label is a chunk index and a payload: 1 to 5 digits, a hyphen
// and 15 to 63 characters of base64 or base32 (the shape Elastic's rule looks for).
func chunked(sub string) bool {
	for label := range strings.SplitSeq(sub, ".") {
		d := 0
		for d < len(label) && d < 6 && '0' <= label[d] && label[d] <= '9' {
			d++
		}
		if d == 0 || d > 5 || d >= len(label) || label[d] != '-' {
			continue
		}
		rest := label[d+1:]
		if len(rest) < 15 || len(rest) > 63 {
			continue
		}
		ok := true
		for i := 0; i < len(rest); i++ {
			b := rest[i]
			if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '+' || b == '/' || b == '=') {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
