"""Press-release file (txt, html, pdf, hwpx) -> plain text for the parser.

Each format has one reader taking the file's bytes and returning (text, url); `read_bytes`
picks the reader from the content first and the file name second. Every failure is a
`ParseError` with one Korean line naming the file: library exceptions never reach the user.
"""

from __future__ import annotations

import io
import logging
import os
import posixpath
import re
import stat
import sys
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeGuard

from bs4 import BeautifulSoup, Tag
from bs4.element import PageElement, PreformattedString
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError

from bot.errors import ParseError

log = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024  # the one size limit: `bot.intake.SIZE_LIMIT` is this too
MAX_UNZIPPED = 100 * 1024 * 1024  # an HWPX press release is well under 10 MB unpacked
MAX_MEMBERS = 2000

SUPPORTED = "txt·html·pdf·hwpx만 읽을 수 있습니다"
_HANGUL = re.compile(r"[가-힣]")
_KOREA_URL = re.compile(r"https?://(?:www\.)?korea\.kr/[^\s\"'<>()\[\]]*?newsId=\d+")
_NEWS_ID = re.compile(r"newsId=(\d+)")
_NEWS_URL = "https://www.korea.kr/briefing/pressReleaseView.do?newsId={}"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML_START = re.compile(rb"<(?:!doctype\s+html|html|head|body)[\s>]", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_KOREAN_CHARSETS = {"euc-kr", "euc_kr", "ks_c_5601-1987", "ksc5601", "windows-949", "x-windows-949"}
_UNSUPPORTED_EXT = {".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".rtf", ".zip"}
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*", b"RIFF")

# Page chrome that never holds the release, and the body containers of korea.kr pages.
_JUNK = ["script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template"]
_BODY_SELECTORS = ("div.view_cont", "div.article_body", "article", "#content")
_BLOCKS = {
    *("p", "div", "li", "table", "ul", "ol", "dl", "dt", "dd", "section", "article", "main"),
    *("h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "caption", "figure", "hr"),
}
_PACKAGE = "Contents/content.hpf"
_SECTION = re.compile(r"Contents/section(\d+)\.xml")
_HWPX_CHARS = {"tab": "\t", "lineBreak": "\n", "nbSpace": " ", "fwSpace": " ", "hyphen": "-"}


@dataclass(frozen=True)
class Document:
    """A press release read from a file, ready for `pressrelease.parse`."""

    text: str  # plain text, lines separated by "\n", paragraphs kept as lines
    name: str  # file name (or "-" for stdin)
    url: str | None  # the 정책브리핑 (korea.kr) URL when the document tells it, else None
    format: str  # "txt" | "html" | "pdf" | "hwpx"


def read_document(path: str | Path) -> Document:
    """Read a press release from a file, or from standard input when path is "-".

    Raises:
        ParseError: one Korean line naming the file, when it is missing, too large,
            of an unsupported format, damaged, or holds no Hangul.
    """
    if str(path) == "-":
        data = _read_limited(sys.stdin.buffer, "표준 입력(-)")
        return _read(data, "-", "표준 입력(-)")
    path = Path(path)
    return _read(_read_file(path, str(path)), path.name, str(path))


def file_bytes(path: str | Path) -> bytes:
    """The bytes of a regular file of at most `MAX_BYTES`, for other readers of users' files
    (`agendabot import meeting.json`): a directory, device, FIFO or socket is refused from
    `stat` without being opened, and a bigger file before it is read.

    Raises:
        ParseError: one Korean line naming the file.
    """
    return _read_file(Path(path), str(path))


def read_bytes(data: bytes, name: str) -> Document:
    """Read a press release already in memory; `name` gives the extension and the messages."""
    return _read(data, name, name)


def _read(data: bytes, name: str, label: str) -> Document:
    if len(data) > MAX_BYTES:
        raise _too_big(label)
    if not data.strip():
        raise _error("빈 파일입니다", label)
    fmt = _sniff(data, name, label)
    text, url = _READERS[fmt](data, label)
    if not _HANGUL.search(text):
        raise _error("한글 본문이 없습니다", label)
    return Document(text=text, name=name, url=url, format=fmt)


def _sniff(data: bytes, name: str, label: str) -> str:
    """The format from magic bytes first, then from the extension; refuse what we cannot read."""
    ext = Path(name).suffix.lower()
    head = data[:2048]
    if head.startswith(_OLE_MAGIC) or ext == ".hwp":
        raise _error(
            "HWP 파일은 읽을 수 없습니다", label, "한글에서 HWPX나 PDF로 저장해 가져오세요"
        )
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if b"application/hwp+zip" in head[:256] or ext == ".hwpx":
            return "hwpx"
        raise _unsupported(label)  # docx, xlsx, plain zip…
    if head.startswith(_IMAGE_MAGIC) or ext in _UNSUPPORTED_EXT:
        raise _unsupported(label)
    if _HTML_START.search(head) or ext in (".html", ".htm"):
        return "html"
    return {".pdf": "pdf", ".hwpx": "hwpx"}.get(ext, "txt")


# --- bytes in -----------------------------------------------------------------------------------


# What a path that is not a regular file is, in the refusal: a device such as /dev/zero never
# ends and a FIFO blocks whoever opens it, so they are refused from `stat`, before any `open`.
_NOT_REGULAR: tuple[tuple[Callable[[int], bool], str], ...] = (
    (stat.S_ISDIR, "폴더"),
    (stat.S_ISFIFO, "파이프(FIFO)"),
    (stat.S_ISCHR, "장치 파일"),
    (stat.S_ISBLK, "장치 파일"),
    (stat.S_ISSOCK, "소켓"),
)
# Opening never waits: were a FIFO put in the file's place after `stat`, `open` would block.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def _read_file(path: Path, label: str) -> bytes:
    """The file's bytes, for a regular file of at most `MAX_BYTES` (checked before reading)."""
    try:
        _check_regular(path.stat(), label)
        descriptor = os.open(path, _OPEN_FLAGS)
        with open(descriptor, "rb") as stream:
            _check_regular(os.fstat(descriptor), label)  # the file opened is the one checked
            return _read_limited(stream, label)
    except FileNotFoundError:
        raise _error("파일을 찾을 수 없습니다", label) from None
    except OSError as exc:
        raise _error("파일을 읽을 수 없습니다", label, exc.strerror or "") from None


def _check_regular(info: os.stat_result, label: str) -> None:
    """Refuse what is not a regular file, and a file over the size limit."""
    if not stat.S_ISREG(info.st_mode):
        kind = next((kind for test, kind in _NOT_REGULAR if test(info.st_mode)), "특수 파일")
        raise _error(f"파일이 아니라 {kind}입니다", label, "보도자료 파일을 지정하세요")
    if info.st_size > MAX_BYTES:
        raise _too_big(label)  # refuse before reading 20 MB+ into memory


def _read_limited(stream: BinaryIO, label: str) -> bytes:
    data = stream.read(MAX_BYTES + 1)  # never more: stdin has no size to check first
    if len(data) > MAX_BYTES:
        raise _too_big(label)
    return data


def _decode(data: bytes, label: str, declared: str | None = None) -> str:
    """Decode like `pressrelease.read_text` did: UTF-16 BOM, declared charset, UTF-8, CP949."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _newlines(data.decode("utf-16"))
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise _error("텍스트 파일이 아닙니다(바이너리)", label, SUPPORTED)
    first = [] if declared is None or data.startswith(b"\xef\xbb\xbf") else [declared]
    for encoding in [*first, "utf-8-sig", "cp949"]:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
        if controls > len(text) // 100:
            raise _error("텍스트 파일이 아닙니다(바이너리)", label, SUPPORTED)
        return _newlines(text)
    raise _error("문자 인코딩을 알 수 없습니다(UTF-8·CP949 아님)", label)


# --- one reader per format --------------------------------------------------------------------


def _read_txt(data: bytes, label: str) -> tuple[str, str | None]:
    text = _decode(data, label)
    return text, _url_in_text(text)


def _read_html(data: bytes, label: str) -> tuple[str, str | None]:
    declared = _META_CHARSET.search(data[:4096])
    charset = declared.group(1).decode("ascii").lower() if declared else None
    html = _decode(data, label, "cp949" if charset in _KOREAN_CHARSETS else charset)
    try:
        soup = BeautifulSoup(html, "lxml")
        url = _html_url(soup, html)
        for junk in soup.find_all(_JUNK):
            junk.decompose()
        title = _html_title(soup)
        lines = _html_lines(_main_container(soup))
    except Exception:  # bs4 rarely fails, but a traceback must never reach the user
        log.debug("bs4 failed on %s", label, exc_info=True)
        raise _error("HTML 파일을 읽을 수 없습니다", label) from None
    if title and _squash(title) not in _squash("".join(lines)):
        lines.insert(0, title)
    return "\n".join(lines), url


def _read_pdf(data: bytes, label: str) -> tuple[str, str | None]:
    try:
        with _quiet("pypdf"):
            pages = [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]
    except FileNotDecryptedError:
        raise _error("암호가 걸린 PDF입니다", label, "암호를 풀어 다시 저장해 가져오세요") from None
    except Exception:  # pypdf signals damage with many exception types (PdfReadError, KeyError…)
        log.debug("pypdf failed on %s", label, exc_info=True)
        raise _error("PDF 파일이 손상되었거나 PDF가 아닙니다", label) from None
    text = "\n".join(_tidy("\n".join(pages).splitlines()))
    if not text:
        hint = "본문을 텍스트로 저장해 가져오세요"
        raise _error("PDF에 글자 층이 없습니다(스캔 이미지)", label, hint)
    return text, _url_in_text(text)


def _read_hwpx(data: bytes, label: str) -> tuple[str, str | None]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNZIPPED:
                raise _error("압축을 풀면 너무 큰 HWPX 파일입니다(압축 폭탄 의심)", label)
            lines: list[str] = []
            for name in _section_order(archive):
                _hwpx_lines(ET.fromstring(archive.read(name)), lines)
    except ParseError:
        raise
    except Exception:  # BadZipFile, zlib.error, expat errors, CRC mismatch…
        log.debug("HWPX reading failed on %s", label, exc_info=True)
        raise _error("HWPX 파일이 손상되었습니다", label) from None
    text = "\n".join(line for line in lines if line.strip())
    return text, _url_in_text(text)


_READERS: dict[str, Callable[[bytes, str], tuple[str, str | None]]] = {
    "txt": _read_txt,
    "html": _read_html,
    "pdf": _read_pdf,
    "hwpx": _read_hwpx,
}


# --- HTML helpers -------------------------------------------------------------------------------


def _main_container(soup: BeautifulSoup) -> Tag:
    """The known korea.kr body container, else the smallest block with 80% of the Hangul."""
    for selector in _BODY_SELECTORS:
        node = soup.select_one(selector)
        if node is not None and _HANGUL.search(node.get_text()):
            return node
    return _densest(soup.body or soup)


def _densest(root: Tag) -> Tag:
    """Descend while one child holds 80% of the Hangul: leftover menus and banners fall away."""
    counts = _hangul_counts(root)
    need, node = 0.8 * counts[id(root)], root
    while need:
        inner = next(
            (c for c in node.children if isinstance(c, Tag) and counts[id(c)] >= need), None
        )
        if inner is None:
            break
        node = inner
    return node


def _hangul_counts(root: Tag) -> dict[int, int]:
    """Hangul letters under each tag, in one bottom-up pass (pages can nest thousands deep)."""
    counts: dict[int, int] = {}
    for tag in [root, *root.find_all(True)][::-1]:  # children come after their parents
        counts[id(tag)] = sum(
            counts[id(c)] if isinstance(c, Tag) else len(_HANGUL.findall(_visible(c)))
            for c in tag.children
        )
    return counts


def _html_lines(node: Tag) -> list[str]:
    """Block elements become line breaks, and each table row one line of " | "-joined cells."""
    parts: list[str] = []
    stack: list[PageElement | None] = [node]  # None closes a block
    while stack:  # a loop, not recursion: the tree can be deeper than Python's stack
        item = stack.pop()
        if item is None or (isinstance(item, Tag) and item.name == "br"):
            parts.append("\n")
        elif isinstance(item, Tag) and item.name == "tr":
            cells = [" ".join(_html_lines(c)) for c in item.children if _is(c, "td", "th")]
            parts.append("\n" + " | ".join(c for c in cells if c) + "\n")
        elif isinstance(item, Tag):
            if item.name in _BLOCKS:
                parts.append("\n")
                stack.append(None)
            stack.extend(reversed(item.contents))
        else:
            parts.append(_visible(item))
    return _tidy("".join(parts).split("\n"))


def _is(element: PageElement, *names: str) -> TypeGuard[Tag]:
    return isinstance(element, Tag) and element.name in names


def _visible(element: PageElement) -> str:
    """A text node as shown; comments, doctypes and CDATA show nothing."""
    return "" if isinstance(element, PreformattedString) else str(element)


def _html_title(soup: BeautifulSoup) -> str:
    og_title = (soup.head or soup).find("meta", attrs={"property": "og:title"})
    if isinstance(og_title, Tag) and _squash_spaces(str(og_title.get("content") or "")):
        return _squash_spaces(str(og_title.get("content")))
    title = (soup.head or soup).find("title")
    if isinstance(title, Tag) and title.get_text().strip():
        return _squash_spaces(title.get_text().split("|")[0])  # drop "| 정책브리핑" suffixes
    h1 = soup.find("h1")
    return _squash_spaces(h1.get_text()) if isinstance(h1, Tag) else ""


def _html_url(soup: BeautifulSoup, html: str) -> str | None:
    head = soup.head or soup  # a page's own URL is declared in <head>; pages can be huge
    canonical = head.find("link", rel="canonical")
    og_url = head.find("meta", attrs={"property": "og:url"})
    for tag, attr in ((canonical, "href"), (og_url, "content")):
        value = str(tag.get(attr) or "").strip() if isinstance(tag, Tag) else ""
        if value.startswith(("http://", "https://")):
            return value
    news_id = _NEWS_ID.search(html)
    return _NEWS_URL.format(news_id.group(1)) if news_id else None


# --- HWPX helpers -------------------------------------------------------------------------------


def _section_order(archive: zipfile.ZipFile) -> list[str]:
    """Sections in reading order: the package spine when there is one, else by number."""
    names = set(archive.namelist())
    # Contents/content.hpf in practice; another .hpf if a writer put it elsewhere.
    packages = sorted((n for n in names if n.endswith(".hpf")), key=lambda n: n != _PACKAGE)
    for package in packages[:1]:
        root = ET.fromstring(archive.read(package))
        hrefs = {e.get("id"): e.get("href") or "" for e in root.iter() if _local(e) == "item"}
        spine = [hrefs.get(e.get("idref"), "") for e in root.iter() if _local(e) == "itemref"]
        base = posixpath.dirname(package)
        ordered = [h if h in names else posixpath.join(base, h) for h in spine or hrefs.values()]
        sections = [n for n in ordered if n in names and re.search(r"section\d+\.xml$", n)]
        if sections:
            return sections
    numbered = [(int(m.group(1)), n) for n in names if (m := _SECTION.fullmatch(n))]
    return [n for _, n in sorted(numbered)]


def _hwpx_lines(element: ET.Element, lines: list[str]) -> None:
    """Append one line per paragraph `p`; paragraphs nested in it (table cells) follow it."""
    if _local(element) != "p":
        for child in element:
            _hwpx_lines(child, lines)
        return
    parts: list[str] = []
    nested: list[ET.Element] = []
    _paragraph_text(element, parts, nested)
    lines.append("".join(parts))
    for inner in nested:
        _hwpx_lines(inner, lines)


def _paragraph_text(element: ET.Element, parts: list[str], nested: list[ET.Element]) -> None:
    for child in element:
        name = _local(child)
        if name == "t":
            parts.append(_t_text(child))
        elif name in _HWPX_CHARS:
            parts.append(_HWPX_CHARS[name])
        elif name in ("p", "tbl"):
            nested.append(child)  # a table or text box inside a run: its paragraphs come after
        else:
            _paragraph_text(child, parts, nested)


def _t_text(element: ET.Element) -> str:
    """The text of `t`, where tabs and line breaks are child elements between text pieces."""
    parts = [element.text or ""]
    for child in element:
        parts.append(_HWPX_CHARS.get(_local(child), "") + (child.text or "") + (child.tail or ""))
    return "".join(parts)


def _local(element: ET.Element) -> str:
    return str(element.tag).rsplit("}", 1)[-1]


# --- small shared helpers -------------------------------------------------------------------------


def _error(problem: str, label: str, hint: str = "") -> ParseError:
    """One line whatever the file name holds: `problem: file (hint)`."""
    line = f"{problem}: {label}" + (f" ({hint})" if hint else "")
    return ParseError(" ".join(line.split()))


def _too_big(label: str) -> ParseError:
    return _error(f"파일이 너무 큽니다(최대 {MAX_BYTES / 2**20:.0f}MB)", label)


def _unsupported(label: str) -> ParseError:
    return _error("지원하지 않는 파일 형식입니다", label, SUPPORTED)


def _url_in_text(text: str) -> str | None:
    found = _KOREA_URL.search(text)
    if found:
        return found.group(0)
    news_id = _NEWS_ID.search(text)
    return _NEWS_URL.format(news_id.group(1)) if news_id else None


def _newlines(text: str) -> str:
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _tidy(lines: list[str]) -> list[str]:
    return [squashed for line in lines if (squashed := _squash_spaces(line))]


def _squash_spaces(text: str) -> str:
    return " ".join(text.split())


def _squash(text: str) -> str:
    return "".join(text.split())


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """Mute a library's complaints about malformed files; our ParseError says it once."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)
