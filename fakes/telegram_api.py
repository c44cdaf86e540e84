"""A fake Telegram Bot API on 127.0.0.1 for python-telegram-bot's `base_url`.

Real HTTP, the same request encoding PTB uses, just enough methods for agendabot, and
switches to make the next calls of a method fail (429 with retry_after, 401, 403, 5xx, a
migrated chat), hang (answer only after a while, for one chat or all), answer slowly, or
reject the token from now on (`revoke`). Every call is recorded with the time it arrived,
which the benchmark uses; a hung call is recorded on arrival, as Telegram would have
delivered the message while we waited.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web

TOKEN = "123456:TEST-TOKEN-not-a-real-one"
BOT = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Agenda",
    "username": "agenda_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
UPLOAD_LIMIT = 50 * 1024 * 1024  # what the Bot API takes from a bot in one upload
# Values PTB sends as plain strings even when they look like JSON (a text "3").
_RAW = frozenset({"text", "callback_data", "secret_token", "url", "query_id", "callback_query_id"})


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float  # time.perf_counter() on arrival
    status: int = 200
    result: Any = None


@dataclass
class Document:
    """A file a bot uploaded with sendDocument (multipart), as the fake received it."""

    chat_id: int | None
    name: str
    data: bytes
    mime: str

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class Hang:
    """Answer the next calls of a method (to one chat, or any) only after `seconds`."""

    seconds: float
    chat_id: int | None
    times: int


@dataclass
class Failure:
    """One injected error; `status == 0` lets that call through (see `fail(after=…)`)."""

    status: int
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)


def _value(key: str, raw: str) -> Any:
    if key in _RAW:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _chat(params: dict[str, Any]) -> int | None:
    try:
        return int(params["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None


def ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


class FakeTelegramAPI:
    """The fake server. Use `async with FakeTelegramAPI() as api:` inside a running loop."""

    def __init__(self, token: str = TOKEN, *, port: int = 0) -> None:
        self.token = token
        self.revoked = False
        self.calls: list[Call] = []
        self.pending: list[dict[str, Any]] = []
        self.chat_types: dict[int, str] = {}
        self.webhook: dict[str, Any] = {}
        self._failures: dict[str, deque[Failure]] = {}
        self._hangs: dict[str, list[Hang]] = {}
        self._delays: dict[str, float] = {}
        self.last_update_id = 0
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._new_update = asyncio.Event()
        self._new_call = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = port
        self.files: dict[str, bytes] = {}  # file_path -> content, served under /file/bot…/
        self.documents: list[Document] = []  # sendDocument uploads that were answered ok

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> Self:
        app = web.Application(client_max_size=UPLOAD_LIMIT)
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        # A parked getUpdates must not hold up cleanup (libraries.md §1).
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        self._new_update.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """What TELEGRAM_BASE_URL would be: PTB appends the token."""
        return f"http://127.0.0.1:{self.port}/bot"

    # -- switches -----------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        status: int,
        times: int = 1,
        *,
        description: str | None = None,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        after: int = 0,
    ) -> None:
        """Make the next `times` calls of `method` fail with this status (after `after` pass)."""
        parameters: dict[str, Any] = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        default = {
            401: "Unauthorized",
            429: f"Too Many Requests: retry after {retry_after}",
            403: "Forbidden: bot was blocked by the user",
            400: "Bad Request: group chat was upgraded to a supergroup chat",
        }.get(status, "Internal Server Error")
        queue = self._failures.setdefault(method, deque())
        for _ in range(after):
            queue.append(Failure(0, ""))
        for _ in range(times):
            queue.append(Failure(status, description or default, parameters))

    def hang(
        self, method: str, seconds: float, *, chat_id: int | None = None, times: int = 1
    ) -> None:
        """Answer the next `times` calls of `method` (to `chat_id`, if given) after `seconds`."""
        self._hangs.setdefault(method, []).append(Hang(seconds, chat_id, times))

    def slow(self, method: str, seconds: float) -> None:
        """Answer every call of `method` after `seconds` (0: at once again)."""
        self._delays[method] = seconds

    def revoke(self) -> None:
        """The token is revoked: every call is answered 401 from now on (a parked long poll
        returns, so the next one sees it)."""
        self.revoked = True
        self._new_update.set()

    # -- updates ------------------------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> int:
        self.last_update_id = next(self._update_ids)
        update = {"update_id": self.last_update_id, **update}
        self.pending.append(update)
        self._new_update.set()
        return int(update["update_id"])

    def message(
        self,
        text: str,
        *,
        chat_id: int = 100,
        user_id: int | None = 100,
        chat_type: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A message dict as Telegram sends it; a leading /command gets its entity."""
        chat_type = chat_type or ("private" if chat_id > 0 else "supergroup")
        self.chat_types[chat_id] = chat_type
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = "사용자"
        else:
            chat["title"] = "테스트 그룹"
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
        }
        if text:
            message["text"] = text
        if chat_type == "channel":
            message["sender_chat"] = chat
        if user_id is not None:
            message["from"] = {"id": user_id, "is_bot": False, "first_name": "사용자"}
        if text.startswith("/"):
            length = len(text.split()[0].encode("utf-16-le")) // 2
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        message.update(extra or {})
        return message

    def push_text(self, text: str, **kw: Any) -> int:
        kind = "channel_post" if kw.get("chat_type") == "channel" else "message"
        return self.push({kind: self.message(text, **kw)})

    def push_document(
        self, content: bytes, name: str, *, size: int | None = None, caption: str = "", **kw: Any
    ) -> int:
        """A file sent to the bot; `size` may claim another size than the content's."""
        file_id = f"file{next(self._message_ids)}"
        self.files[f"documents/{file_id}"] = content
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": name,
            "file_size": len(content) if size is None else size,
        }
        extra: dict[str, Any] = {"document": document, **({"caption": caption} if caption else {})}
        return self.push({"message": self.message("", extra=extra, **kw)})

    def push_callback(self, data: str, *, message: dict[str, Any], user_id: int = 100) -> int:
        return self.push(
            {
                "callback_query": {
                    "id": f"cq{next(self._message_ids)}",
                    "from": {"id": user_id, "is_bot": False, "first_name": "사용자"},
                    "chat_instance": "ci1",
                    "message": message,
                    "data": data,
                }
            }
        )

    # -- what happened ------------------------------------------------------------------------

    def of(self, method: str, *, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.status == 200 or not ok_only)]

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Parameters of every successful sendMessage (to one chat)."""
        return [
            c.params
            for c in self.of("sendMessage")
            if chat_id is None or c.params.get("chat_id") == chat_id
        ]

    async def wait_for(
        self, method: str, count: int = 1, *, timeout: float = 10.0, ok_only: bool = True
    ) -> list[Call]:
        """Wait until `count` calls of `method` arrived; return them."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(found := self.of(method, ok_only=ok_only)) < count:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"{method}: {len(found)} of {count} calls after {timeout} s")
            self._new_call.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_call.wait(), remaining)
        return found

    # -- the API ------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token or self.revoked:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        # Shielded: a request that reached us is taken even if its sender dies right after
        # (aiohttp cancels the handler of a closed connection), as Telegram would take it.
        call, files = await asyncio.shield(self._receive(request, method))
        params = call.params
        await self._wait(method, params)
        queue = self._failures.get(method)
        failure = queue.popleft() if queue else None
        if failure is not None and failure.status:
            call.status = failure.status
            self._new_call.set()
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.status,
                "description": failure.description,
            }
            if failure.parameters:
                body["parameters"] = failure.parameters
            return web.json_response(body, status=failure.status)
        try:
            call.result = await self._answer(method, params, files)
        except LookupError:
            call.status = 404
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                status=404,
            )
        finally:
            self._new_call.set()
        return ok(call.result)

    async def _receive(self, request: web.Request, method: str) -> tuple[Call, dict[str, bytes]]:
        """Read the request and record the call on arrival."""
        files: dict[str, bytes] = {}  # uploads by field name
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = self._form(await request.post(), files)
        call = Call(method, params, time.perf_counter())
        self.calls.append(call)
        self._new_call.set()
        return call, files

    @staticmethod
    def _form(form: Any, files: dict[str, bytes]) -> dict[str, Any]:
        """A form or multipart body; an uploaded file is recorded by name, size and type,
        its bytes go to `files` (a call's parameters stay small)."""
        params: dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):
                data = value.file.read()
                params[key] = {
                    "file_name": value.filename,
                    "file_size": len(data),
                    "mime_type": value.content_type,
                }
                files[key] = data
            else:
                params[key] = _value(key, str(value))
        return params

    async def _wait(self, method: str, params: dict[str, Any]) -> None:
        """A hang or a slow answer, as switched on for this method (and chat)."""
        delay = self._delays.get(method, 0.0)
        for hang in self._hangs.get(method, []):
            if hang.times and hang.chat_id in (None, _chat(params)):
                hang.times -= 1
                delay = max(delay, hang.seconds)
                break
        if delay:
            await asyncio.sleep(delay)

    async def _answer(self, method: str, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if method == "getUpdates":
            return await self._get_updates(params)
        if method in ("setWebhook", "deleteWebhook"):
            self.webhook = dict(params) if method == "setWebhook" else {}
            return True
        answers: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getMe": lambda p: BOT,
            "setMyCommands": lambda p: True,
            "deleteMyCommands": lambda p: True,
            "answerCallbackQuery": lambda p: True,
            "getFile": self._get_file,
            "sendMessage": self._message_sent,
            "editMessageText": self._message_sent,
            "sendDocument": lambda p: self._document_sent(p, files.get("document")),
        }
        if method not in answers:
            raise LookupError(method)
        return answers[method](params)

    def _message_sent(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        return {
            "message_id": params.get("message_id") or next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": self.chat_types.get(chat_id, "private")},
            "from": {k: BOT[k] for k in ("id", "is_bot", "first_name", "username")},
            "text": params.get("text", ""),
        }

    def _document_sent(self, params: dict[str, Any], content: bytes | None) -> dict[str, Any]:
        """sendDocument with an uploaded file: recorded in `documents`, answered as Telegram
        does (a message with the document; its file_id can be fetched with getFile)."""
        uploaded = params.get("document")
        if not isinstance(uploaded, dict) or content is None:
            raise LookupError("sendDocument without an uploaded file")
        chat_id = _chat(params)
        self.documents.append(
            Document(chat_id, uploaded["file_name"], content, uploaded["mime_type"])
        )
        file_id = f"doc{next(self._message_ids)}"
        self.files[f"documents/{file_id}"] = content
        message = self._message_sent(params)
        del message["text"]
        message["document"] = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": uploaded["file_name"],
            "mime_type": uploaded["mime_type"],
            "file_size": len(content),
        }
        return message

    def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        path = f"documents/{params['file_id']}"
        if path not in self.files:
            raise LookupError("getFile")
        return {
            "file_id": params["file_id"],
            "file_unique_id": f"u{params['file_id']}",
            "file_size": len(self.files[path]),
            "file_path": path,
        }

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        self.calls.append(
            Call("download", {"path": request.match_info["path"]}, time.perf_counter())
        )
        self._new_call.set()
        content = self.files.get(request.match_info["path"])
        return web.Response(status=404) if content is None else web.Response(body=content)

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        self.pending = [u for u in self.pending if u["update_id"] >= offset]
        if not self.pending and timeout > 0:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        return self.pending[:limit]
