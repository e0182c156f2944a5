package evtx

import (
	"encoding/binary"
)

// The guard makes the library safe to run on a chunk, and makes it keep each value's type.
//
// The library (www.velocidex.com/golang/evtx) trusts the chunk it parses: a count of template
// values it does not bound makes it allocate without end, nested BinXml values that name each
// other make its work grow exponentially, and a few value types it decodes can index out of
// range. It also decodes values into Go types that lose what Windows shows: HexInt32/64 come
// out as plain numbers, FILETIMEs as float seconds (which cannot hold 100 ns), GUIDs without
// braces.
//
// So before the library sees a chunk, the guard walks it exactly as the library will (the same
// tokens, the same offsets, the same template table keyed by the templates' short ids) without
// building anything, counting the work each record will cost. On the way it rewrites the type of
// every template value that is not a string, a null or nested BinXml to binary (0x0e): the
// library then hands such a value back as a []byte that aliases its copy of the chunk, and the
// guard remembers each value's original type by its offset, so that the reader renders it as
// Windows does (see render.go). A record whose walk goes past the budget, or whose template
// reference the library would misread, is refused: its BinXml is cut to an end-of-fragment
// token so that the library passes it over, and the reader reports it. The walk is repeated
// until a pass changes nothing, so that the bytes the library reads are those the guard
// walked.

const (
	chunkSize        = 0x10000
	chunkHeaderSize  = 0x200
	recordHeaderSize = 24

	// maxValues is the most template values an instance may have (the library caps a known
	// template's count here; it does not cap an inline one's).
	maxValues = 10240
	// recordBudget and chunkBudget bound the work (tokens, bytes decoded, template nodes
	// expanded) that the library may spend on one record and on one chunk. A Sysmon record
	// costs a few thousand.
	recordBudget = 1 << 22
	chunkBudget  = 1 << 25
	// maxPasses bounds the walks of a chunk; a chunk that still changes is refused whole.
	maxPasses = 8
)

// Value types of BinXml (MS-EVEN6 2.2.18, libevtx).
const (
	tNull     = 0x00
	tString   = 0x01
	tAnsi     = 0x02
	tInt8     = 0x03
	tUint8    = 0x04
	tInt16    = 0x05
	tUint16   = 0x06
	tInt32    = 0x07
	tUint32   = 0x08
	tInt64    = 0x09
	tUint64   = 0x0a
	tReal32   = 0x0b
	tReal64   = 0x0c
	tBool     = 0x0d
	tBinary   = 0x0e
	tGUID     = 0x0f
	tSizeT    = 0x10
	tFileTime = 0x11
	tSysTime  = 0x12
	tSID      = 0x13
	tHex32    = 0x14
	tHex64    = 0x15
	tBinXML   = 0x21
	tArray    = 0x80
	tUnknown  = 0xff // a type word the library does not know (a non-zero second byte)
)

// guard holds the state of the walks of one chunk. It is reused from chunk to chunk.
type guard struct {
	buf []byte // the chunk, patched in place

	// origType[p] is 0x100|type for a value type word at p that the guard rewrote (it keeps
	// the type from pass to pass); valType[o] and valLen[o] give, for the value at o that the
	// library will return as []byte, its original type (0x100|type) and its length.
	origType [chunkSize]uint16
	valType  [chunkSize]uint16
	valLen   [chunkSize]uint16
	// framing marks the bytes of the records' headers and size copies, which the guard must
	// not rewrite: the library finds the records by them.
	framing [chunkSize / 64]uint64

	known map[uint32]int // template short id -> its tree's index in trees
	trees []int          // node counts of the trees being built
	added []uint32       // template ids the current record defined
	descs []desc         // value descriptors of the instances being walked (a stack)

	// nodes and tooBig bound the reader's walk of a decoded record (render.go).
	nodes  nodeBudget
	tooBig bool

	cost, chunkCost int
	fail            string // why the current record is refused
	changed         bool   // the pass wrote to buf
}

type desc struct {
	size int
	typ  uint16 // the type word the library will see
	orig uint8  // the original type
}

// refused is a record the guard refused, with why.
type refused struct {
	index  int
	reason string
}

