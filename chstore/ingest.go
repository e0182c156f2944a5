package chstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluice-hunt/sluice/clickhouse"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
	"github.com/sluice-hunt/sluice/source/eventlog"
)

// Options tune an ingest.
type Options struct {
	// Workers is how many files load at once (default 2).
	Workers int
	// BatchRows is the most rows one INSERT carries (default 50,000; at most 1,000,000 so
	// that an insert is one block, written whole or not at all).
	BatchRows int
	// Sources holds formats' settings (source.FileInfo.Options).
	Sources map[string]any
	// Progress, when not nil, is advanced by the raw bytes read.
	Progress *atomic.Int64
	// TTLDays, when above 0 on a server without TTL, drops partitions older than that many
	// days before the newest after loading.
	TTLDays int
}

// Report is what an ingest did.
type Report struct {
	// Loaded lists the inputs loaded now; Already those whose content was loaded before;
	// Grown those that extend content loaded before (only their new records were loaded).
	Loaded, Already, Grown []string
	// Rows counts the rows inserted by table.
	Rows map[string]int64
	// Resumed counts batches found already inserted by an earlier, interrupted ingest.
	Resumed int
	Stats   *source.Stats
	// Unrecognized and Failed are inputs no format claims and inputs that failed.
	Unrecognized, Failed []source.Problem
}

// headBytes is how much of a file its head hash covers (finding what it may extend).
const headBytes = 64 << 10

// loaded is a row of the files table.
type loaded struct {
	fid       string
	size      int64
	positions uint32
}

// Ingest loads the inputs into the store. It is idempotent: an input whose content was loaded
// is skipped, one that extends loaded content (a log still being written) adds only its new
// records, and one interrupted before (a crash, a killed server) is completed without loading
// twice what was inserted.
func Ingest(ctx context.Context, c *clickhouse.Client, inputs []source.Input, opt Options) (*Report, error) {
	if opt.Workers <= 0 {
		opt.Workers = 2
	}
	if opt.BatchRows <= 0 {
		opt.BatchRows = 50_000
	}
	opt.BatchRows = min(opt.BatchRows, 1_000_000)
	rep := &Report{Rows: map[string]int64{}, Stats: source.NewStats()}
	var mu sync.Mutex
	sem := make(chan struct{}, opt.Workers)
	var wg sync.WaitGroup
	var firstErr error
	for id, in := range inputs {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(id int, in source.Input) {
			defer wg.Done()
			defer func() { <-sem }()
			fr, err := ingestFile(ctx, c, in, uint32(id), opt)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, source.ErrUnrecognized):
				rep.Unrecognized = append(rep.Unrecognized, source.Problem{File: in.Name, Msg: err.Error()})
				return
			case err != nil:
				rep.Failed = append(rep.Failed, source.Problem{File: in.Name, Msg: err.Error()})
				if firstErr == nil && (ctx.Err() != nil || isServerDown(err)) {
					firstErr = err
				}
				if fr == nil {
					return
				}
			}
			rep.Stats.Merge(fr.stats)
			rep.Resumed += fr.resumed
			for k, v := range fr.rows {
				rep.Rows[k] += v
			}
			switch fr.outcome {
			case outAlready:
				rep.Already = append(rep.Already, in.Name)
			case outGrown:
				rep.Grown = append(rep.Grown, in.Name)
			case outLoaded:
				rep.Loaded = append(rep.Loaded, in.Name)
			}
		}(id, in)
	}
	wg.Wait()
	slices.Sort(rep.Loaded)
	slices.Sort(rep.Already)
	slices.Sort(rep.Grown)
	if firstErr == nil && opt.TTLDays > 0 {
		firstErr = dropOld(ctx, c, opt.TTLDays)
	}
	return rep, firstErr
}

func isServerDown(err error) bool {
	var se *clickhouse.ServerError
	return !errors.As(err, &se)
}

const (
	outLoaded = iota + 1
	outAlready
	outGrown
)

// fileResult is what loading one input did.
type fileResult struct {
	outcome int
	rows    map[string]int64
	resumed int
	stats   *source.Stats
}

