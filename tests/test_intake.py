"""A release sent in chat, at the command layer: preview, 저장, 취소, refusals, limits."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot import exchange, intake
from bot.commands import Context, Request, handle
from bot.commands.importing import refuse_size, upload
from bot.errors import UsageError
from bot.intake import PendingImports, Upload
from bot.reply import Reply
from tests.conftest import ADMIN_TG

RELEASE = (Path(__file__).parent / "releases" / "agenda-table.txt").read_bytes()
ADMIN = Request("telegram", ADMIN_TG, ADMIN_TG, "/import")
STAFF = Request("telegram", "200", "200", "/import")


def press(ctx: Context, reply: Reply, label: str, who: Request = ADMIN) -> Reply:
    """Press the action button `label` of `reply` as `who`."""
    [button] = [b for b in reply.buttons if b.label == label]
    assert button.action
    return handle(ctx, Request(who.platform, who.user_id, who.chat_id, button.command))


def test_preview_then_save_stores_the_meeting_once(ctx: Context) -> None:
    before = len(ctx.store.meetings())
    preview = upload(ctx, ADMIN, "release.txt", RELEASE)
    assert not preview.error and [b.label for b in preview.buttons] == ["저장", "취소"]
    text = "\n".join(line.text + line.detail for s in preview.sections for line in s.lines)
    assert "제3회 과학기술관계장관회의" in text and "첨단바이오" in text and "일정" in text
    assert len(ctx.store.meetings()) == before
    saved = press(ctx, preview, "저장")
    assert "새로 저장했습니다" in saved.title
    assert len(ctx.store.meetings()) == before + 1
    again = press(ctx, preview, "저장")
    assert again.error and "만료" in again.title
    assert len(ctx.store.meetings()) == before + 1


def test_cancel_and_refusals_leave_the_database_as_it_was(ctx: Context) -> None:
    before = ctx.store.path.read_bytes()
    preview = upload(ctx, ADMIN, "release.txt", RELEASE)
    assert "취소했습니다" in press(ctx, preview, "취소").title
    assert "관리자만" in upload(ctx, STAFF, "release.txt", RELEASE).title
    other = upload(ctx, ADMIN, "release.txt", RELEASE)
    assert press(ctx, other, "저장", who=STAFF).error  # the button checks who presses it
    assert upload(ctx, ADMIN, "x.pdf", b"%PDF-1.4 broken").error
    assert upload(ctx, ADMIN, "x.hwp", b"\xd0\xcf\x11\xe0" + b"\0" * 100).error
    assert upload(ctx, ADMIN, "x.txt", "회의 없음".encode()).error
    assert ctx.store.path.read_bytes() == before


def test_an_edited_export_sent_in_chat_updates_its_meeting(ctx: Context) -> None:
    data = exchange.meeting_to_data(ctx.store, 1)
    data["agenda"][0]["decision"] = "보고"
    preview = upload(ctx, ADMIN, "m1.json", json.dumps(data, ensure_ascii=False).encode())
    assert not preview.error, preview.title
    saved = press(ctx, preview, "저장")
    assert "갱신" in saved.title
    assert ctx.store.item(1, 1).decision == "보고"


def test_files_over_the_limit_are_refused_before_download() -> None:
    refusal = refuse_size(intake.SIZE_LIMIT + 1)
    assert refusal is not None and "너무 큽니다" in refusal.title
    assert refuse_size(1000) is None


def test_pending_previews_are_bounded_and_expire() -> None:
    now = [1000.0]
    pending = PendingImports(limit=2, ttl=10.0, clock=lambda: now[0])
    upload_ = Upload(intake.read(RELEASE, "r.txt", dt.date(2026, 11, 29)).release)
    tokens = [pending.put(upload_) for _ in range(3)]
    assert len(pending) == 2
    with pytest.raises(UsageError, match="만료"):
        pending.take(tokens[0])  # the oldest was dropped
    assert pending.take(tokens[1]).upload == upload_
    now[0] += 11
    with pytest.raises(UsageError, match="만료"):
        pending.take(tokens[2])  # older than the TTL


@pytest.mark.parametrize(
    ("text", "pasted"),
    [("/agenda 3", False), ("짧은 글", False), ("가" * 300, False), ("가나다\n" * 100, True)],
)
def test_what_counts_as_a_pasted_release(text: str, pasted: bool) -> None:
    assert intake.looks_pasted(text) is pasted
