package clickhouse

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Client talks to one ClickHouse server over HTTP. It is safe for concurrent use. Make one
// with New.
type Client struct {
	// Retries is how many times Exec and Query retry a transient failure (see IsTransient)
	// before giving up; New sets 5. Waits grow exponentially from 200ms to at most 10s.
	Retries int
	// Compress asks for gzip in both directions: Insert bodies are sent gzip-compressed
	// and Query results are asked for gzip-compressed. New sets it unless the host is a
	// loopback address or "localhost": there compression only costs CPU (measured on
	// 18.16: inserts 35% and reads 3 times slower with it).
	Compress bool

	endpoint string // scheme://host:port/
	database string
	user     string
	password string
	settings url.Values // extra URL parameters from New's URL, sent with every request

	hc       *http.Client // keep-alive pool, for Exec and Query
	insertHC *http.Client // a fresh connection per Insert

	minBackoff, maxBackoff time.Duration
}

// New parses "http://[user[:password]@]host[:port][/database][?setting=value&...]" (or
// https; the port defaults to 8123 for http and 8443 for https, the database to "default")
// and returns a Client for that server. Query-string parameters are passed to the server
// with every request, as ClickHouse settings (e.g. ?max_memory_usage=10000000000). New does
// not connect; the first request does.
func New(rawURL string) (*Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the URL, password included: keep only the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("clickhouse: invalid URL: %w", err)
	}
	port := ""
	switch u.Scheme {
	case "http":
		port = "8123"
	case "https":
		port = "8443"
	default:
		return nil, fmt.Errorf("clickhouse: URL %q: scheme must be http or https", u.Redacted())
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("clickhouse: URL %q: no host", u.Redacted())
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), port)
	}
	db := strings.Trim(u.Path, "/")
	if strings.Contains(db, "/") {
		return nil, fmt.Errorf("clickhouse: URL %q: path must be at most one database name", u.Redacted())
	}
	if db == "" {
		db = "default"
	}
	c := &Client{
		Retries:    5,
		Compress:   !isLoopback(u.Hostname()),
		endpoint:   u.Scheme + "://" + host + "/",
		database:   db,
		settings:   u.Query(),
		minBackoff: 200 * time.Millisecond,
		maxBackoff: 10 * time.Second,
	}
	if u.User != nil {
		c.user = u.User.Username()
		c.password, _ = u.User.Password()
	}
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 64,
		// Below the server's keep_alive_timeout (3 s in some releases, 10 s in
		// 18.16 and current ones) so that the client, not the server, closes idle
		// connections and a request is not sent on one the server is closing.
		IdleConnTimeout:    2 * time.Second,
		DisableCompression: true, // gzip is requested and decoded here, explicitly
		WriteBufferSize:    64 << 10,
		ReadBufferSize:     64 << 10,
	}
	itr := tr.Clone()
	itr.DisableKeepAlives = true
	c.hc = &http.Client{Transport: tr}
	c.insertHC = &http.Client{Transport: itr}
	return c, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Database returns the database the client works in (unqualified table names refer to it).
func (c *Client) Database() string { return c.database }

// request builds a POST to the server with the query parameters params (plus database and
// New's settings) and the given body.
func (c *Client) request(ctx context.Context, params url.Values, body io.Reader) (*http.Request, error) {
	q := url.Values{}
	for k, v := range c.settings {
		q[k] = v
	}
	for k, v := range params {
		q[k] = v
	}
	q.Set("database", c.database)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint+"?"+q.Encode(), body)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: %w", err)
	}
	if c.user != "" {
		req.Header.Set("X-ClickHouse-User", c.user)
		if c.password != "" {
			req.Header.Set("X-ClickHouse-Key", c.password)
		}
	}
	req.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	return req, nil
}

// Exec runs a statement that returns no rows (DDL, ALTER, INSERT ... SELECT, SYSTEM ...;
// rows a statement does return are read and dropped). It retries a transient failure (see
// IsTransient) up to c.Retries times with exponential back-off, never a syntax or type
// error. Beware: a connection broken after the server received an INSERT ... SELECT may have
// left it done, and the retry runs it again. ctx cancels the statement and the waits.
func (c *Client) Exec(ctx context.Context, sql string) error {
	return c.retry(ctx, func() (bool, error) {
		return false, c.do(ctx, sql, false, nil)
	})
}

