"""Press-release files -> Document: every fixture (txt, html, pdf, hwpx, hwp) is generated here."""

from __future__ import annotations

import io
import logging
import re
import sys
import zipfile
from pathlib import Path

import pytest
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from bot.errors import ParseError
from bot.reading import formats
from bot.reading.formats import Document, read_bytes, read_document

HANGUL = re.compile(r"[가-힣]")
NEWS_URL = "https://www.korea.kr/briefing/pressReleaseView.do?newsId=156735670"
RELEASE = (
    "과학기술관계장관회의 개최\n"
    "□ 정부는 11월 24일(월) 10시 「제1회 과학기술관계장관회의」를 개최하였다.\n"
    "<안건 1> 인공지능 민생 10대 과제 추진 방안\n"
    "과기정통부는 2026년 말까지 데이터 구축·모델 개발을 완료할 계획이다.\n"
)
HWP_LINE = "HWP 파일은 읽을 수 없습니다: {} (한글에서 HWPX나 PDF로 저장해 가져오세요)"


def refused(error: pytest.ExceptionInfo[ParseError], name: str, fragment: str) -> None:
    """The error is a ParseError of one Korean line that names the file."""
    message = str(error.value)
    assert isinstance(error.value, ParseError)
    assert fragment in message
    assert name in message
    assert "\n" not in message
    assert HANGUL.search(message.replace(name, ""))


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- txt --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp949", b""), ("euc-kr", b""), ("utf-16", b"")],
)
def test_txt_encodings(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    path = write(tmp_path, "release.txt", prefix + RELEASE.encode(encoding))
    assert read_document(path) == Document(text=RELEASE, name="release.txt", url=None, format="txt")


def test_txt_crlf(tmp_path: Path) -> None:
    path = write(tmp_path, "crlf.txt", RELEASE.replace("\n", "\r\n").encode("utf-8"))
    assert read_document(path).text == RELEASE


@pytest.mark.parametrize(
    ("tail", "url"),
    [
        (f"원문: {NEWS_URL}.", NEWS_URL),
        (
            "자료: https://www.korea.kr/news/policyNewsView.do?newsId=148900000&pWise=main",
            "https://www.korea.kr/news/policyNewsView.do?newsId=148900000",
        ),
        ("(newsId=156735670)", NEWS_URL),
        ("정책브리핑 https://www.korea.kr/main.do", None),
    ],
)
def test_txt_url(tail: str, url: str | None) -> None:
    assert read_bytes((RELEASE + tail).encode(), "release.txt").url == url


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "빈 파일"),
        (b"   \n\n", "빈 파일"),
        (b"\x00\x01\x02 binary \x00", "바이너리"),
        (b"plain ascii text, no Korean at all", "한글 본문이 없습니다"),
        (b"\xff\xfe\xfd\x80\x81\x82 broken", "인코딩"),
    ],
)
def test_txt_unreadable(tmp_path: Path, content: bytes, fragment: str) -> None:
    with pytest.raises(ParseError) as error:
        read_document(write(tmp_path, "bad.txt", content))
    refused(error, "bad.txt", fragment)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ParseError) as error:
        read_document(tmp_path / "nope.txt")
    refused(error, "nope.txt", "찾을 수 없습니다")
    with pytest.raises(ParseError) as error:
        read_document(tmp_path)
    refused(error, str(tmp_path), "폴더")


# --- html -------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html lang="ko"><head>
<meta {charset}>
<title>제1회 과학기술관계장관회의 | 보도자료 | 대한민국 정책브리핑</title>
<meta property="og:title" content="과기정통부, 제1회 과학기술관계장관회의 개최">
<link rel="canonical" href="{canonical}">
<script>var menu = "스크립트 메뉴"; if (a < b) {{ go(); }}</script>
<style>.view_cont {{ color: red; }}</style>
</head><body>
<header><h1>대한민국 정책브리핑</h1><nav><ul><li>브리핑룸</li><li>정책뉴스</li></ul></nav></header>
<div id="container">
  <aside>많이 본 뉴스</aside>
  <div class="view_cont">
    <p>□ 정부는 11월 24일(월) 10시 「제1회 과학기술관계장관회의」를 개최하였다.</p>
    <p><strong>&lt;안건 1&gt;</strong> 인공지능 민생 10대 과제 추진 방안</p>
    <p>과기정통부는 2026년 말까지 데이터 구축&middot;모델 개발을&nbsp;완료할 계획이다.<br>
       2027년부터는   서비스 확산에 나선다.</p>
    <table>
      <tr><th>안건</th><th>담당 부처</th></tr>
      <tr><td>인공지능 민생 10대 과제</td><td>과기정통부<br>행안부</td></tr>
    </table>
    <div>문의: 과기정통부 <a href="#">인공지능정책과</a><!-- 편집자 메모: 삭제 --></div>
  </div>
