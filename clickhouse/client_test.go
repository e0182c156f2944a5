package clickhouse

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestNew(t *testing.T) {
	tests := []struct {
		url                          string
		endpoint, db, user, password string
		setting                      string
		compress                     bool
		wantErr                      bool
	}{
		{url: "http://localhost:8123", endpoint: "http://localhost:8123/", db: "default"},
		{url: "http://localhost", endpoint: "http://localhost:8123/", db: "default"},
		{url: "https://ch.example.com/logs", endpoint: "https://ch.example.com:8443/", db: "logs", compress: true},
		{url: "http://10.1.2.3:8123/", endpoint: "http://10.1.2.3:8123/", db: "default", compress: true},
		{url: "http://u:p%40ss@127.0.0.1:9999/db/", endpoint: "http://127.0.0.1:9999/", db: "db", user: "u", password: "p@ss"},
		{url: "http://[::1]:8123/x?max_memory_usage=1000", endpoint: "http://[::1]:8123/", db: "x", setting: "1000"},
		{url: "http://u@h:1", endpoint: "http://h:1/", db: "default", user: "u", compress: true},
		{url: "tcp://localhost:9000", wantErr: true},
		{url: "http:///db", wantErr: true},
		{url: "http://h/a/b", wantErr: true},
		{url: "http://u:secret@h:1/%zz", wantErr: true},
	}
	for _, tt := range tests {
		c, err := New(tt.url)
		if tt.wantErr {
			if err == nil {
				t.Errorf("New(%q): no error", tt.url)
			} else if strings.Contains(err.Error(), "secret") {
				t.Errorf("New(%q): error shows the password: %v", tt.url, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("New(%q): %v", tt.url, err)
			continue
		}
		if c.endpoint != tt.endpoint || c.Database() != tt.db || c.user != tt.user || c.password != tt.password ||
			c.settings.Get("max_memory_usage") != tt.setting || c.Retries != 5 || c.Compress != tt.compress {
			t.Errorf("New(%q) = endpoint %q db %q user %q password %q settings %v compress %v", tt.url, c.endpoint, c.database, c.user, c.password, c.settings, c.Compress)
		}
	}
}

// fake starts an HTTP server with handler h and returns a client for it with short
// back-off.
func fake(t *testing.T, h http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL + "/testdb")
	if err != nil {
		t.Fatal(err)
	}
	c.minBackoff, c.maxBackoff = time.Millisecond, 5*time.Millisecond
	c.Compress = true
	return c
}

const header = "n\ts\nUInt64\tString\n"

func TestRetry(t *testing.T) {
	tests := []struct {
		name      string
		failures  int    // answers before a success
		status    int    // of the failures
		body      string // of the failures
		code      string // X-ClickHouse-Exception-Code of the failures
		retries   int
		wantCalls int
		wantCode  int // of the final error; -1: success
	}{
		{"503 then 200", 1, 503, "", "", 5, 2, -1},
		{"502 twice then 200", 2, 502, "bad gateway", "", 5, 3, -1},
		{"400 syntax error is not retried", 1, 400, "Code: 62, e.displayText() = DB::Exception: Syntax error, e.what() = DB::Exception", "", 5, 1, 62},
		{"404 unknown table is not retried", 1, 404, "Code: 60. DB::Exception: Table t doesn't exist. (UNKNOWN_TABLE)", "60", 5, 1, 60},
		{"500 too many queries is retried", 1, 500, "Code: 202, e.displayText() = DB::Exception: Too many simultaneous queries, e.what() = DB::Exception", "", 5, 2, -1},
		{"500 memory limit is not retried", 1, 500, "Code: 241. DB::Exception: Memory limit exceeded", "241", 5, 1, 241},
		{"500 without code is not retried", 1, 500, "oops", "", 5, 1, 0},
		{"retries run out", 10, 503, "", "", 2, 3, 0},
		{"no retries", 10, 503, "", "", 0, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			c := fake(t, func(w http.ResponseWriter, r *http.Request) {
				n := calls.Add(1)
				if int(n) <= tt.failures {
					if tt.code != "" {
						w.Header().Set("X-ClickHouse-Exception-Code", tt.code)
					}
					w.WriteHeader(tt.status)
					io.WriteString(w, tt.body)
					return
				}
				io.WriteString(w, header+"1\tx\n")
			})
			c.Retries = tt.retries
			var rows int
			err := c.Query(context.Background(), "SELECT 1", func([][]byte) error { rows++; return nil })
			if got := int(calls.Load()); got != tt.wantCalls {
				t.Errorf("%d calls, want %d", got, tt.wantCalls)
			}
			if tt.wantCode < 0 {
				if err != nil || rows != 1 {
					t.Errorf("err %v, %d rows; want success", err, rows)
				}
				return
			}
			var se *ServerError
			if !errors.As(err, &se) || se.Code != tt.wantCode || se.Status != tt.status {
				t.Errorf("err = %#v, want code %d status %d", err, tt.wantCode, tt.status)
			}
			// Exec follows the same rules.
			calls.Store(0)
			err = c.Exec(context.Background(), "CREATE TABLE x (a UInt8) ENGINE=Memory")
			if got := int(calls.Load()); got != tt.wantCalls {
				t.Errorf("Exec: %d calls, want %d", got, tt.wantCalls)
			}
			if !errors.As(err, &se) || se.Code != tt.wantCode {
				t.Errorf("Exec: err = %v, want code %d", err, tt.wantCode)
			}
		})
	}
}

