package evtx

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/Velocidex/ordereddict"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source/winevent"
)

// maxNodes bounds the values the reader visits in one record's decoded tree (the library may
// share subtrees, so that a small malformed record expands to a huge one), and maxDepth its
// nesting.
const (
	maxNodes = 1 << 14
	maxDepth = 64
)

var errTooBig = errors.New("decoded record too large or too deep (malformed BinXml)")

// fileTimeEpoch is the Unix epoch as a FILETIME (100 ns since 1601-01-01).
const fileTimeEpoch = 116444736000000000

// typeOf returns the original type of a value the library returned as []byte: the guard kept
// it by the value's offset in the chunk (the slice aliases the library's 64 KiB copy of the
// chunk, so that its offset is chunkSize-cap). A slice the guard did not see is binary.
func (g *guard) typeOf(b []byte) uint8 {
	off := chunkSize - cap(b)
	if len(b) == 0 || off < 0 || off >= chunkSize || g.valType[off] == 0 || int(g.valLen[off]) != len(b) {
		return tBinary
	}
	return uint8(g.valType[off])
}

// text renders a value as Windows renders it in an event's XML.
func (g *guard) text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return renderTyped(g.typeOf(x), x)
	case bool:
		if x {
			return "true"
		}
		return "false"
	case uint8:
		return strconv.FormatUint(uint64(x), 10)
	case uint16:
		return strconv.FormatUint(uint64(x), 10)
	case uint32:
		return strconv.FormatUint(uint64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	// a list, a nested element, anything else: its compact JSON
	b, err := g.appendJSON(nil, v, &g.nodes, 0)
	if err != nil {
		g.tooBig = true
		return ""
	}
	if len(b) >= 2 && b[0] == '"' {
		s, err := strconv.Unquote(string(b))
		if err == nil {
			return s
		}
	}
	return string(b)
}

// renderTyped renders raw little-endian value bytes of a BinXml type.
func renderTyped(t uint8, b []byte) string {
	if t&tArray != 0 && t != tUnknown {
		items := splitArray(t&^tArray, b)
		if items == nil {
			return strings.ToUpper(hex.EncodeToString(b))
		}
		parts := make([]string, len(items))
		for i, it := range items {
			parts[i] = renderTyped(t&^tArray, it)
		}
		return strings.Join(parts, ", ")
	}
	size := fixedSize(t)
	if size > 0 && len(b) != size && !(t == tBool && (len(b) == 1 || len(b) == 2 || len(b) == 8)) {
		return strings.ToUpper(hex.EncodeToString(b)) // the wrong size for its type
	}
	switch t {
	case tString:
		return utf16String(b)
	case tAnsi:
		return strings.TrimRight(string(b), "\x00")
	case tInt8:
		return strconv.FormatInt(int64(int8(b[0])), 10)
	case tUint8:
		return strconv.FormatUint(uint64(b[0]), 10)
	case tInt16:
		return strconv.FormatInt(int64(int16(binary.LittleEndian.Uint16(b))), 10)
	case tUint16:
		return strconv.FormatUint(uint64(binary.LittleEndian.Uint16(b)), 10)
	case tInt32:
		return strconv.FormatInt(int64(int32(binary.LittleEndian.Uint32(b))), 10)
	case tUint32:
		return strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b)), 10)
	case tInt64:
		return strconv.FormatInt(int64(binary.LittleEndian.Uint64(b)), 10)
	case tUint64:
		return strconv.FormatUint(binary.LittleEndian.Uint64(b), 10)
	case tReal32:
		return strconv.FormatFloat(float64(math.Float32frombits(binary.LittleEndian.Uint32(b))), 'g', -1, 32)
	case tReal64:
		return strconv.FormatFloat(math.Float64frombits(binary.LittleEndian.Uint64(b)), 'g', -1, 64)
	case tBool:
		for _, c := range b {
			if c != 0 {
				return "true"
			}
		}
		return "false"
	case tGUID:
		return guidString(b)
	case tSizeT:
		if len(b) == 4 {
			return "0x" + strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b)), 16)
		}
		if len(b) == 8 {
			return "0x" + strconv.FormatUint(binary.LittleEndian.Uint64(b), 16)
		}
	case tFileTime:
		return fileTime(binary.LittleEndian.Uint64(b)).Format(timeLayout)
	case tSysTime:
		if t, ok := sysTime(b); ok {
			return t.Format(timeLayout)
		}
	case tSID:
		if s, ok := sidString(b); ok {
			return s
		}
	case tHex32:
		return "0x" + strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b)), 16)
	case tHex64:
		return "0x" + strconv.FormatUint(binary.LittleEndian.Uint64(b), 16)
	}
	return strings.ToUpper(hex.EncodeToString(b))
}

