"""Files shared with the bot in Slack: `files.info` for the size and the private URL, then
the download itself with the bot token (Slack answers a login page to anyone else).

Needs the `files:read` scope (see `slack-app-manifest.yml`). A file over the size limit is
refused before a byte is downloaded, and the download stops at the limit whatever the
headers claimed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import AgendabotError

log = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT = 60.0  # seconds
CHUNK = 64 * 1024
UNREADABLE = "파일을 받지 못했습니다. 봇을 다시 초대했는지 확인하고 잠시 후 다시 보내 주세요."


class FileError(AgendabotError):
    """The shared file could not be fetched."""


@dataclass(frozen=True)
class SharedFile:
    name: str
    size: int
    url: str


async def file_info(client: AsyncWebClient, file_id: str) -> SharedFile:
    """What Slack knows of a shared file.

    Raises:
        FileError: Slack does not give it to us.
    """
    try:
        response = await client.files_info(file=file_id)
    except SlackApiError as e:
        log.warning("slack: files.info for %s failed: %s", file_id[:20], e.response.get("error"))
        raise FileError(UNREADABLE) from e
    data = response.get("file") or {}
    url = str(data.get("url_private_download") or data.get("url_private") or "")
    if not url:
        raise FileError(UNREADABLE)
    return SharedFile(str(data.get("name") or "release.txt"), int(data.get("size") or 0), url)


async def download(shared: SharedFile, token: str, limit: int) -> bytes:
    """The file's bytes, read with the bot token and at most `limit` of them.

    Raises:
        FileError: not reachable, not ours (a login page), or bigger than `limit`.
    """
    headers = {"Authorization": f"Bearer {token}"}
    timeout = aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(shared.url, headers=headers) as response,
        ):
            if response.status != 200 or response.content_type == "text/html":
                log.warning(
                    "slack: downloading %s gave %s %s (no files:read scope, or the bot token?)",
                    shared.name[:60],
                    response.status,
                    response.content_type,
                )
                raise FileError(UNREADABLE)
            data = bytearray()
            async for chunk in response.content.iter_chunked(CHUNK):
                data += chunk
                if len(data) > limit:
                    raise FileError(
                        f"파일이 너무 큽니다. {limit // (1024 * 1024)} MB 이하로 보내 주세요."
                    )
            return bytes(data)
    except (aiohttp.ClientError, TimeoutError) as e:
        log.warning("slack: downloading %s failed: %s", shared.name[:60], type(e).__name__)
        raise FileError(UNREADABLE) from e
