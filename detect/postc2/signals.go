package postc2

import (
	"fmt"
	"math"
	"net/netip"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

// signal is a set of the signals a POST or a pair shows, as bits.
type signal uint16

// The signals. The request signals are judged on each POST alone; the others on the pair
// (source and site) when it is scored.
const (
	sigPostOnly signal = 1 << iota
	sigNoReferrer
	sigScriptPath
	sigGatePath
	sigDynamicDNS
	sigIPHost
	sigExternal
	sigEncodedBody
	sigFormType
)

// signalDef names a signal and its weight.
type signalDef struct {
	bit    signal
	name   string
	weight func(*Risk) int
}

// signalDefs lists the signals in the order summaries and figures name them.
var signalDefs = []signalDef{
	{sigPostOnly, "post_only", func(r *Risk) int { return r.PostOnly }},
	{sigNoReferrer, "no_referrer", func(r *Risk) int { return r.NoReferrer }},
	{sigScriptPath, "script_path", func(r *Risk) int { return r.ScriptPath }},
	{sigGatePath, "gate_path", func(r *Risk) int { return r.GatePath }},
	{sigDynamicDNS, "dynamic_dns", func(r *Risk) int { return r.DynamicDNS }},
	{sigIPHost, "ip_host", func(r *Risk) int { return r.IPHost }},
	{sigExternal, "external", func(r *Risk) int { return r.External }},
	{sigEncodedBody, "encoded_body", func(r *Risk) int { return r.EncodedBody }},
	{sigFormType, "form_content_type", func(r *Risk) int { return r.FormBodyType }},
}

// score sums the weights of the signals in s.
func (r *Risk) score(s signal) int {
	n := 0
	for _, d := range signalDefs {
		if s&d.bit != 0 {
			n += d.weight(r)
		}
	}
	return n
}

// judged is what one POST shows on its own.
type judged struct {
	flags signal
	gate  string // the gate pattern or hex name that matched
	ext   string // the script extension
	body  string // why the body looks encoded
}

// isBrowser reports whether a user agent claims to be a browser: it starts with Mozilla/ or
// Opera/ and names a browser engine (Gecko/, AppleWebKit/, Trident/, MSIE, Presto/).
// Applications that keep the Mozilla/ prefix without an engine ("Mozilla/4.0 (compatible; FCT
// 5.6.0; Windows NT 5.1)") do not.
func (c *compiled) isBrowser(ua string) bool {
	if !strings.HasPrefix(ua, "Mozilla/") && !strings.HasPrefix(ua, "Opera/") {
		return false
	}
	for _, t := range c.browser {
		if strings.Contains(ua, t) {
			return true
		}
	}
	return false
}

// judge classifies one POST by its own fields.
func (c *compiled) judge(p *Params, h *event.HTTP) judged {
	var j judged
	if h.Referrer == "" && h.Origin == "" && c.isBrowser(h.UserAgent) {
		j.flags |= sigNoReferrer
	}
	path := strings.ToLower(detect.URIPath(h.URI))
	name := path[strings.LastIndexByte(path, '/')+1:]
	for _, e := range c.scriptExt {
		if strings.HasSuffix(name, e) && len(name) > len(e) {
			j.flags |= sigScriptPath
			j.ext = e
			break
		}
	}
	for _, g := range c.gates {
		if strings.Contains(path, g) {
			j.flags |= sigGatePath
			j.gate = g
			break
		}
	}
	if j.ext != "" && p.HexScriptName > 0 {
		if stem := name[:len(name)-len(j.ext)]; len(stem) >= p.HexScriptName && isHexName(stem) {
			j.flags |= sigGatePath
			if j.gate != "" {
				j.gate += ", "
			}
			j.gate += "hex script name " + stem + j.ext
		}
	}
	t := baseType(h.ContentType)
	if t != "" && contains(c.formTypes, t) {
		j.flags |= sigFormType
	}
	if h.Body != "" && (t == "" || contains(c.bodyTypes, t)) {
		if why := encodedBody(p, h.Body, t == "application/x-www-form-urlencoded"); why != "" {
			j.flags |= sigEncodedBody
			j.body = why
		}
	}
	return j
}

// isHexName reports whether s is all hex digits with both letters and digits.
func isHexName(s string) bool {
	var letter, digit bool
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'a' && c <= 'f':
			letter = true
		default:
			return false
		}
	}
	return letter && digit
}