</div>
<footer>저작권 대한민국 정책브리핑</footer>
<form><label>검색어</label><input name="q"></form>
</body></html>
"""
PAGE_LINES = [
    "과기정통부, 제1회 과학기술관계장관회의 개최",
    "□ 정부는 11월 24일(월) 10시 「제1회 과학기술관계장관회의」를 개최하였다.",
    "<안건 1> 인공지능 민생 10대 과제 추진 방안",
    "과기정통부는 2026년 말까지 데이터 구축·모델 개발을 완료할 계획이다.",
    "2027년부터는 서비스 확산에 나선다.",
    "안건 | 담당 부처",
    "인공지능 민생 10대 과제 | 과기정통부 행안부",
    "문의: 과기정통부 인공지능정책과",
]


@pytest.mark.parametrize(
    ("charset", "encoding"),
    [
        ('charset="utf-8"', "utf-8"),
        ('charset="euc-kr"', "cp949"),
        ('http-equiv="Content-Type" content="text/html; charset=EUC-KR"', "euc-kr"),
        ('name="viewport"', "cp949"),  # nothing declared: UTF-8 fails, CP949 is tried
    ],
)
def test_korea_kr_page(tmp_path: Path, charset: str, encoding: str) -> None:
    page = PAGE.format(charset=charset, canonical=NEWS_URL)
    document = read_document(write(tmp_path, "briefing.html", page.encode(encoding)))
    assert document.text.split("\n") == PAGE_LINES
    assert document.url == NEWS_URL
    assert (document.format, document.name) == ("html", "briefing.html")


def test_title_kept_out_when_already_in_body() -> None:
    page = PAGE.format(charset='charset="utf-8"', canonical=NEWS_URL).replace(
        "과기정통부, 제1회 과학기술관계장관회의 개최", "인공지능 민생 10대 과제 추진 방안"
    )
    assert read_bytes(page.encode(), "page.htm").text.split("\n") == PAGE_LINES[1:]


@pytest.mark.parametrize(
    "head",
    [
        f'<meta property="og:url" content="{NEWS_URL}">',
        '<script src="/js/view.js?newsId=156735670"></script>',
    ],
)
def test_url_without_canonical(head: str) -> None:
    page = f"<html><head>{head}</head><body><p>보도자료 본문입니다.</p></body></html>"
    assert read_bytes(page.encode(), "page.html").url == NEWS_URL


def test_page_without_known_container_keeps_the_dense_block() -> None:
    page = """<html><body>
    <div class="top">홈 로그인 회원가입</div>
    <div class="wrap"><div class="text">
      <p>정부는 오늘 과학기술관계장관회의를 열어 인공지능 민생 과제를 논의하였다.</p>
      <p>과기정통부는 관계부처와 함께 내년 말까지 후속 조치를 마무리할 계획이다.</p>
    </div><div class="side">광고</div></div></body></html>"""
    document = read_bytes(page.encode(), "sniffed.txt")  # content beats the extension
    assert document.format == "html"
    assert document.text.split("\n") == [
        "정부는 오늘 과학기술관계장관회의를 열어 인공지능 민생 과제를 논의하였다.",
        "과기정통부는 관계부처와 함께 내년 말까지 후속 조치를 마무리할 계획이다.",
    ]
    assert document.url is None


def test_deep_and_wide_pages() -> None:
    """Thousands of levels or rows: no RecursionError, and no quadratic slowdown."""
    deep = "<div>" * 2000 + "<p>깊은 본문</p>" + "</div>" * 2000
    assert read_bytes(f"<html><body>{deep}</body></html>".encode(), "deep.html").text == "깊은 본문"
    rows = "<tr><td>가</td><td>나<br>다</td></tr>" * 800
    wide = f"<html><body><table>{rows}</table></body></html>".encode()
    assert read_bytes(wide, "wide.html").text.split("\n") == ["가 | 나 다"] * 800


def test_page_without_hangul() -> None:
    with pytest.raises(ParseError) as error:
        read_bytes(b"<html><body><p>English only</p></body></html>", "en.html")
    refused(error, "en.html", "한글 본문이 없습니다")


# --- pdf --------------------------------------------------------------------------------------

FONT = "HYSMyeongJo-Medium"  # reportlab's built-in Korean CID font: no font file needed
PDF_PAGES = [
    ["과학기술관계장관회의 개최", "<안건 1> 「인공지능 민생 10대 과제」 추진 방안"],
    ["’25.12월까지 데이터 구축·모델 개발 완료", "문의: 과기정통부 인공지능정책과 (044-202-6000)"],
]


def make_pdf(pages: list[list[str]], encrypt: StandardEncryption | None = None) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt=encrypt)
    for lines in pages:
        pdf.setFont(FONT, 11)
        for row, line in enumerate(lines):
            pdf.drawString(60, 780 - 18 * row, line)
        pdf.rect(60, 60, 100, 100)  # some drawing, as a scanned page would have
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def test_pdf_two_pages(tmp_path: Path) -> None:
    document = read_document(write(tmp_path, "release.pdf", make_pdf(PDF_PAGES)))
    assert document.text.split("\n") == PDF_PAGES[0] + PDF_PAGES[1]
    assert (document.format, document.url) == ("pdf", None)


def test_pdf_with_owner_password_only_is_read() -> None:
    data = make_pdf(PDF_PAGES[:1], StandardEncryption("", ownerPassword="owner"))
    assert read_bytes(data, "locked.pdf").text.split("\n") == PDF_PAGES[0]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (make_pdf([[]]), "PDF에 글자 층이 없습니다(스캔 이미지)"),
        (make_pdf(PDF_PAGES, StandardEncryption("secret")), "암호"),
        (b"%PDF-1.4 not really a pdf", "PDF 파일이 손상"),
        (b"no pdf at all", "PDF 파일이 손상"),
    ],
)
def test_pdf_unreadable(data: bytes, fragment: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="pypdf")
    with pytest.raises(ParseError) as error:
        read_bytes(data, "scan.pdf")
    refused(error, "scan.pdf", fragment)
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]


# --- hwpx / hwp ---------------------------------------------------------------------------------

HP = "http://www.hancom.co.kr/hwpml/2011/paragraph"
HS = "http://www.hancom.co.kr/hwpml/2011/section"
OPF = "http://www.idpf.org/2007/opf/"


def section(*paragraphs: str) -> str:
    body = "".join(paragraphs)
    return f'<?xml version="1.0" encoding="UTF-8"?><hs:sec xmlns:hp="{HP}" xmlns:hs="{HS}">{body}</hs:sec>'


def para(*runs: str) -> str:
    inner = "".join(f'<hp:run charPrIDRef="0">{run}</hp:run>' for run in runs)
    return f'<hp:p id="0" paraPrIDRef="0" styleIDRef="0">{inner}</hp:p>'


def cell(text: str) -> str:
    return f"<hp:tc><hp:subList>{para(f'<hp:t>{text}</hp:t>')}</hp:subList></hp:tc>"


SECTION0 = section(
    para('<hp:secPr id=""/><hp:ctrl><hp:colPr id="" type="NEWSPAPER"/></hp:ctrl>'),
    para("<hp:t>과학기술관계장관회의 개최</hp:t>"),
    para("<hp:t>&lt;안건 1&gt; </hp:t>", "<hp:t>「인공지능 민생 10대 과제」</hp:t>"),
    para('<hp:t>구분<hp:tab width="4000" leader="0" type="1"/>내용</hp:t>'),
    para("<hp:t>첫 줄<hp:lineBreak/>둘째 줄</hp:t>"),
    para("<hp:t/>"),
    para(
        '<hp:tbl rowCnt="2" colCnt="2">'
        f"<hp:tr>{cell('안건')}{cell('담당 부처')}</hp:tr>"
        f"<hp:tr>{cell('인공지능 민생 과제')}{cell('과기정통부')}</hp:tr></hp:tbl>"
    ),
)
SECTION1 = section(para("<hp:t>’25.12월까지 데이터 구축 완료</hp:t>"))
HWPX_LINES = [
    "과학기술관계장관회의 개최",
    "<안건 1> 「인공지능 민생 10대 과제」",
    "구분\t내용",
    "첫 줄",
    "둘째 줄",
    "안건",
    "담당 부처",
    "인공지능 민생 과제",
    "과기정통부",
    "’25.12월까지 데이터 구축 완료",
]
CONTENT_HPF = (
    f'<opf:package xmlns:opf="{OPF}"><opf:manifest>'
    '<opf:item id="header" href="Contents/header.xml" media-type="application/xml"/>'
    '<opf:item id="section1" href="Contents/section1.xml" media-type="application/xml"/>'
    '<opf:item id="section0" href="Contents/section0.xml" media-type="application/xml"/>'
    '</opf:manifest><opf:spine><opf:itemref idref="header" linear="yes"/>'
    '<opf:itemref idref="section0" linear="yes"/><opf:itemref idref="section1" linear="yes"/>'
    "</opf:spine></opf:package>"
)


def make_hwpx(members: dict[str, str], mimetype: str | None = "application/hwp+zip") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if mimetype:  # first and stored, as Hangul writes it: readable by sniffing the head
            archive.writestr("mimetype", mimetype, zipfile.ZIP_STORED)
        for name, text in members.items():
            archive.writestr(name, text, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


HWPX = make_hwpx(
    {
        "Contents/content.hpf": CONTENT_HPF,
        "Contents/header.xml": f'<hh:head xmlns:hh="{HP}/head"/>',
        "Contents/section1.xml": SECTION1,
        "Contents/section0.xml": SECTION0,
    }
)


def test_hwpx(tmp_path: Path) -> None:
    document = read_document(write(tmp_path, "release.hwpx", HWPX))
    assert document.text.split("\n") == HWPX_LINES
    assert (document.format, document.name, document.url) == ("hwpx", "release.hwpx", None)


def test_hwpx_without_package_reads_sections_in_numeric_order() -> None:
    data = make_hwpx({"Contents/section10.xml": SECTION1, "Contents/section2.xml": SECTION0})
    assert read_bytes(data, "noext").text.split("\n") == HWPX_LINES  # sniffed by its mimetype


def test_hwpx_zip_bombs(monkeypatch: pytest.MonkeyPatch) -> None:
    members = {f"Contents/bin{i}.xml": "" for i in range(formats.MAX_MEMBERS)}
    with pytest.raises(ParseError) as error:
        read_bytes(make_hwpx(members), "bomb.hwpx")
    refused(error, "bomb.hwpx", "압축 폭탄")
    monkeypatch.setattr(formats, "MAX_UNZIPPED", 1000)
    with pytest.raises(ParseError) as error:
        read_bytes(HWPX, "big.hwpx")
    refused(error, "big.hwpx", "압축 폭탄")


@pytest.mark.parametrize(
    "data",
    [b"PK\x03\x04 truncated", make_hwpx({"Contents/section0.xml": "<hs:sec><hp:p>"})],
)
def test_hwpx_damaged(data: bytes) -> None:
    with pytest.raises(ParseError) as error:
        read_bytes(data, "broken.hwpx")
    refused(error, "broken.hwpx", "HWPX 파일이 손상")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("보도자료.hwp", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)),
        ("renamed.txt", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)),
        ("text-but.hwp", RELEASE.encode()),
    ],
)
def test_hwp_refused(tmp_path: Path, name: str, data: bytes) -> None:
    with pytest.raises(ParseError) as error:
        read_document(write(tmp_path, name, data))
    assert str(error.value) == HWP_LINE.format(tmp_path / name)


# --- other formats, size limit, stdin --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("release.docx", make_hwpx({"word/document.xml": "<w:document/>"}, mimetype=None)),
        ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ("photo.txt", b"\xff\xd8\xff\xe0\x00\x10JFIF"),
        ("sheet.xlsx", RELEASE.encode()),
    ],
)
def test_other_formats_refused(name: str, data: bytes) -> None:
    with pytest.raises(ParseError) as error:
        read_bytes(data, name)
    refused(error, name, "지원하지 않는 파일 형식입니다")
    assert "txt·html·pdf·hwpx" in str(error.value)


def test_too_big(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formats, "MAX_BYTES", 100)
    path = write(tmp_path, "huge.txt", "가".encode() * 50)
    with pytest.raises(ParseError) as error:
        read_document(path)
    refused(error, "huge.txt", "너무 큽니다")
    with pytest.raises(ParseError) as error:
        read_bytes(HWPX, "huge.hwpx")
    refused(error, "huge.hwpx", "너무 큽니다")


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(RELEASE.encode("cp949"))))
    assert read_document("-") == Document(text=RELEASE, name="-", url=None, format="txt")


def test_stdin_too_big_is_not_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formats, "MAX_BYTES", 100)
    raw = io.BytesIO("가".encode() * 1000)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(raw))
    with pytest.raises(ParseError) as error:
        read_document("-")
    refused(error, "-", "너무 큽니다")
    assert raw.tell() == 101