// TestRetryConnectionErrors: a server that closes every connection at once is retried,
// and the error says what happened.
func TestRetryConnectionErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepts atomic.Int32
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepts.Add(1)
			conn.Close()
		}
	}()
	c, err := New("http://" + ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.minBackoff, c.maxBackoff = time.Millisecond, 2*time.Millisecond
	c.Retries = 3
	err = c.Exec(context.Background(), "SELECT 1")
	if err == nil || !IsTransient(err) {
		t.Fatalf("err = %v, want a transient connection error", err)
	}
	if n := accepts.Load(); n != 4 {
		t.Errorf("%d connections, want 4 (1 + 3 retries)", n)
	}

	// A port nobody listens on: connection refused, retried, transient.
	addr := ln.Addr().String()
	ln.Close()
	c2, _ := New("http://" + addr)
	c2.minBackoff, c2.maxBackoff = time.Millisecond, 2*time.Millisecond
	if err := c2.Exec(context.Background(), "SELECT 1"); err == nil || !IsTransient(err) {
		t.Errorf("refused: err = %v, want transient", err)
	}
}

func TestRetryStopsWhenCancelled(t *testing.T) {
	var calls atomic.Int32
	c := fake(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(503)
	})
	c.minBackoff, c.maxBackoff = time.Hour, time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	err := c.Exec(ctx, "SELECT 1")
	if err == nil || time.Since(start) > 10*time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
	if calls.Load() != 1 {
		t.Errorf("%d calls, want 1", calls.Load())
	}
	if IsTransient(context.Canceled) || IsTransient(fmt.Errorf("x: %w", context.DeadlineExceeded)) {
		t.Error("context errors are not transient")
	}
}

// TestQueryNotRetriedAfterRows: a result cut short after rows were passed on is an error,
// not a retry (the caller already saw rows).
func TestQueryNotRetriedAfterRows(t *testing.T) {
	var calls atomic.Int32
	c := fake(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		body := header + "1\ta\n2\tb\n3\tc\n"
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n", len(body), body)
		buf.Flush() // and no final chunk: the connection just closes
	})
	var rows int
	err := c.Query(context.Background(), "SELECT n, s FROM t", func([][]byte) error { rows++; return nil })
	if err == nil {
		t.Fatal("no error for a result cut short")
	}
	if !IsTransient(err) {
		t.Errorf("err = %v: a broken connection should count as transient", err)
	}
	if calls.Load() != 1 || rows != 2 {
		t.Errorf("%d calls, %d rows; want 1 call and the 2 rows before the break", calls.Load(), rows)
	}
}

