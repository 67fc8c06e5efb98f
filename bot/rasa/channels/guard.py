"""What every channel guarantees, whatever fails behind it: a reply is never empty, it comes within
TURN_TIMEOUT_SECONDS, and the first reply of a conversation says what the assistant is. What it adds is stored in
the tracker like any other reply. Texts are built from the clinic profile (numbers, hours)."""
from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered

from bot.clinic import ClinicProfile, load_profile
from bot.failures import failure
from bot.safety_texts import CUT_SHORT, DISCLAIMER, EMPTY, NO_ANSWER, ONE_AT_A_TIME
from bot.text.normalize import patient_text_and_cut
from bot.settings import settings

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
    return settings().max_waiting_turns


def turn_timeout_seconds() -> float:
    """How long a patient may wait for a turn (TURN_TIMEOUT_SECONDS, default 10): Rasa waits up to 5 minutes
    for the action server, Twilio gives up on a webhook after 15 seconds."""
    return settings().turn_timeout_seconds


def _done_waiting(sender_id: str) -> None:
    left = _waiting.get(sender_id, 1) - 1
    if left > 0:
        _waiting[sender_id] = left
    else:
        _waiting.pop(sender_id, None)


# The guard's own replies go into the tracker too, so that the record of what a patient was told is whole. They are
# stored after the turn they follow (which holds the conversation's lock), in the background: a patient never waits
# for the record. Tasks are kept referenced until they end (asyncio keeps only weak references).
_recording: "set[asyncio.Task[None]]" = set()
GUARD_METADATA = {"sent_by": "guard"}


async def _store_replies(sender_id: str, texts: List[str], after: Optional["asyncio.Future[None]"]) -> None:
    from sanic import Sanic

    if after is not None:
        await asyncio.wait({after})
    try:
        agent = Sanic.get_app().ctx.agent
        async with agent.lock_store.lock(sender_id):
            if after is None and not await agent.tracker_store.exists(sender_id):
                return  # an empty message opening a conversation: no conversation to add it to (Rasa starts a
                # session only in a tracker with no events, so a tracker is not made here for it)
            tracker = await agent.tracker_store.get_or_create_tracker(sender_id)
            for text in texts:
                tracker.update(BotUttered(text, metadata=dict(GUARD_METADATA)))
            await agent.tracker_store.save(tracker)
    except Exception:  # a reply missing from the record of what the patient was told
        failure("reply_not_recorded", "%d reply(ies) the patient was shown could not be stored in the tracker",
                len(texts), with_traceback=True)


def _record(sender_id: str, texts: List[str], after: Optional["asyncio.Future[None]"] = None) -> None:
    if texts:
        task = asyncio.ensure_future(_store_replies(sender_id, texts, after))
        _recording.add(task)
        task.add_done_callback(_recording.discard)


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
        sent: List[str] = []

        async def say(text: str) -> None:
            await output.send_text_message(message.sender_id, text)
            sent.append(text)

        if not message.text:
            await say(EMPTY.format(emergency_number=load_profile().emergency_number))
            _record(message.sender_id, sent)
            return
        if _waiting.get(message.sender_id, 0) >= max_waiting_turns():  # a flood of one conversation
            profile = load_profile()
            await say(ONE_AT_A_TIME.format(number=profile.number_for_now(), emergency_number=profile.emergency_number))
            _record(message.sender_id, sent)
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
            await say(no_answer_text())
        if cut:
            await say(CUT_SHORT.format(emergency_number=load_profile().emergency_number))
        if first:
            await say(disclaimer_text())
        _record(message.sender_id, sent, after=turn)

    return handle