// run walks the records (at the chunk offsets offs) until a pass changes nothing and returns
// the records refused. ok is false when the chunk does not settle (it must not be parsed).
func (g *guard) run(buf []byte, offs []int) (out []refused, ok bool) {
	g.buf = buf
	clear(g.origType[:])
	clear(g.framing[:])
	for _, start := range offs {
		size := int(binary.LittleEndian.Uint32(buf[start+4:]))
		for p := start; p < start+recordHeaderSize; p++ {
			g.framing[p/64] |= 1 << (p % 64)
		}
		for p := start + size - 4; p < start+size; p++ {
			g.framing[p/64] |= 1 << (p % 64)
		}
	}
	reasons := map[int]string{}
	for pass := 0; pass < maxPasses; pass++ {
		g.changed = false
		clear(g.valType[:])
		clear(g.valLen[:])
		clear(g.known)
		g.trees = g.trees[:0]
		g.chunkCost = 0
		for i, start := range offs {
			g.cost = 0
			g.fail = ""
			g.added = g.added[:0]
			g.descs = g.descs[:0]
			if g.chunkCost > chunkBudget {
				g.fail = "chunk too costly to decode"
			} else {
				t := g.newTree()
				g.binXML(start+recordHeaderSize, false, t)
				g.spend(g.trees[t]) // the record's expansion
			}
			g.chunkCost += g.cost
			if g.fail == "" {
				continue
			}
			if _, seen := reasons[i]; !seen {
				reasons[i] = g.fail
			}
			for _, id := range g.added { // the library will not see this record's templates
				delete(g.known, id)
			}
			if p := start + recordHeaderSize; p < len(buf) && buf[p] != 0 {
				buf[p] = 0 // end of fragment: the library passes the record over
				g.changed = true
			}
		}
		if !g.changed {
			for i := range offs {
				if r, bad := reasons[i]; bad {
					out = append(out, refused{i, r})
				}
			}
			return out, true
		}
	}
	return nil, false
}

func (g *guard) isFraming(p int) bool {
	return p >= 0 && p < chunkSize && g.framing[p/64]&(1<<(p%64)) != 0
}

func (g *guard) newTree() int {
	g.trees = append(g.trees, 0)
	return len(g.trees) - 1
}

// spend adds work to the current record; it fails the record past the budget.
func (g *guard) spend(n int) bool {
	g.cost += n
	if g.cost > recordBudget && g.fail == "" {
		g.fail = "record too costly to decode (malformed BinXml)"
	}
	return g.fail == ""
}

// The readers below behave as the library's ParseContext.Consume* do: past the end they read
// zero and do not move.

func (g *guard) u8(off int) (uint8, int) {
	if off < 0 || len(g.buf) < off+1 {
		return 0, off
	}
	return g.buf[off], off + 1
}

func (g *guard) u16(off int) (uint16, int) {
	if off < 0 || len(g.buf) < off+2 {
		return 0, off
	}
	return binary.LittleEndian.Uint16(g.buf[off:]), off + 2
}

func (g *guard) u32(off int) (uint32, int) {
	if off < 0 || len(g.buf) < off+4 {
		return 0, off
	}
	return binary.LittleEndian.Uint32(g.buf[off:]), off + 4
}

// bytes is ConsumeBytes: it moves past size bytes when they are all there.
func (g *guard) bytes(off, size int) int {
	if off < 0 || off+size > len(g.buf) {
		return off
	}
	return off + size
}

// binXML mirrors ParseBinXML; tree is the index of the node count of the tree it builds.
func (g *guard) binXML(off int, inTemplate bool, tree int) int {
	for g.spend(1) {
		var tag uint8
		tag, off = g.u8(off)
		switch tag {
		case 0x00: // end of fragment
			return off
		case 0x01, 0x41: // open start element
			if inTemplate {
				off += 2
			}
			off += 4
			off = g.name(off)
			if tag == 0x41 {
				_, off = g.u32(off)
			}
			g.trees[tree] += 2
		case 0x02, 0x03, 0x04: // close start, close empty, close element
		case 0x05, 0x45: // value text
			_, off = g.u8(off)
			off = g.prefixed(off, false)
			g.trees[tree] += 2
		case 0x06, 0x46: // attribute
			off = g.name(off)
		case 0x07, 0x47, 0x08, 0x48, 0x09, 0x49, 0x0a, 0x0b:
			// CDATA, references, PIs: the library reads nothing more
		case 0x0c:
			var more bool
			off, more = g.instance(off, tree)
			if !more {
				return off
			}
		case 0x0d, 0x0e: // substitutions
			_, off = g.u16(off)
			var vt uint8
			vt, off = g.u8(off)
			if vt == 0 {
				_, off = g.u8(off)
			}
			g.trees[tree] += 2
		case 0x0f: // fragment header
			off += 3
		default:
			return off
		}
	}
	return off
}

