"""/search: ranked items and follow-ups for Korean words, whatever their endings."""

from __future__ import annotations

from bot.commands.base import Call, command
from bot.reply import Line, Reply, Section

USAGE = "/search 검색어 (예: /search 보이스피싱)"


@command(
    "search",
    usage=USAGE,
    summary="안건·후속조치 검색 (조사·어미 무관)",
    examples=("/search 보이스피싱", "/search 데이터 구축", "/search 휴머노이드"),
    cacheable=True,
)
def search(call: Call) -> Reply:
    """안건(제목·요약·본문)과 후속조치를 검색해 관련도 순으로, 일치한 부분과 함께 보여 줍니다.
    형태소 분석을 하므로 '보이스피싱을'로 찾아도 '보이스피싱'이 나옵니다."""
    query = " ".join(call.args).strip()
    if not query:
        raise call.usage_error("검색어를 입력하세요.")
    if len(query) > 100:
        raise call.usage_error("검색어는 100자 이내로 입력하세요.")
    store = call.ctx.store
    hits = call.ctx.searcher.search(query, limit=30)
    lines = []
    for hit in hits:
        if hit.kind == "item":
            m, n = (int(x) for x in hit.ref.split("."))
            text = store.item(m, n).title
        else:
            fu = store.followup(hit.ref)
            text = f"후속조치: {fu.text} — {fu.owner}"
        lines.append(Line(label=hit.ref, text=text, detail=hit.snippet))
    if not lines:
        return Reply(title=f"'{query}' 검색 결과가 없습니다.", footer="다른 낱말로 찾아보세요.")
    return Reply(
        title=f"'{query}' 검색 결과 {len(lines)}건", sections=(Section(lines=tuple(lines)),)
    )