// identify hashes an input: its head, its content, and whether it extends content loaded
// before (the longest such).
func identify(ctx context.Context, c *clickhouse.Client, in source.Input) (fid, head string, size int64, base *loaded, err error) {
	rc, err := in.Open()
	if err != nil {
		return "", "", 0, nil, err
	}
	defer rc.Close()
	hb := make([]byte, headBytes)
	n, err := io.ReadFull(rc, hb)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return "", "", 0, nil, err
	}
	hb = hb[:n]
	hs := sha256.Sum256(hb)
	head = hex.EncodeToString(hs[:])
	var cands []loaded
	err = c.Query(ctx, "SELECT fid, size, positions FROM "+filesTable+" WHERE head = "+clickhouse.Quote(head)+" ORDER BY size", func(f [][]byte) error {
		var l loaded
		l.fid = string(f[0])
		fmt.Sscan(string(f[1]), &l.size)
		var p uint64
		fmt.Sscan(string(f[2]), &p)
		l.positions = uint32(p)
		cands = append(cands, l)
		return nil
	})
	if err != nil {
		return "", "", 0, nil, err
	}
	h := sha256.New()
	var total int64
	next := 0
	check := func() {
		for next < len(cands) && cands[next].size <= total {
			if cands[next].size == total && hex.EncodeToString(h.Sum(nil)) == cands[next].fid {
				b := cands[next]
				base = &b
			}
			next++
		}
	}
	write := func(b []byte) {
		for len(b) > 0 {
			k := len(b)
			if next < len(cands) && cands[next].size > total && cands[next].size-total < int64(k) {
				k = int(cands[next].size - total)
			}
			h.Write(b[:k])
			total += int64(k)
			b = b[k:]
			check()
		}
	}
	check()
	write(hb)
	buf := make([]byte, 1<<20)
	for {
		n, err := rc.Read(buf)
		write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", "", 0, nil, err
		}
		if ctx.Err() != nil {
			return "", "", 0, nil, ctx.Err()
		}
	}
	fid = hex.EncodeToString(h.Sum(nil))
	if base != nil && base.fid == fid {
		base = nil
	}
	return fid, head, total, base, nil
}

func ingestFile(ctx context.Context, c *clickhouse.Client, in source.Input, id uint32, opt Options) (*fileResult, error) {
	if !in.Reopenable {
		return nil, errors.New("ingest reads files (it reads each twice: to know its content, then its records), not standard input")
	}
	fid, head, size, base, err := identify(ctx, c, in)
	if err != nil {
		return nil, err
	}
	fr := &fileResult{rows: map[string]int64{}, stats: source.NewStats()}
	done := false
	err = c.Query(ctx, "SELECT count() FROM "+filesTable+" WHERE fid = "+clickhouse.Quote(fid), func(f [][]byte) error {
		done = string(f[0]) != "0"
		return nil
	})
	if err != nil {
		return nil, err
	}
	if done {
		fr.outcome = outAlready
		return fr, nil
	}
	existing, err := batchesOf(ctx, c, fid)
	if err != nil {
		return nil, err
	}
	o, err := source.Open(in, opt.Progress)
	if err != nil {
		return nil, err
	}
	defer o.Close()
	s := &ingestSink{ctx: ctx, c: c, fid: fid, file: in.Name, rows: opt.BatchRows, existing: existing, fr: fr,
		bufs: map[bufKey]*rowBuf{}, slots: make(chan struct{}, maxInflight), free: make(chan *rowBuf, maxInflight+1)}
	if base != nil {
		s.after = base.positions
	}
	f := source.FileInfo{ID: id, Name: in.Name, Options: opt.Sources}
	rerr := o.Format.Read(ctx, o.R, f, fr.stats, func(j source.Job) error {
		if s.err != nil {
			return s.err
		}
		j.Run(s, fr.stats) // in order: the batches come out the same on every run
		return s.err
	})
	if rerr == nil {
		rerr = s.flushAll()
	} else {
		s.wait()
	}
	if rerr != nil {
		if s.err != nil {
			rerr = s.err
		}
		return fr, rerr
	}
	prefix := ""
	positions := s.maxPos
	fr.outcome = outLoaded
	if base != nil {
		prefix = base.fid
		positions = max(positions, base.positions)
		fr.outcome = outGrown
	}
	err = c.Insert(ctx, filesTable, []string{"fid", "path", "format", "size", "head", "prefix_of", "positions", "events", "loaded"}, func(w *clickhouse.RowWriter) error {
		w.String(fid)
		w.String(in.Name)
		w.String(o.Format.Name)
		w.Uint(uint64(size))
		w.String(head)
		w.String(prefix)
		w.Uint(uint64(positions))
		w.Uint(uint64(s.events))
		w.DateTime(time.Now())
		return w.EndRow()
	})
	return fr, err
}

