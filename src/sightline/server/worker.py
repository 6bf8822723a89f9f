"""The gunicorn worker `sightline serve` runs: gthread, but a request reaches a thread only once it has arrived.

gunicorn's gthread worker hands a connection to a thread as soon as its first byte arrives, and the
thread then blocks reading the rest: clients sending one byte a second held every thread and took
the server offline. Here the worker's event loop reads each request (headers and body) without
blocking, answers 408 to one that does not arrive within its deadlines, and refuses over-limit and
malformed bodies itself; a thread only ever runs a request that is already in memory.
gunicorn's own error answers (a request line or headers it cannot parse) get the API's JSON error
body instead of HTML.
"""

from __future__ import annotations

import contextlib
import errno
import html
import json
import re
import selectors
import time
import uuid
from functools import partial
from http import HTTPStatus

from gunicorn.http.unreader import SocketUnreader
from gunicorn.workers.gthread import TConn, ThreadWorker

_HEAD_END = b"\r\n\r\n"
# Longer heads than this are left to gunicorn's parser, which refuses them against its own limits.
_MAX_HEAD_BYTES = 128 * 1024
_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")
# What one read of a request held in memory returns at most when the reader does not say: the size
# werkzeug reads bodies in, and under glibc's mmap threshold (memory.py), so pieces reuse the heap.
_HELD_PIECE_BYTES = 64 * 1024


# The codes the application gives the same refusals (`errors.py`); others are named after their status.
_CODES = {400: "bad_request", 413: "body_too_large", 503: "server_busy"}


