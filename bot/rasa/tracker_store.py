"""Rasa's SQL tracker store, made to cost the same at a conversation's 200th message as at its 2nd.

The stock SQLTrackerStore (rasa 3.6.21) rebuilds the whole conversation from the database for every message
(every event parsed and replayed), and Rasa then walks, featurizes and sends all of its events to the action
server, so a turn grows with the conversation (measured: 33 ms at the start, 318 ms after 200 questions).
This store keeps the stock table and queries, and every event is still stored. It changes three things:
- the tracker it hands out is compacted: the latest `window` events or more (from a point where the bot
  listens and no form is open), preceded by the state the older events left - slot values, a pause - as
  SlotSet / ConversationPaused events. Policies (which replay a tracker from its first event), actions and
  the action-server call then see a bounded history with the same current state. A tracker is compacted again
  once it holds twice the window;
- it keeps the trackers it saved in this process (`cache_size` conversations, least recently used dropped)
  and hands one back when the database holds no newer event for the conversation (one indexed query): a
  message written by another worker or replica makes it reload; otherwise nothing is parsed or replayed;
- it saves the events added since the tracker was loaded or saved (the stock store slices the tracker's
  events by the number already stored, which is wrong for a compacted tracker).
On SQLite it also turns on the write-ahead log."""
from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (ActionExecuted, ActiveLoop, ConversationPaused, Event, Restarted,
                                     SessionStarted, SlotSet)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.failures import failure
from bot.rasa.internals import version_problem

# The newest event already in the database, kept on the tracker object itself, so that it survives the
# tracker being dropped from the cache while a message is handled: (event object, its row id).
_STORED = "_stored_up_to"

_EVENTS = SQLTrackerStore.SQLEvent.__table__
# built once: the ORM query object cost more than running it (measured with cProfile)
_NEWEST_ID = sa.select(sa.func.max(_EVENTS.c.id)).where(_EVENTS.c.sender_id == sa.bindparam("sender_id"))


class WindowedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Any = None, host: Optional[Text] = None, window: int = 100,
                 cache_size: int = 200, **kwargs: Any) -> None:
        problem = version_problem()  # it relies on SQLTrackerStore's private queries and table of that version
        if problem:
            raise RuntimeError(f"the windowed tracker store (endpoints.yml) cannot run: {problem}")
        super().__init__(domain=domain, host=host, **kwargs)
        if int(window) < 30:
            raise ValueError("window: at least 30 events, or rules and the form lose the turns they look at")
        self.window = int(window)
        self.cache_size = int(cache_size)
        self._held: "OrderedDict[Text, DialogueStateTracker]" = OrderedDict()
        if self.engine.dialect.name == "sqlite":
            self._keep_sqlite_connections()

    def _keep_sqlite_connections(self) -> None:
        """Rasa opens a new SQLite connection for every query (SQLAlchemy 1.4's default for files): a tenth of a
        turn's time, measured. A pool keeps them open, as SQLAlchemy 2.0 does by default; one caller at a time
        uses a connection, so it may move between threads."""
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=2,
                                       connect_args={"check_same_thread": False})
        sa.event.listen(self.engine, "connect", _sqlite_write_ahead_log)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    # Rasa wraps every tracker store in its FailSafeTrackerStore, which catches what these two raise: a failed save
    # keeps the turn in memory only (the patient has the reply, the record has not), a failed read starts the
    # conversation afresh. Neither is left silent: each is counted as a failure before Rasa goes on.
    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        try:
            return await self._retrieve(sender_id)
        except Exception:
            failure("conversation_not_read", "a conversation could not be read from the tracker store; Rasa starts "
                    "it afresh", with_traceback=True)
            raise

    async def save(self, tracker: DialogueStateTracker) -> None:
        try:
            await self._save(tracker)
        except Exception:
            failure("turn_not_stored", "a turn could not be stored in the tracker store; Rasa keeps it in memory "
                    "only", with_traceback=True)
            raise

    async def _retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        with self.session_scope() as session:
            newest_id = self._newest_id(session, sender_id)
            held = self._held.get(sender_id)
            if held is not None and newest_id is not None and _is_as_stored(held, newest_id):
                self._held.move_to_end(sender_id)
                return self._compacted(held) if len(held.events) > 2 * self.window else held
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
            if not rows or not self.domain:
                self._held.pop(sender_id, None)
                return None
            events = [json.loads(row.data) for row in rows]
            newest_id = rows[-1].id
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        self._hold(tracker, newest_id)
        return self._compacted(tracker) if len(tracker.events) > self.window else tracker

    async def _save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)  # the event broker, when one is configured (as the stock store)
        with self.session_scope() as session:
            stored = getattr(tracker, _STORED, None)
            new = _events_after(tracker, stored[0]) if stored else self._unsaved(session, tracker)
            if new is None:  # cannot happen: compaction keeps every event from the newest stored one on
                raise RuntimeError(f"conversation {tracker.sender_id}: the newest stored event is gone")
            if new:  # one statement for all rows (the ORM would insert them one by one)
                session.execute(self.SQLEvent.__table__.insert(), [self._row(tracker.sender_id, e) for e in new])
            newest_id = stored[1] if stored and not new else self._newest_id(session, tracker.sender_id)
            session.commit()
        self._hold(tracker, newest_id)

    def _unsaved(self, session: Any, tracker: DialogueStateTracker) -> List[Event]:
        """The events after the newest stored one, for a tracker without the marker (a copy Rasa made): found by
        that row's type and timestamp. The stock slicing by the number of stored events would drop every new
        event of a compacted tracker."""
        newest = session.execute(sa.select(_EVENTS.c.type_name, _EVENTS.c.timestamp)
                                 .where(_EVENTS.c.sender_id == tracker.sender_id)
                                 .order_by(_EVENTS.c.id.desc()).limit(1)).first()
        events = list(tracker.events)
        if newest is None:
            return events
        for index in range(len(events) - 1, -1, -1):
            if events[index].type_name == newest.type_name and events[index].timestamp == newest.timestamp:
                return events[index + 1:]
        return [e for e in events if e.timestamp > newest.timestamp]

    def _newest_id(self, session: Any, sender_id: Text) -> Optional[int]:
        return session.execute(_NEWEST_ID, {"sender_id": sender_id}).scalar()

    @staticmethod
    def _row(sender_id: Text, event: Event) -> Dict[Text, Any]:
        data = event.as_dict()
        return {"sender_id": sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
                "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
                "action_name": data.get("name"), "data": json.dumps(data)}

    def _compacted(self, tracker: DialogueStateTracker) -> DialogueStateTracker:
        """The same conversation state with the latest `window` or more events (see the module docstring)."""
        events = list(tracker.events)
        cut = _latest_cut(events, len(events) - self.window)
        if cut is None:
            return tracker
        before = DialogueStateTracker.from_events(tracker.sender_id, events[:cut], self.domain.slots)
        at = events[cut].timestamp
        state: List[Event] = [SlotSet(slot.name, slot.value, timestamp=at) for slot in before.slots.values()
                              if slot.value != slot.initial_value]
        if before.is_paused():
            state.append(ConversationPaused(timestamp=at))
        compacted = DialogueStateTracker.from_events(tracker.sender_id, state + events[cut:], self.domain.slots)
        setattr(compacted, _STORED, getattr(tracker, _STORED))
        self._held[tracker.sender_id] = compacted
        return compacted

    def _hold(self, tracker: DialogueStateTracker, newest_id: Optional[int]) -> None:
        """Marks what of the tracker is stored and keeps it for the conversation's next message."""
        if newest_id is None or not tracker.events:
            return
        setattr(tracker, _STORED, (tracker.events[-1], newest_id))
        self._held[tracker.sender_id] = tracker
        self._held.move_to_end(tracker.sender_id)
        while len(self._held) > self.cache_size:
            self._held.popitem(last=False)


def _sqlite_write_ahead_log(connection: Any, _record: Any) -> None:
    """The embedded default: a commit costs 0.02 ms instead of 1 ms (measured here), readers never wait for
    a writer. A power cut may lose the last commits, never corrupt the file; PostgreSQL for production."""
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")


def _is_as_stored(tracker: DialogueStateTracker, newest_id: int) -> bool:
    """The held tracker is what the database holds: no newer row, and no event added since it was saved."""
    stored = getattr(tracker, _STORED, None)
    return bool(stored and tracker.events and stored[1] == newest_id and tracker.events[-1] is stored[0])


def _latest_cut(events: List[Event], at_most: int) -> Optional[int]:
    """The latest index up to `at_most` where the bot listens and no form is open, or None.

    Cutting only there keeps Rasa's view of the history exact: its policies undo the turns of a form back to
    the form's previous run, which may lie far back; with no form open, nothing after the cut looks past it.
    While a form stays open the tracker is not compacted."""
    best, loop = None, None
    for index, event in enumerate(events[:max(at_most, 0) + 1]):
        if index > 0 and loop is None and isinstance(event, ActionExecuted) and \
                event.action_name == ACTION_LISTEN_NAME:
            best = index
        if isinstance(event, ActiveLoop):
            loop = event.name
        elif isinstance(event, (Restarted, SessionStarted)):
            loop = None
    return best


def _events_after(tracker: DialogueStateTracker, marker: Event) -> Optional[List[Event]]:
    """The tracker's events after `marker` (the newest stored one)."""
    events = list(tracker.events)
    for index in range(len(events) - 1, -1, -1):
        if events[index] is marker:
            return events[index + 1:]
    return None