// timeLayout is how Windows writes a time in an event's XML: UTC, 100 ns.
const timeLayout = "2006-01-02T15:04:05.0000000Z"

// fixedSize is the size of a value of a fixed-size type, 0 for the others.
func fixedSize(t uint8) int {
	switch t {
	case tInt8, tUint8:
		return 1
	case tInt16, tUint16:
		return 2
	case tInt32, tUint32, tReal32, tHex32, tBool:
		return 4
	case tInt64, tUint64, tReal64, tHex64, tFileTime:
		return 8
	case tGUID, tSysTime:
		return 16
	}
	return 0
}

// splitArray cuts an array value into its items; nil when it cannot.
func splitArray(t uint8, b []byte) [][]byte {
	var out [][]byte
	switch t {
	case tString:
		s := utf16String(b)
		for _, p := range strings.Split(s, "\x00") {
			out = append(out, utf16Bytes(p))
		}
		return out
	case tAnsi:
		for _, p := range strings.Split(strings.TrimRight(string(b), "\x00"), "\x00") {
			out = append(out, []byte(p))
		}
		return out
	}
	size := fixedSize(t)
	if t == tSizeT && len(b)%8 == 0 {
		size = 8
	}
	if size == 0 || len(b)%size != 0 || len(b)/size > maxNodes {
		return nil
	}
	for i := 0; i < len(b); i += size {
		out = append(out, b[i:i+size])
	}
	return out
}

func utf16Bytes(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}

// utf16String decodes UTF-16LE, dropping trailing NULs.
func utf16String(b []byte) string {
	n := len(b) / 2
	for n > 0 && b[2*n-2] == 0 && b[2*n-1] == 0 {
		n--
	}
	ascii := true
	for i := 0; i < n; i++ {
		if b[2*i+1] != 0 || b[2*i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		s := make([]byte, n)
		for i := range s {
			s[i] = b[2*i]
		}
		return string(s)
	}
	u := make([]uint16, n)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// guidString writes a GUID as Windows's StringFromGUID2 does: {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}.
func guidString(b []byte) string {
	const digits = "0123456789ABCDEF"
	var out [38]byte
	out[0], out[37] = '{', '}'
	p := 1
	put := func(v uint64, n int) {
		for i := n - 1; i >= 0; i-- {
			out[p+i] = digits[v&0xf]
			v >>= 4
		}
		p += n
	}
	put(uint64(binary.LittleEndian.Uint32(b[0:])), 8)
	out[p] = '-'
	p++
	put(uint64(binary.LittleEndian.Uint16(b[4:])), 4)
	out[p] = '-'
	p++
	put(uint64(binary.LittleEndian.Uint16(b[6:])), 4)
	out[p] = '-'
	p++
	put(uint64(b[8])<<8|uint64(b[9]), 4)
	out[p] = '-'
	p++
	for _, c := range b[10:16] {
		put(uint64(c), 2)
	}
	return string(out[:])
}

// fileTime converts a FILETIME to a time in UTC.
func fileTime(ft uint64) time.Time {
	d := int64(ft/10_000_000) - fileTimeEpoch/10_000_000
	return time.Unix(d, int64(ft%10_000_000)*100).UTC()
}

// fileTimeMicro converts a FILETIME to an event.Time (truncated to the microsecond).
func fileTimeMicro(ft uint64) event.Time {
	us := ft / 10
	const epochUS = fileTimeEpoch / 10
	if us >= epochUS {
		return event.Time(int64(us - epochUS))
	}
	return -event.Time(int64(epochUS - us))
}

func sysTime(b []byte) (time.Time, bool) {
	if len(b) != 16 {
		return time.Time{}, false
	}
	u := func(i int) int { return int(binary.LittleEndian.Uint16(b[2*i:])) }
	y, mo, d, h, mi, s, ms := u(0), u(1), u(3), u(4), u(5), u(6), u(7)
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || ms > 999 {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, s, ms*1e6, time.UTC), true
}

// sidString writes a SID as S-R-I-S-S...; an authority of 2^32 and more in hex, as Windows does.
func sidString(b []byte) (string, bool) {
	if len(b) < 8 || len(b) != 8+4*int(b[1]) {
		return "", false
	}
	var auth uint64
	for _, c := range b[2:8] {
		auth = auth<<8 | uint64(c)
	}
	s := make([]byte, 0, 64)
	s = append(s, "S-"...)
	s = strconv.AppendUint(s, uint64(b[0]), 10)
	s = append(s, '-')
	if auth >= 1<<32 {
		s = append(s, "0x"...)
		s = strconv.AppendUint(s, auth, 16)
	} else {
		s = strconv.AppendUint(s, auth, 10)
	}
	for i := 8; i+4 <= len(b); i += 4 {
		s = append(s, '-')
		s = strconv.AppendUint(s, uint64(binary.LittleEndian.Uint32(b[i:])), 10)
	}
	return string(s), true
}

// nodeBudget counts the values visited in one record.
type nodeBudget int

func (n *nodeBudget) take() bool {
	*n++
	return *n <= maxNodes
}

func dict(v any) *ordereddict.Dict {
	d, _ := v.(*ordereddict.Dict)
	return d
}

func get(d *ordereddict.Dict, key string) any {
	if d == nil {
		return nil
	}
	v, _ := d.Get(key)
	return v
}

// What decode reads of EventData or UserData.
type dataMode uint8

const (
	dataAll      dataMode = iota
	dataIfWanted          // only for an event winevent maps
	dataNone
)

// decode fills rec from the library's tree of one record (the Event element). It returns an
// error for a record that is not an event. A panic (a bug: no input should cause one) is
// returned as an error.
func (g *guard) decode(ev any, header uint64, rec *winevent.Record, mode dataMode) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("reader panic: %v", p)
		}
	}()
	return g.decodeTree(ev, header, rec, mode)
}

