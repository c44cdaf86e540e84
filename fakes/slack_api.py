"""A fake Slack on 127.0.0.1: the Web API (auth.test, chat.postMessage,
apps.connections.open, files.info, conversations.open, and files_upload_v2's
files.getUploadURLExternal → upload URL → files.completeUploadExternal), a sink for
response_url posts, and a Socket Mode websocket server.

The real slack_sdk and Bolt talk to it over real HTTP and websockets. It records every call,
and can be told to fail the next N calls of a method (429 with Retry-After, or an error code
such as channel_not_found), like opsdroid's ExternalAPIMockServer. Like Slack, auth.test
answers the token's scopes in the `x-oauth-scopes` header; with `tokens` set, any other
token gets invalid_auth, and apps.connections.open takes only an app-level (xapp-) token.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve

BOT_USER = "UBOT"
# What the bot token may do, as auth.test reports it (slack-app-manifest.yml's bot scopes).
SCOPES = (
    "commands",
    "chat:write",
    "app_mentions:read",
    "im:history",
    "im:read",
    "im:write",
    "files:read",
    "files:write",
)


AUTH_TEST = {
    "ok": True,
    "user_id": BOT_USER,
    "bot_id": "B1",
    "team_id": "T1",
    "user": "agendabot",
    "team": "Test",
    "url": "https://test.slack.com/",
}


@dataclass
class Call:
    """One request the fake received."""

    path: str
    method: str  # "chat.postMessage", or "response" for the response_url sink
    headers: dict[str, str]
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class Upload:
    """A file uploaded through files_upload_v2; `channel` is set once it was shared."""

    file_id: str
    name: str
    length: int  # what files.getUploadURLExternal was told
    data: bytes = b""
    channel: str = ""
    title: str = ""


@dataclass
class _Failure:
    status: int
    error: str
    retry_after: int | None


class FakeSlackAPI:
    """The Web API and the response_url sink, served from a thread (any loop can call it)."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.socket_url = ""  # what apps.connections.open answers
        self._failures: dict[str, list[_Failure]] = {}
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self.files: dict[str, tuple[str, bytes, int]] = {}  # id -> (name, content, size)
        self.files_token = ""  # the bearer token url_private downloads need
        self.uploads: dict[str, Upload] = {}  # files_upload_v2 uploads by file id
        self.dms: dict[str, str] = {}  # conversations.open: user -> DM channel (default D<user>)
        self.tokens: set[str] | None = None  # the tokens Slack accepts; None: any
        self.scopes: tuple[str, ...] = SCOPES  # the x-oauth-scopes of auth.test
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                if self.path.startswith("/upload/"):
                    fake._receive_upload(self)
                else:
                    fake._serve(self)

            def do_GET(self) -> None:  # files.info is a GET; url_private downloads too
                if self.path.startswith("/api/"):
                    fake._serve(self)
                else:
                    fake._download(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- control --------------------------------------------------------------------------

    def start(self) -> FakeSlackAPI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeSlackAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The base_url for slack_sdk."""
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def fail_next(
        self,
        method: str,
        n: int = 1,
        error: str = "channel_not_found",
        status: int = 200,
        retry_after: int | None = None,
    ) -> None:
        """The next `n` calls of `method` answer `{"ok": false, "error": error}`."""
        with self._lock:
            self._failures.setdefault(method, []).extend([_Failure(status, error, retry_after)] * n)

    def ratelimit_next(self, method: str, n: int = 1, retry_after: int = 1) -> None:
        self.fail_next(method, n, "ratelimited", 429, retry_after)

    def add_file(self, content: bytes, name: str, size: int | None = None) -> str:
        """A file shared with the bot; `size` may claim another size than the content's."""
        file_id = f"F{len(self.files) + 1:04d}"
        self.files[file_id] = (name, content, len(content) if size is None else size)
        return file_id

    def calls_to(self, method: str, path: str | None = None) -> list[Call]:
        with self._lock:
            return [
                c for c in self.calls if c.method == method and (path is None or c.path == path)
            ]

    async def wait_for(
        self, method: str, count: int = 1, timeout: float = 10.0, path: str | None = None
    ) -> list[Call]:
        """The calls of `method` once there are `count` of them; fails after `timeout` s."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls_to(method, path)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{method}: {len(found)} calls, expected {count}")
            await asyncio.sleep(0.01)

    # -- serving --------------------------------------------------------------------------

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        raw = h.rfile.read(int(h.headers.get("Content-Length") or 0)).decode("utf-8")
        url = urllib.parse.urlsplit(h.path)
        path = url.path
        method = "response" if path.startswith("/response/") else path.rsplit("/", 1)[-1]
        query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        call = Call(path, method, dict(h.headers.items()), {**query, **_parse(raw, h.headers)})
        with self._lock:
            self.calls.append(call)
            queue = self._failures.get(method) or []
            failure = queue.pop(0) if queue else None
        if failure is not None:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            body = {"ok": False, "error": failure.error}
            return _send(h, failure.status, body, headers)
        if method == "response":
            return _send(h, 200, "ok")
        refused = self._refuse(method, call.headers)
        if refused:
            return _send(h, 200, {"ok": False, "error": refused})
        headers = {"x-oauth-scopes": ",".join(self.scopes)} if method == "auth.test" else {}
        return _send(h, 200, self._answer(method, call.body), headers)

    def _refuse(self, method: str, headers: dict[str, str]) -> str:
        """Slack's error for the call's token, or "" when it may go ahead."""
        token = (headers.get("Authorization") or "").removeprefix("Bearer ")
        if self.tokens is not None and token not in self.tokens:
            return "invalid_auth" if token else "not_authed"
        if method == "apps.connections.open" and not token.startswith("xapp-"):
            return "not_allowed_token_type"
        return ""

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        answers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": lambda b: AUTH_TEST,
            "chat.postMessage": self._posted,
            "apps.connections.open": lambda b: {"ok": True, "url": self.socket_url},
            "files.info": lambda b: self._file_info(str(b.get("file", ""))),
            "conversations.open": self._open_dm,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }
        answer = answers.get(method)
        return answer(body) if answer else {"ok": False, "error": "unknown_method"}

    def _posted(self, body: dict[str, Any]) -> dict[str, Any]:
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        return {
            "ok": True,
            "channel": body.get("channel"),
            "ts": ts,
            "message": {"text": body.get("text"), "ts": ts},
        }

    def _open_dm(self, body: dict[str, Any]) -> dict[str, Any]:
        """conversations.open with one user: the bot's DM with them (`dms`, else D<user>)."""
        user = str(body.get("users", ""))
        return {"ok": True, "channel": {"id": self.dms.get(user, f"D{user}")}}

    def shared(self, channel: str | None = None) -> list[Upload]:
        """The uploads shared in a channel (any channel when None), in upload order."""
        with self._lock:
            return [u for u in self.uploads.values() if u.channel and channel in (None, u.channel)]

    def _upload_url(self, body: dict[str, Any]) -> dict[str, Any]:
        name, length = str(body.get("filename", "")), int(body.get("length") or 0)
        if not name or length <= 0:
            return {"ok": False, "error": "invalid_arguments"}
        with self._lock:
            file_id = f"FU{len(self.uploads) + 1:04d}"
            self.uploads[file_id] = Upload(file_id, name, length)
        url = f"http://127.0.0.1:{self.port}/upload/v1/{file_id}"
        return {"ok": True, "upload_url": url, "file_id": file_id}

    def _complete_upload(self, body: dict[str, Any]) -> dict[str, Any]:
        """Shares the uploaded files in `channel_id`; each must have its bytes, all of them."""
        files = json.loads(body.get("files") or "[]")
        channel = str(body.get("channel_id") or "")
        with self._lock:
            found = [self.uploads.get(str(f.get("id"))) for f in files]
            if not files or any(u is None or len(u.data) != u.length for u in found):
                return {"ok": False, "error": "file_upload_size_mismatch"}
            for upload, f in zip(found, files, strict=True):
                assert upload is not None
                upload.channel, upload.title = channel, str(f.get("title") or upload.name)
        shown = [{"id": u.file_id, "name": u.name, "title": u.title} for u in found if u]
        return {"ok": True, "files": shown}

    def _file_info(self, file_id: str) -> dict[str, Any]:
        if file_id not in self.files:
            return {"ok": False, "error": "file_not_found"}
        name, _, size = self.files[file_id]
        url = f"http://127.0.0.1:{self.port}/files-pri/T1-{file_id}/{urllib.parse.quote(name)}"
        return {
            "ok": True,
            "file": {"id": file_id, "name": name, "size": size, "url_private": url},
        }

    def _receive_upload(self, h: BaseHTTPRequestHandler) -> None:
        """An upload_url: the file's bytes as the request body (binary, never decoded)."""
        data = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        path = urllib.parse.urlsplit(h.path).path
        with self._lock:
            self.calls.append(Call(path, "upload", dict(h.headers.items()), {"size": len(data)}))
            upload = self.uploads.get(path.rsplit("/", 1)[-1])
            if upload is not None:
                upload.data = data
        if upload is None:
            return _send(h, 404, "not found")
        return _send(h, 200, f"OK - {len(data)}")

    def _download(self, h: BaseHTTPRequestHandler) -> None:
        """url_private: the content for the bot's token, a login page for anyone else."""
        path = urllib.parse.urlsplit(h.path).path
        call = Call(path, "download", dict(h.headers.items()), {})
        with self._lock:
            self.calls.append(call)
        file_id = path.split("/")[2].removeprefix("T1-") if path.count("/") >= 3 else ""
        if h.headers.get("Authorization") != f"Bearer {self.files_token}":
            content, kind = b"<!DOCTYPE html><html>login</html>", "text/html; charset=utf-8"
        elif file_id in self.files:
            content, kind = self.files[file_id][1], "application/octet-stream"
        else:
            return _send(h, 404, "not found")
        h.send_response(200)
        h.send_header("Content-Type", kind)
        h.send_header("Content-Length", str(len(content)))
        h.end_headers()
        h.wfile.write(content)


def _parse(raw: str, headers: Any) -> dict[str, Any]:
    if "json" in (headers.get("Content-Type") or ""):
        return dict(json.loads(raw or "{}"))
    return {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}


def _send(
    h: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None
) -> None:
    is_text = isinstance(body, str)
    data = (body if is_text else json.dumps(body)).encode("utf-8")
    h.send_response(status)
    h.send_header("Content-Type", "text/plain" if is_text else "application/json; charset=utf-8")
    h.send_header("Content-Length", str(len(data)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(data)


class FakeSocketMode:
    """A Socket Mode server: says hello to each connection, sends envelopes, records acks.

    Runs in the caller's event loop (`async with FakeSocketMode() as ws`).
    """

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.connections: list[ServerConnection] = []
        self._server: Server | None = None
        self._ids = itertools.count(1)

    async def __aenter__(self) -> FakeSocketMode:
        self._server = await serve(self._handler, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def url(self) -> str:
        assert self._server is not None
        port = next(iter(self._server.sockets)).getsockname()[1]
        return f"ws://127.0.0.1:{port}/"

    async def _handler(self, conn: ServerConnection) -> None:
        self.connections.append(conn)
        await conn.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "connection_info": {"app_id": "A1"},
                    "debug_info": {"host": "fake", "approximate_connection_time": 3600},
                }
            )
        )
        async for message in conn:
            self.received.append(json.loads(message))

    async def send_envelope(self, kind: str, payload: dict[str, Any]) -> str:
        """Send one request (slash_commands, events_api, interactive); returns its id."""
        envelope_id = f"env-{next(self._ids)}"
        await self.connections[-1].send(
            json.dumps(
                {
                    "envelope_id": envelope_id,
                    "type": kind,
                    "payload": payload,
                    "accepts_response_payload": kind != "events_api",
                    "retry_attempt": 0,
                }
            )
        )
        return envelope_id

    async def wait_connected(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.connections:
            if time.monotonic() > deadline:
                raise AssertionError("the Socket Mode client never connected")
            await asyncio.sleep(0.01)

    async def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for message in self.received:
                if message.get("envelope_id") == envelope_id:
                    return message
            if time.monotonic() > deadline:
                raise AssertionError(f"no ack for {envelope_id}")
            await asyncio.sleep(0.01)
