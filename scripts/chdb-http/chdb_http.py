#!/usr/bin/env python3
"""A ClickHouse HTTP interface, the part sluice's client speaks, over libchdb: current ClickHouse.

libchdb (https://github.com/chdb-io/chdb) is ClickHouse built as a library, with the SQL engine,
table engines and formats of the release it is cut from. Serving it over HTTP lets the
integration tests (SLUICE_CLICKHOUSE_URL) check that every statement sluice sends, DDL,
inserts and the detections' SQL, runs on a current release as it does on Debian's 18.16, and
that the findings are the same.

    python3 chdb_http.py LIBCHDB DATADIR PORTFILE

listens on 127.0.0.1 (a free port, written to PORTFILE once it answers) and keeps its tables
in DATADIR. It handles /ping; POST and GET queries with the query in the body or in the
`query` parameter (the body appended: INSERT data), `database`, `default_format` and other
parameters as settings; chunked and gzip request bodies; errors as HTTP 500 with
X-ClickHouse-Exception-Code. It does not compress responses, streams nothing (a result is sent
whole, so an error is never in the middle of one) and runs one query at a time: it tests SQL,
not the server's HTTP layer.
"""
import ctypes
import gzip
import re
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Chdb:
    """A libchdb connection (chdb's stable C API)."""

    def __init__(self, lib, path):
        l = ctypes.CDLL(lib)
        l.chdb_connect.restype = ctypes.POINTER(ctypes.c_void_p)
        l.chdb_connect.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_char_p)]
        l.chdb_query_n.restype = ctypes.c_void_p
        l.chdb_query_n.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
        l.chdb_result_buffer.restype = ctypes.c_void_p
        l.chdb_result_buffer.argtypes = [ctypes.c_void_p]
        l.chdb_result_length.restype = ctypes.c_size_t
        l.chdb_result_length.argtypes = [ctypes.c_void_p]
        l.chdb_result_error.restype = ctypes.c_char_p
        l.chdb_result_error.argtypes = [ctypes.c_void_p]
        l.chdb_destroy_query_result.argtypes = [ctypes.c_void_p]
        self.l = l
        args = [b"clickhouse", b"--path=" + path.encode()]
        self.conn = l.chdb_connect(len(args), (ctypes.c_char_p * len(args))(*args))
        if not self.conn:
            raise RuntimeError("chdb_connect failed")

    def query(self, q, fmt="TabSeparated"):
        fb = fmt.encode()
        r = self.l.chdb_query_n(self.conn.contents, q, len(q), fb, len(fb))
        try:
            err = self.l.chdb_result_error(r)
            if err:
                raise RuntimeError(err.decode(errors="replace"))
            n = self.l.chdb_result_length(r)
            return ctypes.string_at(self.l.chdb_result_buffer(r), n) if n else b""
        finally:
            self.l.chdb_destroy_query_result(r)


# Parameters that are not settings.
NOT_SETTINGS = {"query", "database", "default_format", "enable_http_compression", "user", "password",
                "query_id", "session_id", "compress", "decompress"}


def quote(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def serve(db, portfile):
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, code, body, headers=None):
            self.send_response(code)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def body(self):
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                parts = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        break
                    parts.append(self.rfile.read(size))
                    self.rfile.readline()
                data = b"".join(parts)
            else:
                n = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(n) if n else b""
            if self.headers.get("Content-Encoding", "").lower() == "gzip":
                data = gzip.decompress(data)
            return data

        def do_GET(self):
            if urllib.parse.urlsplit(self.path).path == "/ping":
                return self.reply(200, b"Ok.\n")
            self.run(b"")

        def do_POST(self):
            self.run(self.body())

        def run(self, body):
            # latin-1 keeps the bytes of the URL as they are (identifiers need not be UTF-8)
            params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query,
                                                 keep_blank_values=True, encoding="latin-1"))
            q = params.get("query", "").encode("latin-1")
            q = q + b"\n" + body if q and body else q or body
            try:
                with lock:
                    database = params.get("database", "")
                    if database:
                        try:
                            db.query(b"USE `" + database.encode("latin-1").replace(b"`", b"``") + b"`")
                        except RuntimeError:
                            if not re.match(rb"\s*CREATE\s+DATABASE", q, re.I):
                                raise
                    for k, v in params.items():
                        if k not in NOT_SETTINGS:
                            db.query(("SET %s = %s" % (k, quote(v))).encode("latin-1"))
                    out = db.query(q, params.get("default_format", "TabSeparated"))
            except RuntimeError as e:
                m = re.search(r"Code: (\d+)", str(e))
                return self.reply(500, str(e).encode() + b"\n",
                                  {"X-ClickHouse-Exception-Code": m.group(1) if m else "1000"})
            self.reply(200, out)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.replace(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    serve(Chdb(sys.argv[1], sys.argv[2]), sys.argv[3])
