// Package source opens what a user points sluice at: files, folders and standard input,
// compressed or not; it sniffs each input's format and hands it to that format's reader, which
// splits it into jobs that the engine's workers parse in parallel.
package source

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/sluice-hunt/sluice/event"
)

// Input is one thing to read: a file or standard input.
type Input struct {
	Name string // the path, or "-" for standard input
	Size int64  // bytes on disk; -1 when unknown
	// Reopenable tells whether Open may be called again (to read evidence back).
	Reopenable bool
	open       func() (io.ReadCloser, error)
}

// Open opens the raw (possibly compressed) bytes of the input.
func (in Input) Open() (io.ReadCloser, error) { return in.open() }

// FileInput is an input for a path on disk.
func FileInput(path string, size int64) Input {
	return Input{Name: path, Size: size, Reopenable: true, open: func() (io.ReadCloser, error) { return os.Open(path) }}
}

// NewInput is an input whose bytes open returns (a stream from a database, a generated
// file): reopenable says whether open may be called again to read evidence back.
func NewInput(name string, size int64, reopenable bool, open func() (io.ReadCloser, error)) Input {
	return Input{Name: name, Size: size, Reopenable: reopenable, open: open}
}

// ReaderInput is an input read once from r (standard input, a test's bytes).
func ReaderInput(name string, r io.Reader) Input {
	used := false
	return Input{Name: name, Size: -1, open: func() (io.ReadCloser, error) {
		if used {
			return nil, fmt.Errorf("%s: can be read only once", name)
		}
		used = true
		return io.NopCloser(r), nil
	}}
}

// Expand turns command-line arguments into inputs: files as given, folders walked recursively
// (hidden entries skipped) in lexical order, "-" for stdin. A zip archive (by its first bytes)
// is the files inside it (see zipInputs). A path that does not exist is an error.
func Expand(args []string, stdin io.Reader) ([]Input, error) {
	var out []Input
	seen := map[string]bool{}
	for _, a := range args {
		if a == "-" {
			if stdin == nil {
				stdin = os.Stdin
			}
			out = append(out, ReaderInput("-", stdin))
			continue
		}
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			if !seen[a] {
				seen[a] = true
				out = append(out, fileOrZip(a, st.Size())...)
			}
			continue
		}
		var files []Input
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != a && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			if d.Type()&fs.ModeSymlink != 0 { // a link to a log is the log
				if info, err = os.Stat(p); err != nil {
					return err
				}
			}
			if !info.Mode().IsRegular() {
				return nil
			}
			if !seen[p] {
				seen[p] = true
				files = append(files, fileOrZip(p, info.Size())...)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		slices.SortFunc(files, func(x, y Input) int { return strings.Compare(x.Name, y.Name) })
		out = append(out, files...)
	}
	return out, nil
}

// fileOrZip is the input of a file, or of each file inside it when it is a zip archive.
func fileOrZip(p string, size int64) []Input {
	if size >= int64(len(zipMagic)) && isZip(p) {
		return zipInputs(p)
	}
	return []Input{FileInput(p, size)}
}

// FileInfo identifies the file a reader is reading.
type FileInfo struct {
	ID   uint32 // index in the run's file table; event.Ref.File
	Name string
	// Skip holds the kinds no detection of the run reads: a reader counts their records
	// without parsing them.
	Skip event.KindSet
	// Options holds formats' settings from sluice.yaml (sources.<format>), by format name; a
	// format reads its own entry and uses its defaults without one.
	Options map[string]any
}

// Ref returns a reference to line of the file.
func (f FileInfo) Ref(line uint32) event.Ref { return event.Ref{File: f.ID, Line: line} }

// Job is a unit of parsing work. A worker runs it with its own sink and stats.
type Job interface {
	Run(sink event.Sink, st *Stats)
}

// Format is one input format.
type Format struct {
	Name string
	// Sniff reports whether the leading bytes (decompressed, up to 64 KiB) and the file name
	// are this format's.
	Sniff func(head []byte, name string) bool
	// Read reads the whole decompressed input, sending jobs to emit in file order. It returns
	// an error only when the input cannot be read on (problems with single records are
	// reported through the jobs' stats). emit blocks while the workers are busy.
	Read func(ctx context.Context, r io.Reader, f FileInfo, st *Stats, emit func(Job) error) error
	// Records, when set, reads back the records at the given positions (event.Ref.Line, in
	// ascending order) as text, for formats whose records are not single lines (EVTX, XML). A
	// format without it has one record a line, and a record's line is its text.
	Records func(r io.Reader, positions []uint32) (map[uint32]string, error)
}

var formats []Format

// Register adds a format; formats register themselves from init.
func Register(f Format) { formats = append(formats, f) }

// Formats lists the registered formats' names.
func Formats() []string {
	var n []string
	for _, f := range formats {
		n = append(n, f.Name)
	}
	return n
}

// ErrUnrecognized is returned for an input no format claims.
var ErrUnrecognized = errors.New("unrecognized format")

// SniffSize is how much of an input Sniff sees.
const SniffSize = 64 << 10

// Opened is an input ready to read: decompressed, its format known.
type Opened struct {
	R           io.Reader
	Format      *Format
	Compression string
	closer      io.Closer
	raw         *countingReader
}

// Close closes the underlying file.
func (o *Opened) Close() error { return o.closer.Close() }

// Offset is how many raw (compressed) bytes have been read so far.
func (o *Opened) Offset() int64 { return o.raw.n.Load() }

// Open opens an input, undoes its compression and sniffs its format. progress, when not nil,
// is advanced by the raw bytes read.
func Open(in Input, progress *atomic.Int64) (*Opened, error) {
	rc, err := in.Open()
	if err != nil {
		return nil, err
	}
	cr := &countingReader{r: rc, progress: progress}
	r, comp, err := Decompress(cr)
	if err != nil {
		rc.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(r, SniffSize)
	head, err := br.Peek(SniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		rc.Close()
		return nil, fmt.Errorf("offset %d: %w", cr.n.Load(), describe(err, comp))
	}
	o := &Opened{R: br, Compression: comp, closer: rc, raw: cr}
	name := strings.TrimSuffix(filepath.Base(in.Name), compressionSuffix(comp))
	for i := range formats {
		if formats[i].Sniff(head, name) {
			o.Format = &formats[i]
			return o, nil
		}
	}
	rc.Close()
	if len(head) == 0 {
		return nil, fmt.Errorf("%w: empty file", ErrUnrecognized)
	}
	return nil, fmt.Errorf("%w (starts %s)", ErrUnrecognized, quoteHead(head))
}

func quoteHead(b []byte) string {
	b = b[:min(len(b), 16)]
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return fmt.Sprintf("%q", b)
}

// ReadError describes a failure to read an input on, adding what the compression layer implies.
func ReadError(o *Opened, err error) error {
	return fmt.Errorf("offset %d: %w", o.Offset(), describe(err, o.Compression))
}

func describe(err error, comp string) error {
	if comp != "" && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)) {
		return fmt.Errorf("%w (truncated %s stream)", err, comp)
	}
	if comp != "" {
		return fmt.Errorf("%s: %w", comp, err)
	}
	return err
}

type countingReader struct {
	r        io.Reader
	n        atomic.Int64
	progress *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	if c.progress != nil {
		c.progress.Add(int64(n))
	}
	return n, err
}
