"""Posting digests to Slack channels: Slack's rate limit, and its errors for the outbox; and
uploading a reply's files (/export) to the asker's DM with the bot."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics, render
from bot.adapters.slack.codec import PLATFORM, messages
from bot.delivery import ChatGone, DeliveryError, Limit, MaybeSent, Pace, RetryLater
from bot.model import Subscription
from bot.reply import Attachment, Reply

log = logging.getLogger(__name__)

UPLOAD_FAILED = (
    "파일을 올리지 못했습니다. 잠시 후 다시 시도해 주세요. 계속 안 되면 관리자에게 앱의 "
    "files:write 권한을 확인해 달라고 하세요(agendabot doctor)."
)

# chat.postMessage: about one message a second per channel, short bursts allowed. Slack has
# no workspace-wide message limit; the Web API client retries a 429 after its Retry-After.
PER_CHANNEL = Limit(1)

# chat.postMessage errors that mean this channel will not take our messages until a person
# acts (invites the bot again, unarchives the channel): pause the subscription. Not
# account_inactive: that is the bot's token (a deleted bot user or workspace), which would
# pause every subscription at once and leave them paused once the token is fixed; it fails
# the delivery instead, and the adapter goes down (`bot.adapters.slack.client.Watch`).
GONE_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived"})


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return str(value[0] if isinstance(value, list | tuple) else value)
    return None


class SlackSender:
    """Posts a Reply to a subscribed channel; failures become the outbox's exceptions.

    The outbox reserves one slot per message of the reply (`parts`) before calling `send`, so
    the parts of a long digest go out as one short burst and the channel's next message waits.
    """

    platform = PLATFORM

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    def pace(self, chat_id: str) -> Pace:
        return Pace(chat=(PER_CHANNEL,))

    def parts(self, reply: Reply) -> int:
        return len(render.slack(reply))

    async def send(self, sub: Subscription, reply: Reply) -> list[str]:
        ids: list[str] = []
        for message in messages(reply):
            try:
                response = await self.client.chat_postMessage(
                    channel=sub.chat_id,
                    unfurl_links=False,
                    unfurl_media=False,
                    link_names=False,
                    **message,
                )
            except SlackApiError as e:
                raise failure(sub, e) from None
            except aiohttp.ClientConnectorError as e:  # no connection: nothing went out
                raise RetryLater(f"slack: network error ({type(e).__name__})", after=5.0) from None
            except (aiohttp.ClientError, TimeoutError, OSError) as e:
                # Sent, and no answer read: it may have arrived; never sent twice.
                raise MaybeSent(f"slack: no answer ({type(e).__name__})") from None
            ids.append(str(response.get("ts", "")))
            metrics.MESSAGES.labels(platform=PLATFORM).inc()
        return ids


def failure(sub: Subscription, e: SlackApiError) -> DeliveryError:
    """A Web API error as the outbox understands it: wait, pause, or give up."""
    status = getattr(e.response, "status_code", 0)
    data = getattr(e.response, "data", None)
    code = str(data.get("error", "")) if isinstance(data, dict) else ""
    if status == 429 or code == "ratelimited":
        retry_after = _header(getattr(e.response, "headers", None), "Retry-After")
        after = float(retry_after) if retry_after and retry_after.isdigit() else 1.0
        return RetryLater(f"slack: rate limited on {sub.key}", after=after)
    if code in GONE_ERRORS:
        return ChatGone(f"slack: {code}")
    if status >= 500:
        return RetryLater(f"slack: server error {status}", after=5.0)
    return DeliveryError(f"slack: {code or status}")


async def upload_files(client: AsyncWebClient, user_id: str, files: tuple[Attachment, ...]) -> str:
    """Upload `files` into the user's DM with the bot; "" when done, else a line to tell them.

    The DM comes from conversations.open, not from the request's channel: a slash command
    typed in a DM between two people carries their channel, where the bot cannot post, and
    the files are meant for the asker alone. files_upload_v2 gets an upload URL per file,
    sends the bytes there, and shares them all with one files.completeUploadExternal, so a
    retry inside it never makes a second copy. A failure after the bytes left may have shared
    the files already: it is logged and not told, as a message that may have arrived is.
    """
    try:
        opened = await client.conversations_open(users=user_id)
        channel = str((opened.get("channel") or {}).get("id") or "")
        await client.files_upload_v2(
            channel=channel,
            file_uploads=[{"content": f.data, "filename": f.name, "title": f.name} for f in files],
        )
    except (SlackClientError, aiohttp.ClientConnectorError) as e:  # Slack said no, or no link
        log.warning("slack: uploading %d files failed: %s", len(files), _why(e))
        return UPLOAD_FAILED
    except (aiohttp.ClientError, TimeoutError, OSError) as e:
        log.warning("slack: no answer to a file upload; it may have arrived (%s)", _why(e))
        return ""
    metrics.MESSAGES.labels(platform=PLATFORM).inc()
    return ""


def _why(e: BaseException) -> str:
    """The error code Slack gave, else the error's kind (never a URL or a token)."""
    if isinstance(e, SlackApiError):
        return str(e.response.get("error") or e.response.status_code)
    return type(e).__name__
