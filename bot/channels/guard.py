"""What every channel guarantees, whatever fails behind it: a reply is never empty, it comes within
TURN_TIMEOUT_SECONDS, and the first reply of a conversation says what the assistant is. Texts are built
from the clinic profile (numbers, hours)."""
from __future__ import annotations

import asyncio
import logging
import os
from collections import OrderedDict
from typing import Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage

from bot.clinic import ClinicProfile, load_profile
from bot.safety_texts import CUT_SHORT, DISCLAIMER, EMPTY, NO_ANSWER, ONE_AT_A_TIME
from bot.text.normalize import patient_text_and_cut

logger = logging.getLogger(__name__)

def disclaimer_text(profile: Optional[ClinicProfile] = None) -> str:
    profile = profile or load_profile()
    return DISCLAIMER.format(emergency_number=profile.emergency_number)


def no_answer_text(profile: Optional[ClinicProfile] = None) -> str:
    profile = profile or load_profile()
    return NO_ANSWER.format(number=profile.number_for_now(), emergency_number=profile.emergency_number)


# Conversations this process has seen in the tracker store: one that exists never becomes new again, so
# asking the store once is enough (bounded: the oldest are forgotten and asked about again).
_known: "OrderedDict[str, None]" = OrderedDict()
_KNOWN_MAX = 10_000


def _remember(sender_id: str) -> None:
    _known[sender_id] = None
    _known.move_to_end(sender_id)
    while len(_known) > _KNOWN_MAX:
        _known.popitem(last=False)


async def _is_new_conversation(sender_id: str) -> bool:
    from sanic import Sanic

    if sender_id in _known:
        return False
    try:
        agent = Sanic.get_app().ctx.agent
        exists = await agent.tracker_store.exists(sender_id)
    except Exception:  # no app or no store: better one disclaimer too many than none
        return True
    if exists:
        _remember(sender_id)
    return not exists


# Turns of one conversation waiting for the one before them (Rasa's lock handles them one at a time).
_waiting: Dict[str, int] = {}


def max_waiting_turns() -> int:
    """MAX_WAITING_TURNS (default 5): past it, a conversation's next message is answered at once."""
    return int(os.environ.get("MAX_WAITING_TURNS") or 5)


def turn_timeout_seconds() -> float:
    """How long a patient may wait for a turn (TURN_TIMEOUT_SECONDS, default 10): Rasa waits up to 5 minutes
    for the action server, Twilio gives up on a webhook after 15 seconds."""
    return float(os.environ.get("TURN_TIMEOUT_SECONDS") or 10)


def _done_waiting(sender_id: str) -> None:
    left = _waiting.get(sender_id, 1) - 1
    if left > 0:
        _waiting[sender_id] = left
    else:
        _waiting.pop(sender_id, None)


def _log_failure(turn: "asyncio.Future[None]") -> None:
    if not turn.cancelled() and turn.exception() is not None:  # logged without the message text
        logger.error("handling a message failed; the clinic's number was sent instead", exc_info=turn.exception())


def guarded(on_new_message: Callable[[UserMessage], Awaitable[None]],
            first_reply: Optional[Callable[[UserMessage], Awaitable[bool]]] = None,
            ) -> Callable[[UserMessage], Awaitable[None]]:
    """Wraps Rasa's message handler for a channel whose output channel collects the turn's replies in a
    `messages` list of dicts (CollectingOutputChannel does; Rasa's TwilioOutput does not: its `messages` is
    the Twilio REST resource). `first_reply` tells whether this turn starts a conversation (default: no
    tracker yet for the sender); a phone call starts one with every call."""

    async def handle(message: UserMessage) -> None:
        output = message.output_channel
        if not isinstance(getattr(output, "messages", None), list):
            raise TypeError(f"{type(output).__name__} does not collect its messages in a list: the guard "
                            "cannot tell whether the patient got a reply")
        first = await first_reply(message) if first_reply else await _is_new_conversation(message.sender_id)
        message.text, cut = patient_text_and_cut(message.text)
        if not message.text:
            profile = load_profile()
            await output.send_text_message(message.sender_id, EMPTY.format(emergency_number=profile.emergency_number))
            return
        if _waiting.get(message.sender_id, 0) >= max_waiting_turns():  # a flood of one conversation
            profile = load_profile()
            await output.send_text_message(message.sender_id, ONE_AT_A_TIME.format(
                number=profile.number_for_now(), emergency_number=profile.emergency_number))
            return
        _waiting[message.sender_id] = _waiting.get(message.sender_id, 0) + 1
        turn = asyncio.ensure_future(on_new_message(message))
        turn.add_done_callback(lambda _: _done_waiting(message.sender_id))
        done, _ = await asyncio.wait({turn}, timeout=turn_timeout_seconds())
        if not done:  # something behind Rasa hangs (an action server that never answers): answer now
            logger.error("a turn took longer than %s s; answering with the clinic's number (the turn goes on and "
                         "is stored when it ends)", turn_timeout_seconds())
            turn.add_done_callback(_log_failure)
        elif turn.exception() is None:
            _remember(message.sender_id)  # its tracker is stored now
        else:
            _log_failure(turn)
        if not done or not any(m.get("text") for m in output.messages):
            await output.send_text_message(message.sender_id, no_answer_text())
        if cut:
            await output.send_text_message(message.sender_id, CUT_SHORT.format(
                emergency_number=load_profile().emergency_number))
        if first:
            await output.send_text_message(message.sender_id, disclaimer_text())

    return handle