// Query runs a query (SELECT, SHOW, DESCRIBE ...; do not add a FORMAT clause) and calls fn
// once per result row with its fields, read from the TabSeparatedWithNamesAndTypes format:
//
//   - scalar values are unescaped (\t \n \\ \0 \b \f \r \' and \xHH decoded): a String
//     field holds exactly the value's bytes; numbers, dates and the rest hold their text;
//   - NULL is a nil slice, while an empty string is an empty non-nil slice;
//   - Array, Tuple and Map values (which the format carries as SQL literals, without the
//     TabSeparated escaping) are passed as that literal text; ParseArray splits an array.
//
// The slices are valid only during the call (they point into the read buffer); copy what you
// keep. If fn returns an error Query stops reading and returns it. WITH TOTALS and extremes
// are not supported. Transient failures are retried as Exec does, but only until the first
// row was passed to fn; an error the server reports in the middle of the result (after a
// 200 OK) is a *ServerError with Status 200.
func (c *Client) Query(ctx context.Context, sql string, fn func(fields [][]byte) error) error {
	if fn == nil {
		return errors.New("clickhouse: Query needs a row function")
	}
	return c.retry(ctx, func() (bool, error) {
		var delivered bool
		err := c.do(ctx, sql, true, func(fields [][]byte) error {
			delivered = true
			return fn(fields)
		})
		return delivered, err
	})
}