// baseType returns a Content-Type's media type in lower case, without parameters.
func baseType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(ct)
	for i := 0; i < len(ct); i++ {
		if c := ct[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(ct)
		}
	}
	return ct
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// dynamicDomain returns the dynamic-DNS provider domain that host is strictly under, or "".
func (c *compiled) dynamicDomain(host string) string {
	if len(c.dyn) == 0 || isAddr(host) {
		return ""
	}
	for i := strings.IndexByte(host, '.'); i >= 0; {
		rest := host[i+1:]
		if c.dyn[rest] {
			return rest
		}
		j := strings.IndexByte(rest, '.')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return ""
}

// isAddr reports whether host is an IP address literal.
func isAddr(host string) bool {
	if host == "" {
		return false
	}
	// Names are the common case: rule them out without ParseAddr, whose error allocates.
	if strings.IndexByte(host, ':') < 0 {
		for i := 0; i < len(host); i++ {
			if c := host[i]; (c < '0' || c > '9') && c != '.' {
				return false
			}
		}
	}
	_, err := netip.ParseAddr(host)
	return err == nil
}

// excluded reports whether a POST is of a known benign shape. Nothing to a dynamic-DNS host
// is excluded: the names and user agents the exclusions trust are free for an implant to use.
func (c *compiled) excluded(h *event.HTTP, host string, dynamic bool) bool {
	if dynamic {
		return false
	}
	if t := baseType(h.ContentType); t != "" && contains(c.exclTypes, t) {
		return true
	}
	for _, m := range h.OrigMimeTypes {
		if contains(c.exclTypes, baseType(m)) {
			return true
		}
	}
	if ua := h.UserAgent; ua != "" && len(c.exclUA) > 0 {
		l := strings.ToLower(ua)
		for _, x := range c.exclUA {
			if strings.HasPrefix(l, x) {
				return true
			}
		}
	}
	if !isAddr(host) {
		label := host
		if i := strings.IndexByte(host, '.'); i >= 0 {
			label = host[:i]
		}
		for _, x := range c.exclLabels {
			if strings.Contains(label, x) {
				return true
			}
		}
		for _, d := range c.exclDomains {
			if finding.InDomain(host, d) {
				return true
			}
		}
	}
	return false
}

// maxBody is how much of a body is judged: captures keep a few hundred bytes.
const maxBody = 4096

// encodedBody says why a request body looks like encoded or encrypted data, or "" when it does
// not. The body is URL-decoded first (%XX is a byte; in a form, whose Content-Type says so, +
// is a space; elsewhere + stays, a base64 character). Then:
//   - a binary body (binary_share of control and high bytes, 128 bytes or more) whose byte
//     entropy is at least 85% of the most its length allows is encrypted or compressed;
//   - otherwise the longest run of base64 characters (A-Z a-z 0-9 + / - _) of min_encoded_run
//     or more is encoded when it is all hex digits with hex_entropy bits per character or more,
//     or holds upper case, lower case and digits with base64_entropy bits per character or more.
func encodedBody(p *Params, body string, form bool) string {
	if len(body) > maxBody {
		body = body[:maxBody]
	}
	b := urlDecode(body, form)
	if len(b) >= 128 {
		odd := 0
		for _, c := range b {
			if c < 0x20 && c != '\t' && c != '\r' && c != '\n' || c >= 0x7f {
				odd++
			}
		}
		if float64(odd) >= p.BinaryShare*float64(len(b)) {
			e := entropy(b)
			if e >= 0.85*math.Log2(float64(min(len(b), 256))) {
				return fmt.Sprintf("binary, %.1f bits/byte over %d bytes", e, len(b))
			}
			return ""
		}
	}
	why, best := "", 0
	for i := 0; i < len(b); {
		if !isB64(b[i]) {
			i++
			continue
		}
		j := i
		var upper, lower, digit, nonHex bool
		for j < len(b) && isB64(b[j]) {
			switch c := b[j]; {
			case c >= 'A' && c <= 'Z':
				upper = true
				nonHex = nonHex || c > 'F'
			case c >= 'a' && c <= 'z':
				lower = true
				nonHex = nonHex || c > 'f'
			case c >= '0' && c <= '9':
				digit = true
			default:
				nonHex = true
			}
			j++
		}
		run := b[i:j]
		i = j
		if len(run) < p.MinEncodedRun || len(run) <= best {
			continue
		}
		e := entropy(run)
		switch {
		case !nonHex && digit && (upper || lower) && e >= p.HexEntropy:
			why, best = fmt.Sprintf("hex run of %d characters, %.1f bits/char", len(run), e), len(run)
		case upper && lower && digit && e >= p.Base64Entropy:
			why, best = fmt.Sprintf("base64 run of %d characters, %.1f bits/char", len(run), e), len(run)
		}
	}
	return why
}

func isB64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '-' || c == '_'
}

// urlDecode decodes percent-encoding: %XX is a byte, and in a form + is a space; a % not
// followed by two hex digits stays as it is.
func urlDecode(s string, form bool) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+' && form:
			out = append(out, ' ')
		case c == '%' && i+2 < len(s) && unhex(s[i+1]) >= 0 && unhex(s[i+2]) >= 0:
			out = append(out, byte(unhex(s[i+1])<<4|unhex(s[i+2])))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// entropy is the Shannon entropy of b's bytes, in bits per byte.
func entropy(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	var n [256]int
	for _, c := range b {
		n[c]++
	}
	e, l := 0.0, float64(len(b))
	for _, k := range n {
		if k > 0 {
			q := float64(k) / l
			e -= q * math.Log2(q)
		}
	}
	return e
}

// printable makes a body fit for a one-line note: bytes outside printable ASCII become '.'.
func printable(s string, n int) string {
	s = finding.Clip(s, n)
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c >= 0x7f {
			b[i] = '.'
		}
	}
	return string(b)
}