// batchesOf lists the batches of a file's content already in the tables.
func batchesOf(ctx context.Context, c *clickhouse.Client, fid string) (map[uint32]bool, error) {
	var parts []string
	for _, t := range tables {
		parts = append(parts, "SELECT batch FROM "+t.name+" WHERE fid = "+clickhouse.Quote(fid)+" GROUP BY batch")
	}
	out := map[uint32]bool{}
	err := c.Query(ctx, "SELECT DISTINCT batch FROM ("+strings.Join(parts, " UNION ALL ")+")", func(f [][]byte) error {
		var b uint64
		if _, err := fmt.Sscan(string(f[0]), &b); err != nil {
			return err
		}
		out[uint32(b)] = true
		return nil
	})
	return out, err
}

// bufKey is a batch being filled: one table, one day (one partition, so that an insert is one
// part, written whole or not at all).
type bufKey struct {
	kind event.Kind
	day  string
}

type rowBuf struct {
	b     bytes.Buffer
	w     *clickhouse.RowWriter
	rows  int
	batch uint32 // numbered when the buffer starts: in the same order on every run
}

// ingestSink turns events into rows and inserts them in batches.
type ingestSink struct {
	ctx      context.Context
	c        *clickhouse.Client
	fid      string
	file     string
	rows     int
	after    uint32 // positions up to this were loaded with the content this extends
	existing map[uint32]bool
	bufs     map[bufKey]*rowBuf
	batch    uint32
	maxPos   uint32
	events   int64
	fr       *fileResult
	err      error
	js       bytes.Buffer
	enc      *json.Encoder
	// inserts under way
	slots   chan struct{}
	free    chan *rowBuf
	wg      sync.WaitGroup
	mu      sync.Mutex
	sendErr error
}

func (s *ingestSink) add(k event.Kind, ref event.Ref, ts event.Time, src netip.Addr, e any) {
	if s.err != nil || ref.Line <= s.after {
		return
	}
	s.maxPos = max(s.maxPos, ref.Line)
	s.events++
	t := tableOf[k]
	day := dayOf(ts)
	key := bufKey{k, day}
	rb := s.bufs[key]
	if rb == nil {
		s.batch++
		rb = s.newBuf()
		rb.batch = s.batch
		s.bufs[key] = rb
	}
	if s.enc == nil {
		s.enc = json.NewEncoder(&s.js)
		s.enc.SetEscapeHTML(false)
	}
	s.js.Reset()
	if err := s.enc.Encode(eventlog.Escaped(e)); err != nil {
		s.err = err
		return
	}
	w := rb.w
	w.String(s.fid)
	w.Uint(uint64(rb.batch))
	w.String(s.file)
	w.Uint(uint64(ref.Line))
	w.String(day)
	w.Int(int64(ts))
	if src.IsValid() {
		w.String(src.String())
	} else {
		w.String("")
	}
	w.Bytes(bytes.TrimRight(s.js.Bytes(), "\n"))
	for _, col := range t.cols {
		v := col.of(e)
		if v.isInt {
			w.Int(v.n)
		} else {
			w.String(v.s)
		}
	}
	if err := w.EndRow(); err != nil {
		s.err = err
		return
	}
	rb.rows++
	if rb.rows >= s.rows {
		s.err = s.send(key, rb)
	}
}

// newBuf returns an empty row buffer, reusing one an insert is done with.
func (s *ingestSink) newBuf() *rowBuf {
	select {
	case rb := <-s.free:
		rb.b.Reset()
		rb.rows = 0
		rb.w = clickhouse.NewRowWriter(&rb.b)
		return rb
	default:
	}
	rb := &rowBuf{}
	rb.w = clickhouse.NewRowWriter(&rb.b)
	return rb
}

// maxInflight is how many inserts of a file run while its next rows are read.
const maxInflight = 2

// send inserts a full buffer as its batch, unless an earlier run inserted it. The insert runs
// while the file is read on; wait collects the outcome.
func (s *ingestSink) send(key bufKey, rb *rowBuf) error {
	delete(s.bufs, key)
	t := tableOf[key.kind]
	if s.existing[rb.batch] {
		s.fr.resumed++
		s.recycle(rb)
		return nil
	}
	if err := rb.w.Flush(); err != nil {
		return err
	}
	if err := s.firstErr(); err != nil {
		return err
	}
	s.slots <- struct{}{}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() { <-s.slots }()
		err := s.c.InsertTSV(s.ctx, t.name, t.columnNames(), rb.b.Bytes())
		s.mu.Lock()
		if err != nil && s.sendErr == nil {
			s.sendErr = fmt.Errorf("%s: batch %d: %w", t.name, rb.batch, err)
		}
		if err == nil {
			s.fr.rows[t.name] += int64(rb.rows)
		}
		s.mu.Unlock()
		s.recycle(rb)
	}()
	return nil
}