func (g *guard) decodeTree(ev any, header uint64, rec *winevent.Record, mode dataMode) error {
	g.nodes, g.tooBig = 0, false
	root := dict(get(dict(ev), "Event"))
	if root == nil {
		return errors.New("no Event element")
	}
	sys := dict(get(root, "System"))
	if sys == nil {
		return errors.New("no System element")
	}
	rec.Reset()
	rec.Provider = g.text(attr(get(sys, "Provider"), "Name"))
	rec.Channel = strings.TrimSpace(g.text(get(sys, "Channel")))
	rec.Computer = strings.TrimSpace(g.text(get(sys, "Computer")))
	id := get(sys, "EventID")
	if d := dict(id); d != nil {
		id = get(d, "Value")
	}
	eid, err := strconv.ParseUint(strings.TrimSpace(g.text(id)), 10, 16)
	if err != nil {
		return errors.New("no EventID")
	}
	rec.EventID = int(eid)
	rec.RecordID = int64(header)
	if s := strings.TrimSpace(g.text(get(sys, "EventRecordID"))); s != "" {
		if r, err := strconv.ParseInt(s, 10, 64); err == nil {
			rec.RecordID = r
		}
	}
	rec.Time = g.timeOf(attr(get(sys, "TimeCreated"), "SystemTime"))
	if mode == dataNone || mode == dataIfWanted && !winevent.Wanted(rec.Channel, rec.Provider, rec.EventID) {
		return nil
	}
	if ed, ok := root.Get("EventData"); ok {
		err = g.eventData(ed, rec, &g.nodes)
	} else if ud := dict(get(root, "UserData")); ud != nil {
		err = g.userData(ud, rec, &g.nodes)
	}
	if err == nil && g.tooBig {
		err = errTooBig
	}
	return err
}

// attr returns an attribute of an element (the library makes attributes keys of the element).
func attr(el any, name string) any {
	return get(dict(el), name)
}

// timeOf reads TimeCreated/@SystemTime: a FILETIME (kept exact by the guard), or text.
func (g *guard) timeOf(v any) event.Time {
	switch x := v.(type) {
	case []byte:
		switch g.typeOf(x) {
		case tFileTime:
			if len(x) == 8 {
				return fileTimeMicro(binary.LittleEndian.Uint64(x))
			}
		case tSysTime:
			if t, ok := sysTime(x); ok {
				return event.FromStd(t)
			}
		}
	case string:
		if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(x)); err == nil {
			return event.FromStd(t)
		}
	case float64: // the library's own decoding (seconds), should the guard not have seen it
		return event.Time(math.Round(x * 1e6))
	}
	return 0
}