func TestQueryFields(t *testing.T) {
	body := "s\tn\tarr\tt\tnull\n" +
		"String\tUInt8\tArray(String)\tTuple(UInt8, String)\tNullable(String)\n" +
		"a\\tb\\\\c\\nd\\'e\\0\t1\t['x\\ty','z\\'w']\t(1,'a\\tb')\t\\N\n" +
		"\t2\t[]\t(2,'')\t\\\\N\n"
	c := fake(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, body)
	})
	var got [][]string
	var nulls [][]bool
	err := c.Query(context.Background(), "SELECT ...", func(f [][]byte) error {
		var row []string
		var null []bool
		for _, b := range f {
			row = append(row, string(b))
			null = append(null, b == nil)
		}
		got = append(got, row)
		nulls = append(nulls, null)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"a\tb\\c\nd'e\x00", "1", `['x\ty','z\'w']`, `(1,'a\tb')`, ""},
		{"", "2", "[]", "(2,'')", `\N`},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows\n got %q\nwant %q", got, want)
	}
	if !nulls[0][4] || nulls[1][0] || nulls[1][4] {
		t.Errorf("nil fields %v: want only the NULL of row 1", nulls)
	}
}

func TestQueryFieldCount(t *testing.T) {
	c := fake(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, header+"1\ta\n\n2\n")
	})
	err := c.Query(context.Background(), "SELECT 1", func([][]byte) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "fields") {
		t.Errorf("err = %v, want a field count error", err)
	}
}

func TestQueryStopsOnCallbackError(t *testing.T) {
	c := fake(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, header+"1\ta\n2\tb\n3\tc\n")
	})
	stop := errors.New("enough")
	var rows int
	err := c.Query(context.Background(), "SELECT 1", func([][]byte) error {
		rows++
		if rows == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || rows != 2 {
		t.Errorf("err %v after %d rows, want the callback's error after 2", err, rows)
	}
}

func TestQueryMidStreamException(t *testing.T) {
	c := fake(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, header+"1\ta\n2\tb\nCode: 395, e.displayText() = DB::Exception: Value passed to 'throwIf' function is non zero, e.what() = DB::Exception\n")
	})
	var rows int
	err := c.Query(context.Background(), "SELECT 1", func([][]byte) error { rows++; return nil })
	var se *ServerError
	if !errors.As(err, &se) || se.Code != 395 || se.Status != 200 {
		t.Fatalf("err = %v, want code 395 in a 200 response", err)
	}
	if rows != 2 {
		t.Errorf("%d rows before the error, want 2", rows)
	}
}

// TestRequest checks what a request carries: the database, settings from the URL, the
// credentials, the format, and gzip in both directions (a fake server that decodes and
// encodes it).
func TestRequest(t *testing.T) {
	var insertBody string
	var insertQuery string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("database") != "db1" || q.Get("max_threads") != "2" {
			t.Errorf("query parameters %v", q)
		}
		if r.Header.Get("X-ClickHouse-User") != "alice" || r.Header.Get("X-ClickHouse-Key") != "p:w" {
			t.Errorf("credentials %q %q", r.Header.Get("X-ClickHouse-User"), r.Header.Get("X-ClickHouse-Key"))
		}
		if q.Has("query") { // an insert
			insertQuery = q.Get("query")
			if r.Header.Get("Content-Encoding") != "gzip" {
				t.Errorf("insert Content-Encoding %q", r.Header.Get("Content-Encoding"))
			}
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(zr)
			insertBody = string(b)
			return
		}
		sql, _ := io.ReadAll(r.Body)
		if string(sql) != "SELECT 1" {
			t.Errorf("body %q", sql)
		}
		if q.Get("default_format") != "TabSeparatedWithNamesAndTypes" || q.Get("enable_http_compression") != "1" ||
			r.Header.Get("Accept-Encoding") != "gzip" {
			t.Errorf("query request: %v, Accept-Encoding %q", q, r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		io.WriteString(zw, "1\nUInt8\n1\n")
		zw.Close()
	}))
	defer srv.Close()
	c, err := New("http://alice:p%3Aw@" + strings.TrimPrefix(srv.URL, "http://") + "/db1?max_threads=2")
	if err != nil {
		t.Fatal(err)
	}
	c.Compress = true // off by default on loopback
	var got string
	if err := c.Query(context.Background(), "SELECT 1", func(f [][]byte) error { got = string(f[0]); return nil }); err != nil || got != "1" {
		t.Errorf("Query: %q, %v", got, err)
	}
	err = c.Insert(context.Background(), "t`x", []string{"a", "b c"}, func(w *RowWriter) error {
		w.String("x\ty")
		w.Int(1)
		return w.EndRow()
	})
	if err != nil {
		t.Fatal(err)
	}
	if insertQuery != "INSERT INTO `t\\`x` (`a`, `b c`) FORMAT TabSeparated" || insertBody != "x\\ty\t1\n" {
		t.Errorf("insert query %q body %q", insertQuery, insertBody)
	}
}

