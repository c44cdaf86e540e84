"""Answering Telegram updates: commands, page buttons, group migrations.

Each update becomes a `Request`; `bot.adapters.answering.Answerer` runs the command (inline
when quick, else in a worker thread, so the loop keeps polling and sending); the reply goes
out through `TelegramSender.post`. A chat that blocked the bot or moved to a new id is handed
to `bot.chats.Chats`, the same service the digest outbox uses.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot import render
from bot.adapters.answering import Answerer
from bot.adapters.telegram.sender import (
    NO_PREVIEW,
    PLATFORM,
    TelegramSender,
    describe,
    is_gone,
    may_have_arrived,
)
from bot.chats import ChatKey, Chats
from bot.commands import Context, Request, may_repeat, split_command
from bot.commands.importing import ADMINS_ONLY, refuse_size, upload
from bot.intake import looks_pasted
from bot.reply import Reply, error

log = logging.getLogger(__name__)

SORRY = "죄송합니다. 요청을 처리하다 오류가 났습니다. 잠시 후 다시 시도해 주세요."
EXPIRED = "만료된 버튼입니다. 명령을 다시 입력하세요."
NOT_A_PAGE = "이 버튼으로는 실행할 수 없는 명령입니다. 명령을 직접 입력하세요."


def chat_key(chat_id: int | str) -> ChatKey:
    return ChatKey(PLATFORM, str(chat_id))


class Handlers:
    """The update handlers, sharing the command context, the sender and its button codec."""

    def __init__(self, ctx: Context, sender: TelegramSender) -> None:
        self.ctx = ctx
        self.sender = sender
        self.codec = sender.codec
        self.chats = Chats(ctx.store)
        self.answerer = Answerer(ctx)

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or not message.text:
            return
        user = update.effective_user
        sender = user or message.sender_chat  # a channel post has no user, only the channel
        text = message.text
        if split_command(text)[0] == "start":  # Telegram's "Start" button in a new chat
            text = "/help"
        req = Request(
            platform=PLATFORM,
            user_id=str(sender.id) if sender else "",
            chat_id=str(chat.id),
            text=text,
            is_private=chat.type == ChatType.PRIVATE,
        )
        thread = message.message_thread_id if message.is_topic_message else None
        try:
            reply = await self.answerer(req)
            await self.answer(chat.id, reply, thread)
        except Exception as e:
            if may_have_arrived(e):
                unsure(e, chat.id)
                return
            log.exception("answering %r in chat %s failed", text[:100], chat.id)
            await self.apologise(context.bot, chat.id, thread)

    async def on_addressed(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command we do not know, in a group: answered only when addressed to this bot."""
        message = update.effective_message
        first = (message.text or "").split(maxsplit=1)[0] if message and message.text else ""
        _, _, to = first.partition("@")
        if to and to.lower() == (context.bot.username or "").lower():
            await self.on_command(update, context)

    async def answer(self, chat_id: int, reply: Reply, thread: int | None = None) -> list[str]:
        """Send a reply, then its files as documents to the same chat and thread; a blocked
        chat is paused, a migrated group is followed."""
        parts = render.telegram(reply)
        markup = self.codec.keyboard(reply.buttons)
        where: int | str = chat_id
        try:
            sent = await self.sender.post(chat_id, parts, markup, thread=thread, retry_network=True)
        except ChatMigrated as e:
            moved = await asyncio.to_thread(self.chats.moved, chat_key(chat_id), str(e.new_chat_id))
            where, thread = moved.chat_id, None
            sent = await self.sender.post(where, parts, markup, retry_network=True)
        except Forbidden as e:
            await asyncio.to_thread(self.chats.gone, chat_key(chat_id), str(e))
            return []
        except BadRequest as e:
            if not is_gone(e):
                raise
            await asyncio.to_thread(self.chats.gone, chat_key(chat_id), str(e))
            return []
        if reply.attachments:
            sent += await self.sender.post_files(where, reply.attachments, thread=thread)
        return sent

    async def apologise(self, bot: Bot, chat_id: int, thread: int | None = None) -> None:
        try:
            await bot.send_message(chat_id, SORRY, message_thread_id=thread)
        except TelegramError as e:
            log.warning("could not tell chat %s about the error: %s", chat_id, e)

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button: a page runs its command again at that page, an action runs its command
        once as the presser; either way the message is edited in place to show the answer."""
        query = update.callback_query
        if query is None:
            return
        press = self.codec.decode(query.data or "")
        message = query.message
        if press is None or not isinstance(message, Message):
            await query.answer(EXPIRED)
            return
        command, page = press.command, press.page
        if not press.action and not may_repeat(command):
            await query.answer(NOT_A_PAGE, show_alert=True)
            return
        chat = message.chat
        req = Request(
            platform=PLATFORM,
            user_id=str(query.from_user.id),
            chat_id=str(chat.id),
            text=command,
            is_private=chat.type == ChatType.PRIVATE,
        )
        try:
            reply = await self.answerer(req, page)
            await self.replace(message, reply)
            await query.answer()
        except Exception:
            log.exception("page button %r in chat %s failed", command[:100], chat.id)
            try:
                await query.answer(SORRY, show_alert=True)
            except TelegramError as e:
                log.warning("could not answer the button press: %s", e)

    async def replace(self, message: Message, reply: Reply) -> None:
        """Show `reply` in place of `message`; parts beyond the first follow as new messages."""
        parts = render.telegram(reply)
        markup = self.codec.keyboard(reply.buttons)
        rest = parts[1:]
        try:
            await message.edit_text(
                parts[0],
                parse_mode=ParseMode.HTML,
                link_preview_options=NO_PREVIEW,
                reply_markup=markup if len(parts) == 1 else None,
            )
        except BadRequest as e:
            if "not modified" not in str(e).lower():
                # too old to edit, or deleted: answer with a new message instead
                log.info("editing message %s failed (%s); sending anew", message.id, e)
                rest = parts
        if rest:
            await self.sender.post(message.chat.id, rest, markup, retry_network=True)

    async def on_document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A file sent to the bot: a press release to preview (refused before download when
        too big, or when the sender is no admin)."""
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or message.document is None:
            return
        document = message.document
        req = self.request(update, "/import")
        reply = refuse_size(document.file_size or 0)
        if reply is None and not self.ctx.is_admin(req):
            reply = error(ADMINS_ONLY)
        if reply is None:
            try:
                file = await document.get_file()
                data = bytes(await file.download_as_bytearray())
            except TelegramError as e:
                log.warning("downloading a file from chat %s failed: %s", chat.id, e)
                reply = error("파일을 받지 못했습니다. 잠시 후 다시 보내 주세요.")
            else:
                name = document.file_name or "release.txt"
                reply = await asyncio.to_thread(upload, self.ctx, req, name, data)
        await self.answer(chat.id, reply)

    async def on_pasted(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A long text in a private chat: a pasted press release to preview."""
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or not message.text or not looks_pasted(message.text):
            return
        req = self.request(update, "/import")
        data = message.text.encode("utf-8")
        reply = await asyncio.to_thread(upload, self.ctx, req, "pasted.txt", data)
        await self.answer(chat.id, reply)

    def request(self, update: Update, text: str) -> Request:
        """A Request from the update's sender and chat."""
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        sender = user or (message.sender_chat if message else None)
        return Request(
            platform=PLATFORM,
            user_id=str(sender.id) if sender else "",
            chat_id=str(chat.id) if chat else "",
            text=text,
            is_private=chat is not None and chat.type == ChatType.PRIVATE,
        )

    async def on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group became a supergroup: its subscription follows it to the new chat id."""
        message = update.effective_message
        if message is None:
            return
        if message.migrate_to_chat_id:
            old, new = message.chat.id, message.migrate_to_chat_id
        elif message.migrate_from_chat_id:
            old, new = message.migrate_from_chat_id, message.chat.id
        else:
            return
        await asyncio.to_thread(self.chats.moved, chat_key(old), str(new))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Last resort for errors outside the handlers' own try blocks: log, tell, go on."""
        error = context.error
        if error is not None and may_have_arrived(error):
            chat = update.effective_chat if isinstance(update, Update) else None
            unsure(error, chat.id if chat else "?")
            return
        log.error("unhandled error in the Telegram adapter", exc_info=context.error)
        if isinstance(context.error, Forbidden | ChatMigrated):
            return
        if isinstance(update, Update) and update.effective_chat is not None:
            await self.apologise(context.bot, update.effective_chat.id)


def unsure(error: BaseException, chat_id: int | str) -> None:
    """A send failed in a way that does not tell whether the message arrived (a read
    timeout): no resend and no apology, since the answer may well be in the chat already."""
    log.warning(
        "a message to chat %s may or may not have arrived (%s); not sent again",
        chat_id,
        describe(error),
    )
