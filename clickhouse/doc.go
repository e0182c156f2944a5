// Package clickhouse is a small client for ClickHouse's HTTP interface, the one interface
// that both the 18.16 server Debian ships (and CI uses) and current releases accept.
// (clickhouse-go v2 speaks the native protocol and refuses servers that old.) It loads rows
// (Insert), runs statements (Exec) and reads results (Query); package chtest runs a real
// server for tests.
//
// # What goes over the wire
//
// Every call is one POST to the server's root URL (HTTP interface:
// https://clickhouse.com/docs/en/interfaces/http):
//
//   - the database is the "database" URL parameter; settings given in New's URL are
//     passed as URL parameters too;
//   - the user and password travel in the X-ClickHouse-User and X-ClickHouse-Key headers
//     (18.16 accepts them, as it does Basic authentication and the user/password URL
//     parameters; the headers keep passwords out of URLs and logs);
//   - Exec and Query send the statement as the body;
//   - Insert sends "INSERT INTO `t` (`a`, `b`) FORMAT TabSeparated" as the "query" URL
//     parameter and the rows as the body. (Putting the statement at the head of the body
//     instead would let the server skip the leading tab of a first row whose first value is
//     empty, as it skips blanks after FORMAT.)
//
// # Formats
//
// Rows are written in TabSeparated and read in TabSeparatedWithNamesAndTypes
// (https://clickhouse.com/docs/en/interfaces/formats#tabseparated): one row per line, values
// separated by tabs, no quoting; in a value, backslash, tab, line feed, carriage return, NUL,
// backspace and form feed are written \\ \t \n \r \0 \b \f (the server also escapes the single
// quote as \' and reads \xHH and other C escapes); NULL is \N. Arrays, tuples and maps are
// written inside a field as SQL literals (['a\'b','c'], (1,'x')) with no second level of
// escaping, which is why Query uses the header rows to know the column types and passes
// those fields raw (ParseArray splits arrays). A DateTime is written as Unix seconds in
// exactly ten digits (the documented numeric form; 18.16 can misread shorter numbers).
//
// # Compression
//
// With Client.Compress, Insert bodies are gzip-compressed (Content-Encoding: gzip, which
// 18.16 decodes) and Query asks for a gzip-compressed result (enable_http_compression=1 and
// Accept-Encoding: gzip; 18.16 honours both). It is off by default for a server on a loopback
// address, where it only costs CPU.
//
// # Errors
//
// A failed request yields a *ServerError with ClickHouse's error code (from the
// X-ClickHouse-Exception-Code header of current releases, else parsed from the "Code: 60,
// e.displayText() = DB::Exception: ..." text 18.16 sends, or the "Code: 60. DB::Exception:
// ..." text of 21.x and later), its message and the HTTP status (18.16 answers 400, 401, 404
// or 500 by error kind). Once a result has started (200 OK sent) the server can only report an
// error inside the body: 18.16 to 24.10 append the exception text after the last row, 24.11
// precedes it with a "__exception__" line and cuts the response, 25.11 frames it with a tag
// announced in X-ClickHouse-Exception-Tag. Query recognises all three and returns a
// *ServerError with Status 200. Two results would be mistaken for an error: one with a row
// that is exactly "__exception__", and one whose last value both starts like an exception
// text ("Code: <n>, e.displayText() = " or "Code: <n>. DB::Exception:") and ends like one
// (", e.what() = DB::Exception" or "(version ...)").
//
// # Retries
//
// Exec and Query retry up to Client.Retries times (5), waiting 200ms, 400ms, 800ms ...
// (at most 10s, each wait drawn between half and all of that), when IsTransient says the
// failure may pass: connection refused, reset or closed early, timeouts, HTTP 429/502/503/504
// without a ClickHouse code (a proxy), and the codes of a busy or momentarily degraded
// server (202 too many simultaneous queries, 203 no free connection, 209 socket timeout, 210
// network error, 242 table read-only, 252 too many parts, 285/286 replicas and quorum, 439
// cannot schedule task, 473 deadlock avoided, 999 Keeper, and a few more). Syntax, type,
// missing-table and authentication errors are never retried, nor are 159 (timeout exceeded:
// the same query would time out again) and 241 (memory limit exceeded: the same query would
// need the same memory). Query retries only until the first row reached its callback.
// Insert never retries: a failed insert may have stored some blocks, and only the caller
// knows whether sending the rows again would double them.
//
// # What 18.16 lacks
//
// Query parameters ({name:Type} placeholders with param_name URL parameters) came later, so
// values are spliced into SQL with Quote and QuoteIdent, which escape every byte that could
// end the literal. 18.16 does not send the X-ClickHouse-Exception-Code, X-ClickHouse-Summary
// or X-ClickHouse-Format headers, and has no Bool, Map or DateTime64 types. Nothing here
// depends on those.
package clickhouse
