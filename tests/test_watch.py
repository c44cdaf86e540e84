"""The press-release watcher (issue #13) against a fake 정책브리핑 API on 127.0.0.1.

The fake serves the development corpus (`../shared/corpus`, each text a NewsItem: title =
line 3, body = its lines as paragraphs), a few ordinary releases, and one attachment-only
release whose PDF (made here) holds one more item of the 6th 국가정책조정회의, so it must be
merged with the corpus release of that meeting. The tests skip when the corpus is absent.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import html
import io
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from bot import reading, render
from bot.cli import main
from bot.commands import Context, Request, handle
from bot.commands.importing import LIST_LIMIT
from bot.config import Settings
from bot.delivery import MaybeSent, RetryLater
from bot.errors import ParseError, UsageError
from bot.metrics import WATCHER_PASSES, WATCHER_WAITING
from bot.reply import Reply
from bot.store import Busy, Store, check_tables, parse_database
from bot.watch import candidates as watcher_candidates
from bot.watch import client as client_module
from bot.watch import watcher
from bot.watch.client import BriefingClient, BriefingError, parse_page
from digests import build
from fakes.briefing_api import KEY, FakeBriefingAPI, Item
from fakes.fake_sender import FakeSender
from fakes.telegram_api import TOKEN, FakeTelegramAPI
from tests.conftest import ADMIN_TG, NOW
from tests.test_formats import CONTENT_HPF, HP, make_hwpx, para, section

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
DAY = dt.datetime(2026, 11, 24, 18, 0)  # the day before "today" (conftest's NOW)
ATTACHED = "990001"  # the attachment-only release
HWPX_ONLY = "990002"  # another, whose HWPX holds a new meeting
OTHERS = ("990101", "990102")  # ordinary releases: no meeting
MEETING_6 = "156000018"  # corpus 18: the 6th 국가정책조정회의
FONT = "HYSMyeongJo-Medium"
HWPX_LINES = [
    "제9차 사회관계장관회의 개최",
    "교육부 장관은 11월 24일(화) 정부서울청사에서 제9차 사회관계장관회의를 주재하였다.",
    "이날 회의에서는 「청년 주거 지원 강화 방안」을 논의하였다.",
    "국토교통부는 2027년 3월까지 청년 임대주택 1만 호를 공급한다.",
]
PDF_LINES = [
    "제6회 국가정책조정회의 안건 자료",
    "김민석 국무총리는 11월 27일(목) 코스메카코리아 본사에서 제6회 국가정책조정회의를 주재하였다.",
    "이날 회의에서는 ｢K-뷰티 인재 양성 방안(교육부)｣을 논의하였다.",
    "교육부는 2026년 6월까지 뷰티 전문 인력 양성 과정을 개설한다.",
]


def corpus_files() -> list[Path]:
    files = sorted(CORPUS.glob("[0-9][0-9]_*.txt"))
    if len(files) < 40:
        print(f"corpus not found at {CORPUS}: skipping the watcher tests")
        pytest.skip(f"the development corpus is not at {CORPUS}")
    return files


def news_id(path: Path) -> str:
    return f"1560000{path.name[:2]}"


def paragraphs(lines: list[str]) -> str:
    return "".join(f"<p>{html.escape(line)}</p>" for line in lines if line.strip())


def make_pdf(lines: list[str]) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setFont(FONT, 9)
    for row, line in enumerate(lines):
        pdf.drawString(30, 780 - 16 * row, line)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def serve_day(api: FakeBriefingAPI, day: dt.datetime = DAY) -> None:
    """The corpus, two ordinary releases and the attachment-only one, all approved `day`."""
    for path in corpus_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        api.add(Item(news_id(path), lines[2], paragraphs(lines[3:]), day))
    api.add(
        Item(OTHERS[0], "청년 일자리 박람회 개최", paragraphs(["청년 3천 명이 참가했다."]), day)
    )
    api.add(
        Item(
            OTHERS[1], "겨울철 한파 대비 안전점검", paragraphs(["관계부처 합동 점검을 했다."]), day
        )
    )
    api.files["anggun.pdf"] = make_pdf(PDF_LINES)
    body = paragraphs(
        ["제6회 국가정책조정회의 안건 자료입니다.", "자세한 내용은 첨부파일을 참고하시기 바랍니다."]
    )
    link = f'<p><a href="{api.file_url("anggun.pdf")}">국가정책조정회의_안건.pdf</a></p>'
    api.add(Item(ATTACHED, "[참고] 제6회 국가정책조정회의 안건 자료", body + link, day))
    api.files["social9.hwpx"] = make_hwpx(
        {
            "Contents/content.hpf": CONTENT_HPF,
            "Contents/header.xml": f'<hh:head xmlns:hh="{HP}/head"/>',
            "Contents/section0.xml": section(*(para(f"<hp:t>{t}</hp:t>") for t in HWPX_LINES)),
            "Contents/section1.xml": section(para("<hp:t>문의: 교육부 (044-203-6000)</hp:t>")),
        }
    )
    link = f'<p><a href="{api.file_url("social9.hwpx")}">붙임 보도자료.hwpx</a></p>'
    api.add(
        Item(
            HWPX_ONLY,
            "제9차 사회관계장관회의 개최",
            body.replace("제6회 국가정책조정회의", "회의") + link,
            day,
        )
    )


def expected_meetings() -> set[str]:
    """The corpus releases the parser reads a meeting from, read as files (not through the
    watcher's HTML path), except the negatives."""
    found = set()
    for path in corpus_files():
        if "_neg_" in path.name:
            continue
        try:
            reading.parse(path.read_text(encoding="utf-8"), today=DAY.date(), published=DAY.date())
        except ParseError:
            continue
        found.add(news_id(path))
    return found


@pytest.fixture
def api() -> Iterator[FakeBriefingAPI]:
    with FakeBriefingAPI() as fake:
        serve_day(fake)
        yield fake


@pytest.fixture
def wctx(ctx: Context, api: FakeBriefingAPI) -> Context:
    """A context whose settings point the watcher at the fake (admin chat: telegram)."""
    settings = Settings.load(
        overrides={
            "db_path": ctx.settings.db_path,
            "now": NOW,
            "telegram_admins": ADMIN_TG,
            "briefing_url": api.url,
            "briefing_key": KEY,
            "admin_chat": f"telegram:{ADMIN_TG}",
        },
        environ={},
    )
    return Context(ctx.store, settings)


def client(api: FakeBriefingAPI, waits: list[float] | None = None) -> BriefingClient:
    return BriefingClient(api.url, KEY, sleep=(waits if waits is not None else []).append)


def proposed(found: watcher.Pass) -> set[str]:
    return {i for p in found.proposals for i in p.reading.news_ids}


def one_pass(ctx: Context, sender: FakeSender | None = None) -> watcher.Pass:
    senders = {"telegram": sender or FakeSender()}
    return asyncio.run(watcher.run_pass(ctx, senders, since=DAY.date()))


def drain(ctx: Context, sender: FakeSender) -> int:
    """Run passes until every waiting preview is posted (at least one); how many ran."""
    passes = 0
    while not passes or any(not p.posted for p in ctx.store.proposals()):
        posted = len(sender.accepted)
        one_pass(ctx, sender)
        assert len(sender.accepted) > posted, "a pass posted nothing"
        passes += 1
    return passes


def test_one_pass_proposes_exactly_the_meeting_releases_merged_per_meeting(
    wctx: Context, api: FakeBriefingAPI
) -> None:
    found = watcher.collect(wctx, client(api), since=DAY.date())
    assert not found.errors and found.listed == 44
    expected = expected_meetings() | {ATTACHED, HWPX_ONLY}
    assert len(expected) >= 30
    assert proposed(found) == expected
    assert not proposed(found) & {news_id(p) for p in corpus_files() if "_neg_" in p.name}
    sieved = {news_id(p) for p in corpus_files()} - expected_meetings()
    assert set(found.others) <= sieved  # named a meeting kind, held no agenda
    assert not set(OTHERS) & (proposed(found) | set(found.others))  # dropped by the sieve
    [merged] = [p for p in found.proposals if ATTACHED in p.reading.news_ids]
    assert set(merged.reading.news_ids) == {MEETING_6, ATTACHED}  # one meeting, two releases
    titles = [i.title for i in merged.reading.release.items]
    assert len(titles) == 3 and any("인재 양성" in t for t in titles)  # the PDF's item joined
    assert [i.number for i in merged.reading.release.items] == [1, 2, 3]
    assert sorted(api.file_calls) == ["anggun.pdf", "social9.hwpx"]
    [social] = [p.reading.release for p in found.proposals if HWPX_ONLY in p.reading.news_ids]
    assert social.meeting.title == "제9차 사회관계장관회의"
    assert [i.title for i in social.items] == ["청년 주거 지원 강화 방안"]


def test_a_ministrys_release_naming_no_ordinal_joins_the_meeting_held_that_day(
    wctx: Context, api: FakeBriefingAPI
) -> None:
    lines = [
        "교육부는 11월 27일(목) 국가정책조정회의에서 뷰티 인재 방안을 발표하였다.",
        "이날 회의에서는 「뷰티 산업 전문 인재 양성 방안(교육부)」을 논의하였다.",
        "교육부는 2026년 6월까지 뷰티 전문 인력 양성 과정을 개설한다.",
    ]
    api.add(Item("990004", "교육부, 뷰티 산업 인재 양성 방안 발표", paragraphs(lines), DAY))
    other = ["국무총리는 3월 5일(목) 국가정책조정회의를 주재하였다.", *lines[1:]]
    api.add(Item("990005", "국가정책조정회의 개최", paragraphs(other), DAY))
    found = watcher.collect(wctx, client(api), since=DAY.date())
    [merged] = [p for p in found.proposals if MEETING_6 in p.reading.news_ids]
    assert set(merged.reading.news_ids) == {MEETING_6, ATTACHED, "990004"}
    assert merged.reading.release.meeting.title == "제6회 국가정책조정회의"
    assert len(merged.reading.release.items) == 4
    [alone] = [p for p in found.proposals if "990005" in p.reading.news_ids]
    assert alone.reading.news_ids == ("990005",)  # another day: another meeting


def test_a_first_pass_reads_the_past_week_and_later_passes_start_at_the_cursor(
    wctx: Context, api: FakeBriefingAPI
) -> None:
    today = wctx.today()
    for days, news in ((watcher.FIRST_DAYS - 1, "990006"), (watcher.FIRST_DAYS + 2, "990007")):
        when = dt.datetime.combine(today - dt.timedelta(days=days), dt.time(10))
        api.add(Item(news, HWPX_LINES[0], paragraphs(HWPX_LINES[1:]), when))
    found = watcher.collect(wctx, client(api))
    assert found.start == today - dt.timedelta(days=watcher.FIRST_DAYS)
    assert "990006" in proposed(found) and "990007" not in proposed(found)
    wctx.store.set_watch_cursor(today)
    assert watcher.collect(wctx, client(api)).start == today


def test_previews_go_to_the_admin_chat_once_and_a_later_pass_proposes_nothing(
    wctx: Context, api: FakeBriefingAPI
) -> None:
    before = len(wctx.store.meetings())
    sender = FakeSender()
    first = one_pass(wctx, sender)
    total = len(first.proposals)
    assert first.complete and total > watcher.MAX_PREVIEWS
    assert len(wctx.store.proposals()) == total  # every one kept, waiting for an admin
    assert WATCHER_WAITING._value.get() == total
    assert len(sender.accepted) == watcher.MAX_PREVIEWS  # a few previews a pass
    key, reply = sender.accepted[0]
    assert key == f"telegram:{ADMIN_TG}"
    assert [b.label for b in reply.buttons] == ["저장", "무시"]
    assert "새 보도자료" in reply.title
    assert len(wctx.store.meetings()) == before  # nothing stored before an admin says so
    assert wctx.store.watch_cursor() == wctx.today()  # kept, so the cursor moves on
    assert drain(wctx, sender) == -(-total // watcher.MAX_PREVIEWS) - 1  # a few a pass
    assert len(sender.accepted) == total  # every meeting once, over several passes
    assert len({r.title for _, r in sender.accepted}) == total
    downloads = len(api.file_calls)
    assert one_pass(wctx, sender).proposals == [] and len(sender.accepted) == total
    assert len(api.file_calls) == downloads  # handled releases are not read again
    negatives = {news_id(p) for p in corpus_files() if "_neg_" in p.name}
    assert not (set(OTHERS) | negatives) & set(wctx.store.watch_seen())  # not recorded


def press(ctx: Context, reply: Reply, label: str) -> Reply:
    [button] = [b for b in reply.buttons if b.label == label]
    return handle(ctx, Request("telegram", ADMIN_TG, ADMIN_TG, button.command))


def test_save_stores_once_and_ignore_is_never_proposed_again(
    wctx: Context, api: FakeBriefingAPI
) -> None:
    before = len(wctx.store.meetings())
    sender = FakeSender()
    found = one_pass(wctx, sender)
    [(_, saving), (_, ignoring), *_] = sender.accepted
    saved = press(wctx, saving, "저장")
    assert "새로 저장했습니다" in saved.title, saved.title
    assert len(wctx.store.meetings()) == before + 1
    assert press(wctx, saving, "저장").error  # the token is spent
    assert wctx.store.watch_seen()[found.proposals[0].reading.news_ids[0]][1] == "saved"
    ignored = press(wctx, ignoring, "무시")
    assert "무시했습니다" in ignored.title
    first = found.proposals[1].reading.news_ids[0]
    assert wctx.store.watch_seen()[first][1] == "ignored"
    api.revise(first, api.items[first].contents + "<p>정정: 오탈자 수정</p>")
    again = one_pass(wctx, sender)
    assert first not in proposed(again)
    assert len(wctx.store.meetings()) == before + 1


def test_a_restarted_bot_still_answers_the_previews_posted_before(
    wctx: Context, api: FakeBriefingAPI
) -> None:
    sender = FakeSender()
    found = one_pass(wctx, sender)
    before = len(wctx.store.meetings())
    restarted = Context(Store(wctx.store.path), wctx.settings)  # nothing kept in memory
    [(_, first), (_, second), *_] = sender.accepted
    assert "새로 저장했습니다" in press(restarted, first, "저장").title
    assert len(restarted.store.meetings()) == before + 1
    assert "무시했습니다" in press(restarted, second, "무시").title
    waiting = handle(restarted, Request("telegram", ADMIN_TG, ADMIN_TG, "/import 목록"))
    assert f"제안 {len(found.proposals) - 2}건" in waiting.title
    tokens = {p.token for p in restarted.store.proposals()}
    shown = {line.label for section in waiting.sections for line in section.lines}
    assert shown <= tokens and len(shown) == min(len(tokens), LIST_LIMIT)
    token = sorted(shown)[0]
    again = handle(restarted, Request("telegram", ADMIN_TG, ADMIN_TG, f"/import show {token}"))
    assert "정책브리핑에" in again.title and [b.command for b in again.buttons] == [
        f"/import save {token}",
        f"/import ignore {token}",
    ]
    gone = handle(restarted, Request("telegram", ADMIN_TG, ADMIN_TG, "/import show nope"))
    assert gone.error and "/import list" in gone.title
    statuses = restarted.store.watch_seen()
    assert {statuses[i][1] for i in found.proposals[0].reading.news_ids} == {"saved"}
    assert {statuses[i][1] for i in found.proposals[1].reading.news_ids} == {"ignored"}


def test_a_preview_the_chat_refused_is_posted_next_pass_and_one_that_may_have_arrived_is_not(
    wctx: Context, api: FakeBriefingAPI
) -> None:
    sender = FakeSender()
    admin = f"telegram:{ADMIN_TG}"
    sender.script[admin] = [MaybeSent("read timeout"), RetryLater("429", after=1.0)]
    one_pass(wctx, sender)
    assert sender.accepted == []  # the first may have arrived; the second was refused
    posted = [p for p in wctx.store.proposals() if p.posted]
    assert len(posted) == 1  # the one that may have arrived is not posted again
    one_pass(wctx, sender)
    titles = [r.title for _, r in sender.accepted]
    assert len(titles) == watcher.MAX_PREVIEWS and len(set(titles)) == len(titles)
    assert not any(posted[0].token in b.command for _, r in sender.accepted for b in r.buttons)


def test_a_proposal_nobody_answers_is_let_go_after_expire_days(
    wctx: Context, api: FakeBriefingAPI
) -> None:
    sender = FakeSender()
    found = one_pass(wctx, sender)
    later = wctx.now() + dt.timedelta(days=watcher.EXPIRE_DAYS + 1)
    months = Context(wctx.store, wctx.settings, clock=lambda: later)
    expired = WATCHER_PASSES.labels(outcome="expired")._value.get()
    asyncio.run(watcher.run_pass(months, {"telegram": sender}))
    assert wctx.store.proposals() == []
    assert WATCHER_PASSES.labels(outcome="expired")._value.get() == expired + len(found.proposals)
    some = found.proposals[0].reading.news_ids[0]
    assert wctx.store.watch_seen()[some][1] == "expired"
    answer = press(months, sender.accepted[0][1], "저장")
    assert answer.error and "만료" in answer.title
    api.revise(some, api.items[some].contents + "<p>(정정) 일정 수정</p>")
    again = asyncio.run(watcher.run_pass(months, {"telegram": sender}, since=DAY.date()))
    assert some in proposed(again)  # a revision of a let-go release is proposed again


def test_a_release_whose_text_names_no_date_takes_its_approval_day(
    wctx: Context, api: FakeBriefingAPI
) -> None:
    [path] = [p for p in corpus_files() if p.name.startswith("14_")]
    with pytest.raises(ParseError):  # as a file, without the API's date, it cannot be dated
        reading.parse(path.read_text(encoding="utf-8"), today=DAY.date())
    found = watcher.collect(wctx, client(api), since=DAY.date())
    [release] = [p.reading.release for p in found.proposals if news_id(path) in p.reading.news_ids]
    assert release.meeting.date == DAY.date()
    assert "게시일" in release.warnings[0]


def test_a_database_with_proposals_restores_and_a_broken_proposal_is_refused(
    wctx: Context, api: FakeBriefingAPI
) -> None:
    one_pass(wctx)
    raw = wctx.store.file_bytes()
    assert raw is not None
    tables = parse_database(raw, "backup.json")
    assert len(tables["proposals"]) == len(wctx.store.proposals())
    key = next(iter(tables["proposals"]))
    del tables["proposals"][key]["release"]
    with pytest.raises(UsageError, match="proposals"):
        check_tables(tables, "backup.json")


def test_a_busy_store_loses_no_proposal_they_are_read_again_next_pass(
    wctx: Context, api: FakeBriefingAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    def busy(proposals: object) -> list[str]:
        raise Busy()

    with monkeypatch.context() as patch:
        patch.setattr(wctx.store, "propose", busy)
        refused = one_pass(wctx)
    assert refused.proposals and not refused.complete
    assert wctx.store.proposals() == [] and wctx.store.watch_cursor() == DAY.date()
    assert not {st for _, st in wctx.store.watch_seen().values()} & {"proposed"}
    again = one_pass(wctx)
    assert proposed(again) == proposed(refused) and again.complete
    assert len(wctx.store.proposals()) == len(refused.proposals)


def test_a_revision_is_noticed_and_proposed_as_one(wctx: Context, api: FakeBriefingAPI) -> None:
    sender = FakeSender()
    drain(wctx, sender)
    api.revise(MEETING_6, api.items[MEETING_6].contents + "<p>(정정) 참석자 명단 수정</p>")
    found = one_pass(wctx, sender)
    [revised] = found.proposals
    assert revised.revision  # proposed whole: with the meeting's other release and its item
    assert set(revised.reading.news_ids) == {MEETING_6, ATTACHED}
    assert len(revised.reading.release.items) == 3
    assert "수정된 보도자료" in sender.accepted[-1][1].title
    [outdated] = [r for _, r in sender.accepted[:-1] if MEETING_6 in r.title]
    assert "만료" in press(wctx, outdated, "저장").title  # the revision replaced it
    assert "새로 저장했습니다" in press(wctx, sender.accepted[-1][1], "저장").title


def test_a_revision_that_reads_the_same_keeps_the_waiting_preview(
    wctx: Context, api: FakeBriefingAPI
) -> None:
    sender = FakeSender()
    drain(wctx, sender)
    [waiting] = [p for p in wctx.store.proposals() if HWPX_ONLY in p.news]
    api.revise(HWPX_ONLY, api.items[HWPX_ONLY].contents + "<p>(정정) 담당자 연락처 수정</p>")
    posted = len(sender.accepted)
    assert proposed(one_pass(wctx, sender)) == {HWPX_ONLY}
    assert len(sender.accepted) == posted  # no second preview for the same content
    [still] = [p for p in wctx.store.proposals() if HWPX_ONLY in p.news]
    assert still.token == waiting.token and still.news != waiting.news


def test_a_revision_of_a_saved_meeting_is_offered_as_its_update(
    wctx: Context, api: FakeBriefingAPI
) -> None:
    sender = FakeSender()
    drain(wctx, sender)
    [saving] = [r for _, r in sender.accepted if MEETING_6 in r.title]
    [hwpx] = [r for _, r in sender.accepted if HWPX_ONLY in r.title]
    number = int(press(wctx, saving, "저장").title.split("번")[0])
    press(wctx, hwpx, "저장")
    before, posted = len(wctx.store.meetings()), len(sender.accepted)
    old_hash = wctx.store.watch_seen()[HWPX_ONLY][0]
    api.revise(MEETING_6, api.items[MEETING_6].contents + "<p>(정정) 참석자 명단 수정</p>")
    # The HWPX release's page changes, its attachment (what was read) does not.
    api.revise(HWPX_ONLY, api.items[HWPX_ONLY].contents + "<p>(정정) 담당자 연락처 수정</p>")
    found = one_pass(wctx, sender)
    assert proposed(found) == {MEETING_6, ATTACHED, HWPX_ONLY}
    [offer] = [r for _, r in sender.accepted[posted:]]  # nothing to offer for the HWPX one
    assert "수정된 보도자료" in offer.title
    assert f"저장된 {number}번 회의를 이 내용으로 갱신할까요?" in offer.title
    assert "갱신했습니다" in press(wctx, offer, "저장").title
    assert len(wctx.store.meetings()) == before  # updated in place, not added
    new_hash, status = wctx.store.watch_seen()[HWPX_ONLY]
    assert new_hash != old_hash and status == "saved"  # seen, and nothing to ask


def test_auto_mode_saves_each_meeting_once_and_tells_the_admin_chat(
    wctx: Context, api: FakeBriefingAPI
) -> None:
    auto = Context(wctx.store, dataclasses.replace(wctx.settings, watch_auto=True))
    before = len(auto.store.meetings())
    sender = FakeSender()
    first = one_pass(auto, sender)
    assert len(auto.store.meetings()) == before + len(first.proposals)
    assert all(not r.buttons for _, r in sender.accepted)
    assert "번 회의" in sender.accepted[0][1].title
    second = one_pass(auto, sender)
    assert second.proposals == [] and len(auto.store.meetings()) == before + len(first.proposals)
    api.revise(MEETING_6, api.items[MEETING_6].contents + "<p>(정정) 문구 수정</p>")
    one_pass(auto, sender)
    assert len(auto.store.meetings()) == before + len(first.proposals)  # updated, not added
    assert sender.accepted[-1][1].title.endswith("갱신했습니다.")


@pytest.mark.parametrize("kind", ["malformed", "html"])
def test_a_bad_answer_is_counted_not_raised_and_read_again_next_pass(
    wctx: Context, api: FakeBriefingAPI, kind: str
) -> None:
    counted = WATCHER_PASSES.labels(outcome=kind)._value.get()
    api.fail(kind)
    failed = one_pass(wctx)
    assert failed.errors and failed.proposals == [] and not failed.complete
    assert WATCHER_PASSES.labels(outcome=kind)._value.get() == counted + 1
    assert wctx.store.watch_cursor() is None  # the list was not read: the cursor stays
    assert len(one_pass(wctx).proposals) > 30  # read again in full


def test_attachments_are_named_by_link_text_path_or_query_and_only_readable_ones_kept() -> None:
    base = "https://www.korea.kr/briefing/pressReleaseView.do?newsId=1"
    links = [
        ('<a href="/files/a1">붙임1. 안건.hwpx</a>', "붙임1. 안건.hwpx"),
        ('<a href="https://x.kr/dl/%EC%95%88%EA%B1%B4.pdf">내려받기</a>', "안건.pdf"),
        (
            '<a href="/common/download.do?fileId=9&amp;fileName=%EB%B6%99%EC%9E%84.PDF">첨부</a>',
            "붙임.PDF",
        ),
        ('<a href="/common/download.do?fileId=8&amp;fileName=old.hwp">붙임.hwp</a>', None),
        ('<a href="/about">소개</a>', None),
    ]
    body = "".join(f"<p>{link}</p>" for link, _ in links)
    item = client_module.NewsItem("1", "제목", contents=body, url=base)
    found = watcher_candidates.attachments(item)
    assert [name for _, name in found] == [n for _, n in links if n]
    assert found[0][0] == "https://www.korea.kr/files/a1"  # relative links made absolute


def test_an_unreadable_attachment_is_counted_and_its_release_read_again_next_pass(
    wctx: Context, api: FakeBriefingAPI
) -> None:
    pdf = api.files.pop("anggun.pdf")
    counted = WATCHER_PASSES.labels(outcome="http")._value.get()
    sender = FakeSender()
    first = one_pass(wctx, sender)
    assert any("첨부파일" in e and "404" in e for e in first.errors)
    assert WATCHER_PASSES.labels(outcome="http")._value.get() == counted + 1
    assert ATTACHED not in proposed(first) and ATTACHED not in wctx.store.watch_seen()
    assert wctx.store.watch_cursor() == DAY.date()  # its day is read again
    api.files["anggun.pdf"] = pdf
    found: set[str] = set()
    while (later := one_pass(wctx, sender)).proposals:
        found |= proposed(later)
    assert ATTACHED in found and not later.errors


def test_a_release_unreadable_for_a_week_is_given_up_so_the_window_stops_growing(
    wctx: Context, api: FakeBriefingAPI
) -> None:
    old = DAY - dt.timedelta(days=10)
    link = f'<p><a href="{api.file_url("gone.pdf")}">붙임.pdf</a></p>'
    body = paragraphs(
        ["제5회 국가정책조정회의 안건 자료", "자세한 내용은 첨부파일을 참고하시기 바랍니다."]
    )
    api.add(Item("990003", "[참고] 제5회 국가정책조정회의 안건 자료", body + link, old))
    given_up = WATCHER_PASSES.labels(outcome="given-up")._value.get()
    asyncio.run(watcher.run_pass(wctx, {"telegram": FakeSender()}, since=old.date()))
    assert wctx.store.watch_seen()["990003"][1] == "unreadable"
    assert WATCHER_PASSES.labels(outcome="given-up")._value.get() == given_up + 1
    assert wctx.store.watch_cursor() == wctx.today()  # past it
    tries = api.file_calls.count("gone.pdf")
    asyncio.run(watcher.run_pass(wctx, {"telegram": FakeSender()}, since=old.date()))
    assert api.file_calls.count("gone.pdf") == tries


def test_a_hung_answer_times_out_and_is_tried_again(api: FakeBriefingAPI) -> None:
    api.fail("hang", retry_after=2.0)
    quick = BriefingClient(api.url, KEY, sleep=lambda s: None, timeout=httpx.Timeout(0.3))
    assert len(quick.releases(DAY.date(), DAY.date())) == 44
    api.fail("hang", times=2, retry_after=2.0)
    once = BriefingClient(api.url, KEY, sleep=lambda s: None, timeout=httpx.Timeout(0.3), retries=1)
    with pytest.raises(BriefingError) as error:
        once.releases(DAY.date(), DAY.date())
    assert error.value.kind == "retries"


def test_without_an_admin_chat_proposals_wait_and_are_posted_once_it_is_set(
    wctx: Context, api: FakeBriefingAPI
) -> None:
    silent = Context(wctx.store, dataclasses.replace(wctx.settings, admin_chat=""))
    found = one_pass(silent)
    assert found.proposals and found.complete
    assert len(wctx.store.proposals()) == len(found.proposals)
    assert not any(p.posted for p in wctx.store.proposals())
    listed = handle(wctx, Request("telegram", ADMIN_TG, ADMIN_TG, "/import list"))
    assert f"대기 중인 정책브리핑 제안 {len(found.proposals)}건" in listed.title
    sender = FakeSender()
    assert one_pass(wctx, sender).proposals == []  # nothing new to read
    assert len(sender.accepted) == watcher.MAX_PREVIEWS  # once the chat is set, they come


def test_a_meeting_saved_by_the_watcher_is_new_in_the_next_digest(
    wctx: Context, api: FakeBriefingAPI
) -> None:
    auto = Context(wctx.store, dataclasses.replace(wctx.settings, watch_auto=True))
    one_pass(auto)
    digest = render.text(build.preview(auto.store, "telegram:-100777", auto.now()))
    assert "제9차 사회관계장관회의" in digest and "청년 주거 지원 강화 방안" in digest


def test_429_waits_what_retry_after_says_and_500_backs_off(api: FakeBriefingAPI) -> None:
    waits: list[float] = []
    api.fail("429", retry_after=7)
    api.fail("500")
    items = client(api, waits).releases(DAY.date(), DAY.date())
    assert len(items) == 44
    assert waits == [7.0, 2.0]  # Retry-After, then the backoff of the second try
    assert [c.status for c in api.calls] == [429, 500, 200]


def test_retry_after_as_an_http_date_counts_from_the_answers_date() -> None:
    headers = httpx.Headers(
        {"retry-after": "Wed, 25 Nov 2026 01:00:30 GMT", "date": "Wed, 25 Nov 2026 01:00:00 GMT"}
    )
    assert client_module._retry_after(headers, 1.0) == 30.0
    assert client_module._retry_after(httpx.Headers({"retry-after": "soon"}), 1.0) == 1.0
    assert client_module._retry_after(httpx.Headers({"retry-after": "9999"}), 1.0) == 60.0


def test_retries_are_bounded(api: FakeBriefingAPI) -> None:
    api.fail("500", times=10)
    waits: list[float] = []
    with pytest.raises(BriefingError) as error:
        client(api, waits).releases(DAY.date(), DAY.date())
    assert error.value.kind == "retries" and len(api.calls) == 4 and len(waits) == 3


def test_paging_reads_every_page(api: FakeBriefingAPI) -> None:
    for n in range(150):
        api.add(Item(f"88{n:04d}", f"보도자료 {n}", "<p>내용</p>", DAY))
    items = client(api).releases(DAY.date() - dt.timedelta(days=4), DAY.date())
    assert len(items) == 194 and len({i.news_id for i in items}) == 194
    assert {c.params["pageNo"] for c in api.calls} == {"1", "2"}


def test_the_service_key_is_never_logged_nor_in_errors(
    wctx: Context, api: FakeBriefingAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # The Telegram adapter quietens httpx when it is imported (at collection): open it up
    # again here, so its request lines, with the URL the key travels in, are really logged.
    caplog.set_level(logging.DEBUG, logger="httpx")
    api.fail("500", times=10)
    failed = one_pass(wctx)
    wrong = BriefingClient(api.url, KEY + "x", sleep=lambda s: None)
    with pytest.raises(BriefingError) as error:
        wrong.releases(DAY.date(), DAY.date())
    assert "httpx" in caplog.text or "HTTP Request" in caplog.text  # httpx did log its URLs
    text = caplog.text + "\n".join(failed.errors) + str(error.value)
    for form in (KEY, quote(KEY, safe=""), quote_plus(KEY)):
        assert form not in text, form


def test_parse_page_refuses_what_is_not_a_list() -> None:
    for raw, kind in (
        (b"<!DOCTYPE html><html><body>error</body></html>", "html"),
        (b"<response><body><NewsItem>", "malformed"),
        (b"<response><header><resultCode>99</resultCode></header></response>", "api"),
    ):
        with pytest.raises(BriefingError) as error:
            parse_page(raw)
        assert error.value.kind == kind
    items, total = parse_page(
        b"<r><NewsItem><NewsItemId>1</NewsItemId><Title>t</Title></NewsItem></r>"
    )
    assert [i.news_id for i in items] == ["1"] and total is None


def test_cli_dry_run_prints_the_proposals_and_changes_nothing(
    api: FakeBriefingAPI,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "cli.json"
    for name, value in {
        "AGENDABOT_DB": str(db),
        "AGENDABOT_NOW": NOW,
        "AGENDABOT_BRIEFING_URL": api.url,
        "AGENDABOT_BRIEFING_KEY": KEY,
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["subscriptions"]) == 0  # creates and seeds the database
    before = db.read_bytes()
    assert main(["watch", "--dry-run", "--since", DAY.date().isoformat()]) == 0
    out = capsys.readouterr().out
    assert "제6회 국가정책조정회의" in out and ATTACHED in out and MEETING_6 in out
    assert db.read_bytes() == before
    assert Store(db).watch_seen() == {}


def test_cli_watch_in_auto_mode_stores_once(
    api: FakeBriefingAPI,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "auto.json"
    for name, value in {
        "AGENDABOT_DB": str(db),
        "AGENDABOT_NOW": NOW,
        "AGENDABOT_BRIEFING_URL": api.url,
        "AGENDABOT_BRIEFING_KEY": KEY,
        "AGENDABOT_WATCH_AUTO": "on",
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["watch", "--since", DAY.date().isoformat()]) == 0
    out = capsys.readouterr().out
    stored = len(Store(db).meetings())
    assert "제9차 사회관계장관회의" in out and "새로 저장했습니다" in out and stored > 30
    assert main(["watch"]) == 0  # from the cursor: today, all handled
    assert len(Store(db).meetings()) == stored
    monkeypatch.delenv("AGENDABOT_BRIEFING_KEY")
    assert main(["watch"]) == 2
    assert "AGENDABOT_BRIEFING_KEY" in capsys.readouterr().err


# --- end to end: `agendabot run` with the watcher on, against the fake Telegram API ---------


def keyboard(params: dict[str, Any]) -> dict[str, str]:
    """The inline keyboard of a sent message: label → callback data."""
    markup = params.get("reply_markup") or {}
    markup = json.loads(markup) if isinstance(markup, str) else markup
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


@pytest.mark.slow
def test_run_posts_one_admin_preview_saves_it_once_and_a_restart_does_not_propose_it_again(
    tmp_path: Path, seed_db: Path
) -> None:
    from tests.test_runner import free_port, start_bot, stop_bot

    corpus_files()  # skips without the corpus, as the whole module does
    db = tmp_path / "run.json"
    db.write_bytes(seed_db.read_bytes())
    before = len(Store(db).meetings())
    admin = int(ADMIN_TG)

    async def scenario(api: FakeBriefingAPI) -> None:
        async with FakeTelegramAPI() as tg:
            env = {
                **os.environ,
                "AGENDABOT_DB": str(db),
                "AGENDABOT_NOW": NOW,
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_BASE_URL": tg.base_url,
                "TELEGRAM_ADMINS": ADMIN_TG,
                "AGENDABOT_HTTP_PORT": str(free_port()),
                "AGENDABOT_BRIEFING_URL": api.url,
                "AGENDABOT_BRIEFING_KEY": KEY,
                "AGENDABOT_ADMIN_CHAT": f"telegram:{ADMIN_TG}",
            }
            proc = await start_bot(env)
            try:
                [preview] = await tg.wait_for("sendMessage", timeout=60)
                assert preview.params["chat_id"] == admin
                assert "제9차 사회관계장관회의" in preview.params["text"]
                keys = keyboard(preview.params)
                assert set(keys) == {"저장", "무시"}
                tg.push_callback(keys["저장"], message=preview.result, user_id=admin)
                [edited] = await tg.wait_for("editMessageText", timeout=30)
                assert "새로 저장했습니다" in edited.params["text"]
                tg.push_callback(keys["저장"], message=preview.result, user_id=admin)
                await tg.wait_for("editMessageText", 2, timeout=30)  # expired: not saved twice
            finally:
                code, err = await stop_bot(proc)
            assert code == 0, err[-2000:]
            assert KEY not in err and quote(KEY, safe="") not in err and TOKEN not in err
            list_calls = len(api.calls)
            proc = await start_bot(env)  # a restart: the release was handled
            try:
                await tg.wait_for("setMyCommands", 2, timeout=30)
                deadline = asyncio.get_running_loop().time() + 30
                while len(api.calls) == list_calls:  # the restarted bot's first pass
                    assert asyncio.get_running_loop().time() < deadline
                    await asyncio.sleep(0.1)
                await asyncio.sleep(1.0)
            finally:
                code, err = await stop_bot(proc)
            assert code == 0, err[-2000:]
            assert len(tg.sent(admin)) == 1  # no second preview

    with FakeBriefingAPI() as api:
        # A meeting of this week (the digest names only recent meetings as new).
        body = paragraphs(HWPX_LINES[1:])
        api.add(Item(HWPX_ONLY, HWPX_LINES[0], body, DAY + dt.timedelta(hours=12)))
        asyncio.run(scenario(api))
    store = Store(db)
    assert len(store.meetings()) == before + 1
    digest = render.text(build.preview(store, "telegram:-100777", dt.datetime.fromisoformat(NOW)))
    assert "새로 들어온 회의 1건" in digest and "제9차 사회관계장관회의" in digest
