package clickhouse

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
)

// ServerError is an error the server reported.
type ServerError struct {
	// Code is ClickHouse's error code (the list is src/Common/ErrorCodes.cpp in its
	// sources): from the X-ClickHouse-Exception-Code header when present (current
	// releases), else parsed from the "Code: 60, e.displayText() = ..." (18.16) or
	// "Code: 60. DB::Exception: ..." text; 0 when the response had neither (a proxy's error).
	Code int
	// Message is the server's text without the "Code: n" prefix, e.g. "DB::Exception:
	// Table default.t doesn't exist."; the HTTP status text when the body was empty.
	Message string
	// Status is the HTTP status of the response; 200 when the server reported the error
	// inside a result it had already started to send.
	Status int
}

func (e *ServerError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("clickhouse: code %d: %s (HTTP %d)", e.Code, e.Message, e.Status)
	}
	return fmt.Sprintf("clickhouse: HTTP %d: %s", e.Status, e.Message)
}

// transientCodes are the error codes worth retrying: the server is busy, a replica or the
// coordination service is momentarily unavailable, or a network hop failed. Left out on
// purpose: 159 TIMEOUT_EXCEEDED (raised by max_execution_time and by ON CLUSTER DDL waits, so
// the same query would time out again), 241 MEMORY_LIMIT_EXCEEDED (a query too big for its
// limit stays too big; retrying loads a server already short of memory) and 319
// UNKNOWN_STATUS_OF_INSERT (the insert may have happened).
var transientCodes = map[int]bool{
	202: true, // TOO_MANY_SIMULTANEOUS_QUERIES
	203: true, // NO_FREE_CONNECTION
	209: true, // SOCKET_TIMEOUT
	210: true, // NETWORK_ERROR
	242: true, // TABLE_IS_READ_ONLY (replica lost its ZooKeeper session)
	252: true, // TOO_MANY_PARTS (merges behind; the insert was refused whole)
	254: true, // NO_ACTIVE_REPLICAS
	279: true, // ALL_CONNECTION_TRIES_FAILED
	285: true, // TOO_FEW_LIVE_REPLICAS
	286: true, // UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE
	364: true, // RECEIVED_ERROR_TOO_MANY_REQUESTS
	369: true, // ALL_REPLICAS_ARE_STALE
	384: true, // PART_IS_TEMPORARILY_LOCKED
	439: true, // CANNOT_SCHEDULE_TASK
	473: true, // DEADLOCK_AVOIDED
	517: true, // CANNOT_ASSIGN_ALTER
	999: true, // KEEPER_EXCEPTION
}

// IsTransient reports whether err is worth retrying: a connection that could not be made or
// broke (refused, reset, timed out, closed early), a server error whose code is in the
// transient list (busy server, replica or Keeper unavailable, network error between servers),
// or a 429, 502, 503 or 504 without a ClickHouse code (a proxy or load balancer in front).
// Syntax, type and missing-table errors, authentication failures, context cancellation and
// certificate errors are not transient.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	var se *ServerError
	if errors.As(err, &se) {
		if se.Code != 0 {
			return transientCodes[se.Code]
		}
		switch se.Status {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var uae x509.UnknownAuthorityError
	var hne x509.HostnameError
	var cie x509.CertificateInvalidError
	if errors.As(err, &uae) || errors.As(err, &hne) || errors.As(err, &cie) {
		return false
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsTimeout || dnsErr.IsTemporary
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	// net/http's "server closed idle connection" is not exported.
	return strings.Contains(err.Error(), "server closed idle connection")
}

// parseServerError makes a ServerError from a response: its status, its
// X-ClickHouse-Exception-Code header (may be empty) and (the start of) its body.
func parseServerError(status int, codeHeader string, body []byte) *ServerError {
	se := &ServerError{Status: status}
	if c, err := strconv.Atoi(strings.TrimSpace(codeHeader)); err == nil {
		se.Code = c
	}
	text := bytes.TrimSpace(body)
	if rest, ok := bytes.CutPrefix(text, []byte("Code: ")); ok {
		n := 0
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n > 0 {
			if se.Code == 0 {
				se.Code, _ = strconv.Atoi(string(rest[:n]))
			}
			rest = rest[n:]
			switch {
			case bytes.HasPrefix(rest, []byte(", e.displayText() = ")):
				rest = rest[len(", e.displayText() = "):]
			case bytes.HasPrefix(rest, []byte(". ")):
				rest = rest[2:]
			case bytes.HasPrefix(rest, []byte(", ")):
				rest = rest[2:]
			}
			text = rest
		}
	}
	if i := bytes.LastIndex(text, []byte(", e.what() = ")); i >= 0 {
		text = text[:i]
	}
	se.Message = string(bytes.TrimSpace(text))
	if se.Message == "" {
		se.Message = http.StatusText(status)
	}
	return se
}
