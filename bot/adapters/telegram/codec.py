"""Buttons as Telegram callback data, within the Bot API's 64 bytes.

A page button travels as `p2|/followup 중기부` (run again at page 2), an action button as
`a|/import save TOKEN` (run once, as whoever presses it).

Why not PTB's `arbitrary_callback_data`: it keeps every button's data in memory only (or in a
persistence file we would have to add), so every button sent before a restart stops working.
Here a short command travels inside the button itself (`p2|/followup 중기부`) and keeps
working across restarts; only a long one (Korean is 3 bytes a syllable) needs the bounded
in-memory map, and its ids carry a per-process prefix, so a stale one is recognised as
expired instead of running someone else's command.
"""

from __future__ import annotations

import itertools
import secrets
from collections import OrderedDict
from collections.abc import Sequence
from typing import NamedTuple

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.reply import Button

CALLBACK_DATA_LIMIT = 64  # bytes, Bot API


class Press(NamedTuple):
    """What a pressed button asks for."""

    command: str
    page: int
    action: bool


class CallbackCodec:
    """Button ⇄ callback_data; at most `capacity` long commands remembered."""

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._by_key: OrderedDict[str, Press] = OrderedDict()
        self._by_value: dict[Press, str] = {}
        self._prefix = secrets.token_hex(3)
        self._counter = itertools.count(1)

    def encode(self, command: str, page: int, action: bool = False) -> str:
        data = f"a|{command}" if action else f"p{page}|{command}"
        if len(data.encode()) <= CALLBACK_DATA_LIMIT:
            return data
        value = Press(command, page, action)
        key = self._by_value.get(value)
        if key is None:
            key = f"k{self._prefix}{next(self._counter):x}"
            self._by_key[key] = value
            self._by_value[value] = key
            while len(self._by_key) > self.capacity:
                _, old = self._by_key.popitem(last=False)
                self._by_value.pop(old, None)
        self._by_key.move_to_end(key)
        return key

    def decode(self, data: str) -> Press | None:
        """What the button asks for, or None when it is unknown or expired."""
        if data.startswith("a|"):
            return Press(data[2:], 1, True) if data[2:] else None
        if data.startswith("p") and "|" in data:
            page, command = data[1:].split("|", 1)
            if page.isdigit() and command:
                return Press(command, int(page), False)
            return None
        value = self._by_key.get(data)
        if value is not None:
            self._by_key.move_to_end(data)
        return value

    def __len__(self) -> int:
        return len(self._by_key)

    def keyboard(self, buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
        """One row of buttons under a message, or None when there are none."""
        if not buttons:
            return None
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(b.label, callback_data=self.encode(b.command, b.page, b.action))
              for b in buttons]]
        )  # fmt: skip