// eventData reads EventData: the library turns <Data Name="N">v</Data>... into an ordered
// map N: v when it can, and leaves the elements (one, or a list) under "Data" otherwise (a Data
// without a Name, or without a value).
func (g *guard) eventData(ed any, rec *winevent.Record, n *nodeBudget) error {
	d := dict(ed)
	if d == nil {
		if ed != nil { // <EventData>text</EventData>
			rec.Data = append(rec.Data, winevent.Field{Name: "Data1", Value: g.text(ed)})
		}
		return nil
	}
	unnamed := 0
	for _, k := range d.Keys() {
		v, _ := d.Get(k)
		if k != "Data" {
			if !n.take() {
				return errTooBig
			}
			rec.Data = append(rec.Data, winevent.Field{Name: k, Value: g.text(v)})
			continue
		}
		items, ok := v.([]any)
		if !ok {
			items = []any{v}
		}
		for _, it := range items {
			if !n.take() {
				return errTooBig
			}
			if el := dict(it); el != nil {
				if name, ok := el.Get("Name"); ok {
					rec.Data = append(rec.Data, winevent.Field{Name: g.text(name), Value: g.text(get(el, "Value"))})
					continue
				}
				it = get(el, "Value")
			}
			unnamed++
			rec.Data = append(rec.Data, winevent.Field{Name: "Data" + strconv.Itoa(unnamed), Value: g.text(it)})
		}
	}
	return nil
}

// userData reads the children of UserData's first child.
func (g *guard) userData(ud *ordereddict.Dict, rec *winevent.Record, n *nodeBudget) error {
	keys := ud.Keys()
	if len(keys) == 0 {
		return nil
	}
	first, _ := ud.Get(keys[0])
	if items, ok := first.([]any); ok && len(items) > 0 {
		first = items[0]
	}
	d := dict(first)
	if d == nil {
		rec.Data = append(rec.Data, winevent.Field{Name: keys[0], Value: g.text(first)})
		return nil
	}
	for _, k := range d.Keys() {
		if !n.take() {
			return errTooBig
		}
		v, _ := d.Get(k)
		rec.Data = append(rec.Data, winevent.Field{Name: k, Value: g.text(v)})
	}
	return nil
}

// record renders one record as a line of compact JSON: {"Event":{"System":{...},"EventData":
// {...}}}, the shape Velociraptor writes. Numbers are JSON numbers, booleans JSON booleans, the
// other values strings as Windows renders them; EventData is the name/value pairs the reader
// read (so that unnamed Data are Data1, Data2 ...).
func (g *guard) record(ev any, rec *winevent.Record) (s string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("reader panic: %v", p)
		}
	}()
	root := dict(get(dict(ev), "Event"))
	if root == nil {
		return "", errors.New("no Event element")
	}
	g.nodes = 0
	n := &g.nodes
	b := make([]byte, 0, 2048)
	b = append(b, `{"Event":{`...)
	for i, k := range root.Keys() {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		if k == "EventData" {
			b = append(b, '{')
			for j, f := range rec.Data {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendString(b, f.Name)
				b = append(b, ':')
				b = appendString(b, f.Value)
			}
			b = append(b, '}')
			continue
		}
		v, _ := root.Get(k)
		var err error
		if b, err = g.appendJSON(b, v, n, 1); err != nil {
			return "", err
		}
	}
	b = append(b, "}}"...)
	return string(b), nil
}

// appendJSON appends a decoded value as JSON.
func (g *guard) appendJSON(b []byte, v any, n *nodeBudget, depth int) ([]byte, error) {
	if !n.take() || depth > maxDepth {
		return b, errTooBig
	}
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case *ordereddict.Dict:
		b = append(b, '{')
		for i, k := range x.Keys() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			e, _ := x.Get(k)
			var err error
			if b, err = g.appendJSON(b, e, n, depth+1); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = g.appendJSON(b, e, n, depth+1); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case []string:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, e)
		}
		return append(b, ']'), nil
	case []byte:
		t := g.typeOf(x)
		switch t {
		case tInt8, tUint8, tInt16, tUint16, tInt32, tUint32, tInt64, tUint64:
			if len(x) == fixedSize(t) {
				return append(b, renderTyped(t, x)...), nil
			}
		case tBool:
			return append(b, renderTyped(t, x)...), nil
		}
		return appendString(b, renderTyped(t, x)), nil
	case bool, uint8, uint16, uint32, uint64, int32, int64:
		return append(b, g.text(x)...), nil
	case float32, float64:
		s := g.text(x)
		if _, err := strconv.ParseFloat(s, 64); err != nil || strings.ContainsAny(s, "IN") {
			return appendString(b, s), nil // NaN, Inf
		}
		return append(b, s...), nil
	case string:
		return appendString(b, x), nil
	}
	return appendString(b, ""), nil
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	const digits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', digits[c>>4], digits[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