func (s *ingestSink) recycle(rb *rowBuf) {
	select {
	case s.free <- rb:
	default:
	}
}

func (s *ingestSink) firstErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sendErr
}

// wait waits for the inserts under way and returns the first error.
func (s *ingestSink) wait() error {
	s.wg.Wait()
	return s.firstErr()
}

// flushAll sends what is left, in a fixed order.
func (s *ingestSink) flushAll() error {
	if s.err != nil {
		return s.err
	}
	keys := make([]bufKey, 0, len(s.bufs))
	for k := range s.bufs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b bufKey) int {
		if a.kind != b.kind {
			return int(a.kind) - int(b.kind)
		}
		return strings.Compare(a.day, b.day)
	})
	for _, k := range keys {
		if err := s.send(k, s.bufs[k]); err != nil {
			s.wait()
			return err
		}
	}
	return s.wait()
}

func (s *ingestSink) Conn(e *event.Conn)     { s.add(event.KindConn, e.Ref, e.TS, e.Src, e) }
func (s *ingestSink) HTTP(e *event.HTTP)     { s.add(event.KindHTTP, e.Ref, e.TS, e.Src, e) }
func (s *ingestSink) DNS(e *event.DNS)       { s.add(event.KindDNS, e.Ref, e.TS, e.Src, e) }
func (s *ingestSink) TLS(e *event.TLS)       { s.add(event.KindTLS, e.Ref, e.TS, e.Src, e) }
func (s *ingestSink) File(e *event.File)     { s.add(event.KindFile, e.Ref, e.TS, e.Src, e) }
func (s *ingestSink) SMTP(e *event.SMTP)     { s.add(event.KindSMTP, e.Ref, e.TS, e.Src, e) }
func (s *ingestSink) FTP(e *event.FTP)       { s.add(event.KindFTP, e.Ref, e.TS, e.Src, e) }
func (s *ingestSink) X509(e *event.X509)     { s.add(event.KindX509, e.Ref, e.TS, netip.Addr{}, e) }
func (s *ingestSink) Notice(e *event.Notice) { s.add(event.KindNotice, e.Ref, e.TS, e.Src, e) }
func (s *ingestSink) Host(e *event.Host)     { s.add(event.KindHost, e.Ref, e.TS, e.Src, e) }
func (s *ingestSink) Cloud(e *event.Cloud)   { s.add(event.KindCloud, e.Ref, e.TS, e.Src, e) }

// dropOld drops the partitions older than days before the newest day stored, for servers
// without TTL.
func dropOld(ctx context.Context, c *clickhouse.Client, days int) error {
	var newest string
	err := c.Query(ctx, "SELECT toString(max(day)) FROM ("+unionDays()+")", func(f [][]byte) error {
		newest = string(f[0])
		return nil
	})
	if err != nil || newest == "" || newest == "0000-00-00" {
		return err
	}
	last, err := time.Parse("2006-01-02", newest)
	if err != nil {
		return nil
	}
	cutoff := last.AddDate(0, 0, -days).Format("2006-01-02")
	for _, t := range tables {
		var parts []string
		err := c.Query(ctx, "SELECT DISTINCT partition FROM system.parts WHERE active AND database = "+clickhouse.Quote(c.Database())+
			" AND table = "+clickhouse.Quote(t.name)+" AND partition < "+clickhouse.Quote(cutoff), func(f [][]byte) error {
			parts = append(parts, string(f[0]))
			return nil
		})
		if err != nil {
			return err
		}
		for _, p := range parts {
			if err := c.Exec(ctx, "ALTER TABLE "+t.name+" DROP PARTITION "+clickhouse.Quote(strings.Trim(p, "'"))); err != nil {
				return err
			}
		}
	}
	return nil
}

func unionDays() string {
	var parts []string
	for _, t := range tables {
		parts = append(parts, "SELECT max(day) AS day FROM "+t.name)
	}
	return strings.Join(parts, " UNION ALL ")
}