func TestInsertWriteError(t *testing.T) {
	var truncated atomic.Bool
	c := fake(t, func(w http.ResponseWriter, r *http.Request) {
		zr, err := gzip.NewReader(r.Body)
		if err == nil {
			_, err = io.Copy(io.Discard, zr)
		}
		if err != nil {
			truncated.Store(true)
			w.WriteHeader(400)
		}
	})
	bad := errors.New("source broke")
	err := c.Insert(context.Background(), "t", nil, func(w *RowWriter) error {
		for i := range 100000 {
			w.Int(int64(i))
			if err := w.EndRow(); err != nil {
				return err
			}
		}
		return bad
	})
	if !errors.Is(err, bad) {
		t.Errorf("err = %v, want the write function's error", err)
	}
	time.Sleep(10 * time.Millisecond)
	if !truncated.Load() {
		t.Error("the server read a complete body: the insert was not aborted")
	}
}

// TestInsertEarlyServerError: the server answers an error without reading the whole body;
// Insert must return that error (not hang, not a pipe error), and the write function must
// see EndRow fail.
func TestInsertEarlyServerError(t *testing.T) {
	c := fake(t, func(w http.ResponseWriter, r *http.Request) {
		br := bufio.NewReader(r.Body)
		br.Peek(100)
		w.Header().Set("Connection", "close")
		w.WriteHeader(500)
		io.WriteString(w, "Code: 27, e.displayText() = DB::Exception: Cannot parse input, e.what() = DB::Exception\n")
	})
	c.Compress = false
	var endRowErr error
	done := make(chan error, 1)
	go func() {
		done <- c.Insert(context.Background(), "t", nil, func(w *RowWriter) error {
			for {
				w.String(strings.Repeat("x", 1000))
				if err := w.EndRow(); err != nil {
					endRowErr = err
					return err
				}
			}
		})
	}()
	select {
	case err := <-done:
		var se *ServerError
		if !errors.As(err, &se) || se.Code != 27 {
			t.Errorf("err = %v, want the server's code 27", err)
		}
		if endRowErr == nil {
			t.Error("EndRow never failed")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Insert hangs after an early error answer")
	}
}

func TestIsTransient(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{&ServerError{Code: 202, Status: 500}, true},
		{&ServerError{Code: 62, Status: 400}, false},
		{&ServerError{Code: 159, Status: 500}, false},
		{&ServerError{Status: 503}, true},
		{&ServerError{Status: 504}, true},
		{&ServerError{Status: 500}, false},
		{&ServerError{Status: 401}, false},
		{fmt.Errorf("wrapped: %w", &ServerError{Code: 210, Status: 500}), true},
		{io.ErrUnexpectedEOF, true},
		{context.Canceled, false},
		{errors.New("something else"), false},
	}
	for _, tt := range tests {
		if got := IsTransient(tt.err); got != tt.want {
			t.Errorf("IsTransient(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