// name mirrors ReadName: a name is read where it is defined, in place or elsewhere in the chunk.
func (g *guard) name(off int) int {
	var at uint32
	at, off = g.u32(off)
	if int(at) != off {
		g.prefixed(int(at)+6, true)
		return off
	}
	return g.prefixed(off+6, true)
}

// prefixed mirrors ReadPrefixedUnicodeString.
func (g *guard) prefixed(off int, nulTerminated bool) int {
	var n uint16
	n, off = g.u16(off)
	size := int(n)
	if nulTerminated {
		size++
	}
	size *= 2
	g.spend(size)
	return g.bytes(off, size)
}

// instance mirrors ParseTemplateInstance, rewriting value types as it goes. more is false when
// the library stops reading the fragment there.
func (g *guard) instance(off int, tree int) (next int, more bool) {
	var one uint8
	if one, off = g.u8(off); one != 1 {
		return off, false
	}
	var id uint32
	if id, off = g.u32(off); id == 0 {
		return off, false
	}
	def, defOK := uint32(0), off+4 <= len(g.buf)
	if defOK {
		def = binary.LittleEndian.Uint32(g.buf[off:])
	}
	off += 4
	var n uint32
	n, off = g.u32(off)
	n = min(n, maxValues)
	t, known := g.known[id]
	// The library tells an inline definition by its id being new; the format by the offset.
	if inline := defOK && int(def) == off-4; !defOK || inline == known {
		if g.fail == "" {
			g.fail = "template reference the decoder cannot follow"
		}
		return off, false
	}
	if !known {
		off += 16 // the template's GUID
		var size uint32
		size, off = g.u32(off)
		t = g.newTree()
		g.known[id] = t
		g.added = append(g.added, id)
		g.binXML(off, true, t)
		off += int(size)
		n, off = g.u32(off)
		if n > maxValues {
			if g.fail == "" {
				g.fail = "template instance with too many values"
			}
			return off, false
		}
	}
	if g.fail != "" || !g.spend(int(n)) {
		return off, false
	}
	base := len(g.descs)
	for range n {
		var size uint16
		size, off = g.u16(off)
		d := desc{size: int(size)}
		if off+2 <= len(g.buf) {
			d.typ = binary.LittleEndian.Uint16(g.buf[off:])
			d.orig = uint8(d.typ)
			if o := g.origType[off]; o != 0 {
				d.orig = uint8(o)
			} else if d.typ > 0xff {
				d.orig = tUnknown
			}
			switch d.typ {
			case tNull, tString, tBinary, tBinXML:
			default:
				if g.isFraming(off) || g.isFraming(off+1) {
					if g.fail == "" {
						g.fail = "value type inside a record's framing (malformed BinXml)"
					}
					return off, false
				}
				g.origType[off] = 0x100 | uint16(d.orig)
				binary.LittleEndian.PutUint16(g.buf[off:], tBinary)
				d.typ = tBinary
				g.changed = true
			}
			off += 2
		}
		g.descs = append(g.descs, d)
	}
	for i := range int(n) {
		d := g.descs[base+i]
		switch d.typ {
		case tNull:
			off += d.size
		case tString:
			g.spend(3 * d.size) // copied, widened and decoded
			off = g.bytes(off, d.size)
		case tBinary:
			if d.size > 0 && off >= 0 && off+d.size <= len(g.buf) {
				g.valType[off] = 0x100 | uint16(d.orig)
				g.valLen[off] = uint16(d.size)
			}
			off = g.bytes(off, d.size)
		case tBinXML:
			nested := g.newTree()
			g.binXML(off, true, nested)
			g.spend(g.trees[nested])
			off += d.size
		}
		if g.fail != "" {
			break
		}
	}
	g.descs = g.descs[:base]
	g.spend(g.trees[t] + int(n)) // the template's expansion
	g.trees[tree] += 2
	return off, g.fail == ""
}
