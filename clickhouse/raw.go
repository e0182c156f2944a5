package clickhouse

import (
	"context"
	"io"
	"net/url"
)

// NewRowWriter returns a RowWriter that writes TabSeparated rows to w (rows prepared ahead of
// an insert, sent later with InsertTSV). Call Flush when done.
func NewRowWriter(w io.Writer) *RowWriter {
	return &RowWriter{w: w, buf: make([]byte, 0, 4096)}
}

// Flush hands the rows written so far to the underlying writer and returns the first error.
func (w *RowWriter) Flush() error {
	w.flush()
	return w.err
}

// InsertTSV inserts rows already written in TabSeparated (by a RowWriter from NewRowWriter)
// into table(columns...), in one request, with Insert's rules (no retry).
func (c *Client) InsertTSV(ctx context.Context, table string, columns []string, rows []byte) error {
	return c.Insert(ctx, table, columns, func(w *RowWriter) error {
		w.flush()
		if w.err != nil {
			return w.err
		}
		_, err := w.w.Write(rows)
		return err
	})
}

// WithDatabase returns a client for another database of the same server (sharing the
// connections).
func (c *Client) WithDatabase(db string) *Client {
	d := *c
	d.database = db
	return &d
}

// WithSettings returns a client that sends these settings (ClickHouse setting names and
// values, e.g. max_bytes_before_external_sort) with every request, beside New's.
func (c *Client) WithSettings(settings map[string]string) *Client {
	d := *c
	d.settings = url.Values{}
	for k, v := range c.settings {
		d.settings[k] = v
	}
	for k, v := range settings {
		d.settings.Set(k, v)
	}
	return &d
}
