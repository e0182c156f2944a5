package chstore

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/sluice-hunt/sluice/clickhouse"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
	"github.com/sluice-hunt/sluice/source/eventlog"
)

// Newest returns the time of the newest event stored (0 when the store is empty).
func Newest(ctx context.Context, c *clickhouse.Client) (event.Time, error) {
	var parts []string
	for _, t := range tables {
		parts = append(parts, "SELECT max(ts) AS ts FROM "+t.name)
	}
	var newest int64
	err := c.Query(ctx, "SELECT max(ts) FROM ("+strings.Join(parts, " UNION ALL ")+")", func(f [][]byte) error {
		v, err := strconv.ParseInt(string(f[0]), 10, 64)
		newest = v
		return err
	})
	return event.Time(newest), err
}

// Inputs returns the stored events as inputs, one for each original file (by its path, in
// path order, as a hunt over the files lists them), each streaming in the eventlog format the
// events of [since, until) (zero: unbounded) of every content loaded under that path. Evidence
// is read back from the original file when it is at hand, else from the store.
//
// kinds, when not nil, says (when an input is opened) which kinds to send: the others are not
// read from the store at all (Aggregates.Streamed).
func Inputs(ctx context.Context, c *clickhouse.Client, since, until event.Time, kinds func() event.KindSet) ([]source.Input, error) {
	byPath := map[string][]string{}
	err := c.Query(ctx, "SELECT path, fid FROM "+filesTable+" ORDER BY path, fid", func(f [][]byte) error {
		p := string(f[0])
		byPath[p] = append(byPath[p], string(f[1]))
		return nil
	})
	if err != nil {
		return nil, err
	}
	paths := make([]string, 0, len(byPath))
	for p := range byPath {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	// a file's events are sorted by position: past 1 GB the sort spills to disk instead of
	// failing on the server's memory limit
	sc := c.WithSettings(map[string]string{"max_bytes_before_external_sort": "1000000000"})
	var out []source.Input
	for _, p := range paths {
		name, fids := p, byPath[p]
		out = append(out, source.NewInput(name, -1, true, func() (io.ReadCloser, error) {
			want := ^event.KindSet(0)
			if kinds != nil {
				want = kinds()
			}
			return stream(ctx, sc, name, streamQuery(fids, since, until, want)), nil
		}))
	}
	return out, nil
}

// streamQuery selects the events of some contents in position order.
func streamQuery(fids []string, since, until event.Time, kinds event.KindSet) string {
	var in []string
	for _, f := range fids {
		in = append(in, clickhouse.Quote(f))
	}
	where := "fid IN (" + strings.Join(in, ", ") + ") AND " + Where(since, until)
	var parts []string
	for _, t := range tables {
		if kinds.Has(t.kind) {
			parts = append(parts, fmt.Sprintf("SELECT %s AS kind, line, event FROM %s WHERE %s", clickhouse.Quote(t.kind.String()), t.name, where))
		}
	}
	if len(parts) == 0 {
		return "SELECT '' AS kind, toUInt32(0) AS line, '' AS event WHERE 0"
	}
	return "SELECT kind, line, event FROM (" + strings.Join(parts, " UNION ALL ") + ") ORDER BY line, kind"
}

// stream runs a query and writes its rows as an event log.
func stream(ctx context.Context, c *clickhouse.Client, name, query string) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		bw := bufio.NewWriterSize(pw, 256<<10)
		bw.WriteString(eventlog.Header(name))
		err := c.Query(ctx, query, func(f [][]byte) error {
			bw.WriteString(`{"k":"`)
			bw.Write(f[0])
			bw.WriteString(`","l":`)
			bw.Write(f[1])
			bw.WriteString(`,"e":`)
			bw.Write(f[2])
			_, err := bw.WriteString("}\n")
			return err
		})
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
	}()
	return pr
}