def json_error(status: int, message: str, extra_headers: tuple[str, ...] = ()) -> bytes:
    """A whole HTTP response carrying the API's one error body; the connection closes after it."""
    request_id = uuid.uuid4().hex
    code = _CODES.get(status, HTTPStatus(status).name.lower())
    body = json.dumps({"error": {"code": code, "message": message, "request_id": request_id}}).encode()
    head = [
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        f"X-Request-ID: {request_id}",
        "Connection: close",
        *extra_headers,
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


class _Captured:
    """Stands in for the client socket while gunicorn writes its HTML error page, so it can be rewritten."""

    def __init__(self) -> None:
        self.data = b""

    def gettimeout(self) -> float:
        return 0.0

    def sendall(self, data: bytes) -> None:
        self.data += data

    send = sendall


class _HeldUnreader(SocketUnreader):
    """gunicorn's reader of a connection, serving the request that has already arrived from memory.

    gunicorn's own Unreader copies all it holds on every read and writes the rest back: a body held
    whole was copied again for each 64 KB werkzeug read, about 35 MB for a 1.2 MB photo, each copy
    in fresh pages. Here a read slices the held bytes, and a piece given back (the parser gives back
    what follows the headers) just moves the position back. The socket comes after them.
    """

    def __init__(self, sock) -> None:
        super().__init__(sock)
        self.held = memoryview(b"")
        self.at = 0

    def hold(self, data: bytearray) -> None:
        """Serve `data` (a request that has arrived, and any behind it) before anything else."""
        self.held = memoryview(data)
        self.at = 0

    def read(self, size=None, read_ahead=None) -> bytes:
        if self.at == len(self.held):
            return super().read(size, read_ahead)
        if size == 0:
            return b""
        wanted = _HELD_PIECE_BYTES if size is None or size < 0 else size
        piece = bytes(self.held[self.at : self.at + wanted])
        self.at += len(piece)
        if self.at == len(self.held):
            self.hold(bytearray())  # all served: the request's bytes need not stay with the connection
        if size is not None and size > len(piece):
            return piece + super().read(size - len(piece), read_ahead)
        return piece

    def unread(self, data: bytes) -> None:
        if data and len(data) <= self.at and self.held[self.at - len(data) : self.at] == data:
            self.at -= len(data)
        elif data:  # comes before what is still held, which comes before what the socket sent since
            self.hold(bytearray(data) + self.held[self.at :])

    def buffered(self) -> bool:
        """Whether any bytes are waiting that the socket will not signal again."""
        return self.at < len(self.held) or bool(self.buf.getvalue())

    def take_buffered(self) -> bytes:
        data = bytes(self.held[self.at :]) + super().take_buffered()
        self.hold(bytearray())
        return data


class _Arriving(TConn):
    """A connection and what has arrived of its current request."""

    def __init__(self, cfg, sock, client, server) -> None:
        super().__init__(cfg, sock, client, server)
        self.start_waiting()

    def start_waiting(self) -> None:
        self.data = bytearray()
        self.deadline = 0.0
        self.head_end = -1  # offset just past the blank line ending the headers, once it has arrived
        self.body_end: int | None = None  # offset just past the body, once known
        self.chunk_at = 0  # chunked body: where the next chunk-size line starts
        self.chunked_total = 0
        self.chunked = False


class ReadAheadWorker(ThreadWorker):
    """gthread with requests read in the event loop; deadlines and limits come from the server's settings."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        settings = self.app.settings
        self.header_timeout = settings.header_timeout
        self.body_timeout = settings.body_timeout
        self.max_body_bytes = settings.max_body_bytes
        self.max_read_ahead = settings.max_read_ahead_bytes
        self.read_ahead = 0  # bytes held by requests still arriving, across connections
        self.arriving: set[_Arriving] = set()

    # --- the event loop side ---

    def accept(self, listener) -> None:
        try:
            client_sock, client_addr = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = _Arriving(self.cfg, client_sock, client_addr, listener.getsockname())
        self._wait_for_request(conn)

    def on_client_socket_readable(self, conn, client) -> None:
        # A kept-alive connection starts its next request.
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        conn.sock.setblocking(False)
        self._wait_for_request(conn)

    def _wait_for_request(self, conn: _Arriving) -> None:
        conn.start_waiting()
        conn.deadline = time.monotonic() + self.header_timeout
        self.arriving.add(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_bytes, conn))

    def _on_bytes(self, conn: _Arriving, client) -> None:
        try:
            data = conn.sock.recv(1 << 18)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop(conn)
            return
        conn.data += data
        self.read_ahead += len(data)
        if self.read_ahead > self.max_read_ahead:
            self._refuse(
                conn, 503, "the server is receiving too many uploads at once; retry shortly", ("Retry-After: 5",)
            )
            return
        self._dispatch_if_complete(conn)

    def _complete(self, conn: _Arriving) -> bool:
        """Whether the whole request has arrived; raises `_Refused` for one the server will not take."""
        data = conn.data
        if conn.head_end < 0:
            end = data.find(_HEAD_END)
            if end < 0:
                return len(data) > _MAX_HEAD_BYTES  # gunicorn's parser refuses it
            conn.head_end = end + len(_HEAD_END)
            conn.deadline = time.monotonic() + self.body_timeout
            if not self._read_head(conn):
                return True  # headers gunicorn's parser will refuse, or no body to wait for
        if conn.chunked:
            return self._scan_chunks(conn)
        return len(data) >= conn.body_end

    def _read_head(self, conn: _Arriving) -> bool:
        """Learn from the headers where the body ends; False when there is nothing to wait for."""
        lines = bytes(conn.data[: conn.head_end - len(_HEAD_END)]).split(b"\r\n")
        length = None
        for line in lines[1:]:
            if line[:1] in (b" ", b"\t"):
                return False  # obsolete line folding: the parser answers it
            name, _, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip()
            if name == b"transfer-encoding":
                if value.lower() != b"chunked" or conn.chunked:
                    return False
                conn.chunked = True
            elif name == b"content-length":
                if length is not None or not value.isdigit():
                    return False
                length = int(value)
            elif name == b"expect" and value.lower() == b"100-continue":
                self._continue(conn, line)
        if conn.chunked:
            if length is not None:
                return False
            conn.chunk_at = conn.head_end
            return True
        if length is None or length == 0:
            return False
        if length > self.max_body_bytes:
            raise _Refused(413, self._too_large())
        conn.body_end = conn.head_end + length
        return True

    def _continue(self, conn: _Arriving, line: bytes) -> None:
        """Ask for the body now, and take the expectation out of the headers so that it is not asked twice."""
        start = conn.data.find(b"\r\n" + line + b"\r\n")
        del conn.data[start + 2 : start + 2 + len(line) + 2]
        conn.head_end -= len(line) + 2
        self.read_ahead -= len(line) + 2
        with contextlib.suppress(OSError):
            conn.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")

    def _scan_chunks(self, conn: _Arriving) -> bool:
        data = conn.data
        while True:
            line_end = data.find(b"\r\n", conn.chunk_at)
            if line_end < 0:
                if len(data) - conn.chunk_at > 4096:
                    raise _Refused(400, "malformed chunked body: a chunk size line is too long")
                return False
            size_text = bytes(data[conn.chunk_at : line_end]).split(b";", 1)[0].strip()
            if not size_text or not set(size_text) <= _HEX_DIGITS or len(size_text) > 16:
                raise _Refused(400, f"malformed chunked body: {size_text[:40]!r} is not a chunk size")
            size = int(size_text, 16)
            conn.chunked_total += size
            if conn.chunked_total > self.max_body_bytes:
                raise _Refused(413, self._too_large())
            if size == 0:
                # The last chunk; optional trailer fields end with a blank line.
                return data.find(b"\r\n", line_end + 2) == line_end + 2 or data.find(_HEAD_END, line_end) >= 0
            chunk_end = line_end + 2 + size
            if len(data) < chunk_end + 2:
                return False
            if data[chunk_end : chunk_end + 2] != b"\r\n":
                raise _Refused(400, "malformed chunked body: a chunk is longer than its size says")
            conn.chunk_at = chunk_end + 2

    def _too_large(self) -> str:
        return f"the request body is larger than the limit of {self.max_body_bytes / 1e6:g} MB"

    def _stop_waiting(self, conn: _Arriving) -> None:
        self.arriving.discard(conn)
        self.read_ahead -= len(conn.data)
        with contextlib.suppress(KeyError, ValueError):
            self.poller.unregister(conn.sock)

    def _refuse(self, conn: _Arriving, status: int, message: str, extra_headers: tuple[str, ...] = ()) -> None:
        self._stop_waiting(conn)
        self.log.warning("refused a request from %s: %s %s", conn.client[0] if conn.client else "", status, message)
        try:
            conn.sock.setblocking(True)
            conn.sock.settimeout(1.0)
            conn.sock.sendall(json_error(status, message, extra_headers))
        except OSError:
            pass
        self.nr_conns -= 1
        conn.close()

    def _drop(self, conn: _Arriving) -> None:
        self._stop_waiting(conn)
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        for conn in [conn for conn in self.arriving if conn.deadline <= now]:
            if not conn.data:
                self._drop(conn)  # opened and never used, or kept alive and then left idle
            elif conn.head_end < 0:
                self._refuse(conn, 408, f"the request headers did not arrive within {self.header_timeout:g} s")
            else:
                self._refuse(conn, 408, f"the request body did not arrive within {self.body_timeout:g} s")

    def finish_request(self, conn, fs) -> None:
        # A request that arrived behind the last one on a kept-alive connection is read like any other.
        if not fs.cancelled() and fs.exception() is None and fs.result() and conn.parser.unreader.buffered():
            pending = conn.parser.unreader.take_buffered()
            conn.sock.setblocking(False)
            self._wait_for_request(conn)
            conn.data += pending
            self.read_ahead += len(pending)
            self._dispatch_if_complete(conn)
            return
        super().finish_request(conn, fs)

    def _dispatch_if_complete(self, conn: _Arriving) -> None:
        try:
            complete = self._complete(conn)
        except _Refused as refusal:
            self._refuse(conn, refusal.status, refusal.message)
            return
        if complete:
            self._stop_waiting(conn)
            conn.data_ready = True  # already in memory: gthread must not wait for the socket again
            self.enqueue_req(conn)

    # --- the thread side ---

    def handle(self, conn):
        if isinstance(conn, _Arriving) and conn.data:
            conn.sock.setblocking(True)
            conn.init()
            if not isinstance(conn.parser.unreader, _HeldUnreader):
                conn.parser.unreader = _HeldUnreader(conn.sock)
            conn.parser.unreader.hold(conn.data)
            conn.data = bytearray()
        return super().handle(conn)

    def handle_error(self, req, client, addr, exc) -> None:
        """gunicorn's answer to a request it could not parse, with the API's JSON error body."""
        captured = _Captured()
        super().handle_error(req, captured, addr, exc)
        status_line, _, page = captured.data.partition(b"\r\n")
        match = re.match(rb"HTTP/1\.1 (\d{3})", status_line)
        if not match:
            return
        found = re.search(rb"</h1>\s*(.*?)\s*</body>", page, re.DOTALL)
        message = html.unescape(found.group(1).decode("latin-1")) if found else ""
        status = int(match.group(1))
        try:
            client.sendall(json_error(status, message or HTTPStatus(status).phrase))
        except OSError:
            self.log.debug("Failed to send error message.")


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