// retry runs try until it succeeds, fails for good, or has been retried c.Retries times.
// try reports whether it already passed rows to the caller (then it is not retried).
func (c *Client) retry(ctx context.Context, try func() (bool, error)) error {
	for attempt := 0; ; attempt++ {
		delivered, err := try()
		if err == nil || delivered || attempt >= c.Retries || !IsTransient(err) || ctx.Err() != nil {
			return err
		}
		d := c.minBackoff << attempt
		if d > c.maxBackoff || d <= 0 {
			d = c.maxBackoff
		}
		d = d/2 + rand.N(d/2+1) // jitter: between half and all of it
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// do sends one query and reads its result: rows go to fn (nil: read and drop them).
func (c *Client) do(ctx context.Context, sql string, rows bool, fn func([][]byte) error) error {
	params := url.Values{}
	if rows {
		params.Set("default_format", "TabSeparatedWithNamesAndTypes")
	}
	if rows && c.Compress {
		params.Set("enable_http_compression", "1")
	}
	req, err := c.request(ctx, params, strings.NewReader(sql))
	if err != nil {
		return err
	}
	if rows && c.Compress {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.transportError("", err)
	}
	defer resp.Body.Close()
	body, release, err := decodedBody(resp)
	if err != nil {
		return err
	}
	defer release()
	if err := checkResponse(resp, body); err != nil {
		return err
	}
	lr := newLineReader(body, resp.Header.Get("X-ClickHouse-Exception-Tag"))
	if fn == nil {
		return lr.each(nil)
	}
	return lr.each((&rowDecoder{fn: fn}).line)
}

// transportError describes a request that got no answer without repeating its URL (long,
// with the statement of an insert in it): "clickhouse: <what>POST http://host:8123/: <cause>".
func (c *Client) transportError(what string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("clickhouse: %sPOST %s: %w", what, c.endpoint, err)
}

// rowDecoder turns the lines of a TabSeparatedWithNamesAndTypes result into rows of fields.
type rowDecoder struct {
	fn        func([][]byte) error
	lines     int
	ncols     int
	composite []bool
	fields    [][]byte
}

func (d *rowDecoder) line(b []byte) error {
	d.lines++
	switch d.lines {
	case 1: // names
		d.ncols = bytes.Count(b, []byte{'\t'}) + 1
		return nil
	case 2: // types
		d.composite = d.composite[:0]
		for t := range bytes.SplitSeq(b, []byte{'\t'}) {
			d.composite = append(d.composite, isComposite(t))
		}
		if len(d.composite) != d.ncols {
			return fmt.Errorf("clickhouse: result has %d column names but %d types", d.ncols, len(d.composite))
		}
		return nil
	}
	d.fields = d.fields[:0]
	for f := range bytes.SplitSeq(b, []byte{'\t'}) {
		i := len(d.fields)
		switch {
		case i < len(d.composite) && d.composite[i]:
		case len(f) == 2 && f[0] == '\\' && f[1] == 'N':
			f = nil
		default:
			f = unescapeInPlace(f)
		}
		d.fields = append(d.fields, f)
	}
	if len(d.fields) != d.ncols {
		return fmt.Errorf("clickhouse: result row %d has %d fields, want %d", d.lines-2, len(d.fields), d.ncols)
	}
	return d.fn(d.fields)
}

// isComposite reports whether a column type is written in TabSeparated as an unescaped SQL
// literal: arrays, tuples, maps and nested structures, possibly inside LowCardinality or
// Nullable, and the geo types built from them.
func isComposite(t []byte) bool {
	for {
		switch {
		case bytes.HasPrefix(t, []byte("Nullable(")):
			t = t[len("Nullable("):]
		case bytes.HasPrefix(t, []byte("LowCardinality(")):
			t = t[len("LowCardinality("):]
		default:
			for _, p := range []string{"Array(", "Tuple(", "Map(", "Nested("} {
				if bytes.HasPrefix(t, []byte(p)) {
					return true
				}
			}
			switch string(t) {
			case "Point", "Ring", "LineString", "MultiLineString", "Polygon", "MultiPolygon":
				return true
			}
			return false
		}
	}
}

var gzipReaders, gzipWriters sync.Pool

// decodedBody returns resp's body, gunzipped when the server compressed it, and a function
// that releases the decoder.
func decodedBody(resp *http.Response) (io.Reader, func(), error) {
	if !strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		return resp.Body, func() {}, nil
	}
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(resp.Body)
	} else {
		err = zr.Reset(resp.Body)
	}
	if err != nil {
		if resp.StatusCode != http.StatusOK {
			// An error whose gzip stream is broken: report the status at least.
			return nil, nil, &ServerError{Status: resp.StatusCode, Code: headerCode(resp), Message: http.StatusText(resp.StatusCode)}
		}
		return nil, nil, fmt.Errorf("clickhouse: reading gzip result: %w", err)
	}
	return zr, func() { gzipReaders.Put(zr) }, nil
}

func headerCode(resp *http.Response) int {
	n, _ := strconv.Atoi(resp.Header.Get("X-ClickHouse-Exception-Code"))
	return n
}

// checkResponse returns the *ServerError a response carries in its status or headers.
func checkResponse(resp *http.Response, body io.Reader) error {
	code := resp.Header.Get("X-ClickHouse-Exception-Code")
	if resp.StatusCode == http.StatusOK && (code == "" || code == "0") {
		return nil
	}
	text, _ := io.ReadAll(io.LimitReader(body, maxErrorBody))
	return parseServerError(resp.StatusCode, code, text)
}

// Insert streams rows into table (a table of the client's database, quoted with QuoteIdent)
// in one HTTP request: INSERT INTO `table` (`col`, ...) FORMAT TabSeparated, the rows as the
// body, gzip-compressed when c.Compress (ClickHouse 18.16 and later decode Content-Encoding:
// gzip). columns may be empty to mean all columns in table order. write is called once, in
// another goroutine, and writes the rows with w; rows are sent while it writes, so memory
// stays bounded however many there are. If write returns an error the request is aborted
// and Insert returns that error.
//
// The server stores the rows in blocks of max_insert_block_size rows (1,048,576 by default):
// an insert that fits one block is atomic, a larger one that fails midway may have stored its
// first blocks. So Insert never retries; the caller knows whether a retry would double rows.
// Each Insert uses a new connection, so that a request is never sent on a kept-alive
// connection the server has just closed.
func (c *Client) Insert(ctx context.Context, table string, columns []string, write func(w *RowWriter) error) error {
	var sql strings.Builder
	sql.WriteString("INSERT INTO ")
	sql.WriteString(QuoteIdent(table))
	if len(columns) > 0 {
		sql.WriteString(" (")
		for i, col := range columns {
			if i > 0 {
				sql.WriteString(", ")
			}
			sql.WriteString(QuoteIdent(col))
		}
		sql.WriteString(")")
	}
	sql.WriteString(" FORMAT TabSeparated")
	params := url.Values{"query": {sql.String()}}

	pr, pw := io.Pipe()
	req, err := c.request(ctx, params, pr)
	if err != nil {
		return err
	}
	if c.Compress {
		req.Header.Set("Content-Encoding", "gzip")
	}

	writeErr := make(chan error, 1)
	go func() {
		writeErr <- c.writeRows(pw, write)
	}()

	resp, err := c.insertHC.Do(req)
	if err == nil {
		defer resp.Body.Close()
		body, release, derr := decodedBody(resp)
		if derr != nil {
			err = derr
		} else {
			err = checkResponse(resp, body)
			if err == nil {
				err = newLineReader(body, resp.Header.Get("X-ClickHouse-Exception-Tag")).each(nil)
			}
			release()
		}
	} else {
		err = c.transportError("insert into "+table+": ", err)
	}
	// Unblock the writer if the request ended before it finished (an early error answer).
	pr.CloseWithError(errInsertEnded)
	werr := <-writeErr
	var se *ServerError
	switch {
	case errors.As(err, &se):
		return err // what the server said beats what the writer saw
	case werr != nil && !errors.Is(werr, errInsertEnded) && !errors.Is(werr, io.ErrClosedPipe):
		return werr // write's own error (the request failed because of it)
	}
	return err
}

var errInsertEnded = errors.New("clickhouse: insert request ended")

// writeRows runs write over pw (through gzip when c.Compress) and closes pw.
func (c *Client) writeRows(pw *io.PipeWriter, write func(w *RowWriter) error) error {
	var (
		dst io.Writer = pw
		zw  *gzip.Writer
	)
	if c.Compress {
		zw, _ = gzipWriters.Get().(*gzip.Writer)
		if zw == nil {
			zw, _ = gzip.NewWriterLevel(pw, gzip.BestSpeed)
		} else {
			zw.Reset(pw)
		}
		defer gzipWriters.Put(zw)
		dst = zw
	}
	rw := &RowWriter{w: dst, buf: make([]byte, 0, rowWriterFlush+4096)}
	err := write(rw)
	if err == nil {
		rw.flush()
		err = rw.err
	}
	if err == nil && zw != nil {
		err = zw.Close()
	}
	if err != nil {
		pw.CloseWithError(err)
		return err
	}
	return pw.Close()
}

// Version is a server version, as version() reports it ("18.16.1", "24.8.4.13").
type Version struct {
	Major, Minor, Patch int
	Raw                 string
}

// AtLeast reports whether v is major.minor or later.
func (v Version) AtLeast(major, minor int) bool {
	return v.Major > major || v.Major == major && v.Minor >= minor
}

func (v Version) String() string { return v.Raw }

// ParseVersion reads the leading numbers of a version string ("18.16.1", "24.8.4.13").
func parseVersion(s string) (Version, error) {
	v := Version{Raw: s}
	parts := strings.SplitN(s, ".", 4)
	if len(parts) < 2 {
		return v, fmt.Errorf("clickhouse: version %q: want major.minor[.patch]", s)
	}
	nums := []*int{&v.Major, &v.Minor, &v.Patch}
	for i, p := range parts {
		if i >= len(nums) {
			break
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return v, fmt.Errorf("clickhouse: version %q: %q is not a number", s, p)
		}
		*nums[i] = n
	}
	return v, nil
}

// Version returns the server's version (SELECT version()).
func (c *Client) Version(ctx context.Context) (Version, error) {
	var raw string
	err := c.Query(ctx, "SELECT version()", func(f [][]byte) error {
		raw = string(f[0])
		return nil
	})
	if err != nil {
		return Version{}, err
	}
	return parseVersion(raw)
}
