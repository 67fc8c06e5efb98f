"""The windowed SQL tracker store (bot/rasa/tracker_store.py): every event stored once and in order, the same
conversation state and the same dialogue states as the whole history, a bounded tracker, and a reload
whenever the database or the tracker changed behind the cache."""
from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa.tracker_store import WindowedSQLTrackerStore

ROOT = Path(__file__).resolve().parents[2]
WINDOW = 40


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def run(coroutine):
    return asyncio.run(coroutine)


def store_at(path: Path, domain: Domain, **kwargs) -> WindowedSQLTrackerStore:
    return WindowedSQLTrackerStore(domain=domain, host=f"sqlite:///{path}", window=WINDOW, **kwargs)


def a_turn(rng: random.Random, turn: int):
    """The events of one turn, as Rasa adds them: a message, slots, the form now and then, replies."""
    intent = rng.choice(["ask_recovery_pain", "report_symptom", "greet", "thank"])
    events = [UserUttered(f"message {turn}", {"name": intent, "confidence": 0.9})]
    if intent == "report_symptom":
        events += [SlotSet("triage_symptoms", f"fever:{turn}"), ActionExecuted("action_triage")]
        if turn % 3 == 0:
            events += [ActionExecuted("triage_form"), ActiveLoop("triage_form"),
                       SlotSet("requested_slot", "fu_temperature")]
        elif turn % 3 == 1:
            events += [ActionExecuted("triage_form"), ActiveLoop(None), SlotSet("requested_slot", None)]
    else:
        events += [ActionExecuted("action_answer_topic"), SlotSet("days_since_procedure", str(turn))]
    return events + [ActionExecuted("action_listen")]


async def converse(store, sender: str, turns: int, seed: int = 3) -> DialogueStateTracker:
    """Message after message as the Rasa processor does: get the tracker, add the turn, save it."""
    rng = random.Random(seed)
    tracker = await store.retrieve(sender) or await store.create_tracker(sender)
    for turn in range(turns):
        tracker = await store.retrieve(sender)
        for event in a_turn(rng, turn):
            tracker.update(event)
        await store.save(tracker)
    return tracker


def test_a_long_conversation_is_stored_whole_and_handed_out_bounded(tmp_path, domain):
    store = store_at(tmp_path / "t.db", domain)
    run(converse(store, "long", 150))
    # the same conversation through Rasa's own store: the reference
    stock = SQLTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 'stock.db'}")
    run(converse(stock, "long", 150))

    stored = [(e.type_name, e.data) for e in _rows(store, "long")]
    reference = [(e.type_name, e.data) for e in _rows(stock, "long")]
    assert [t for t, _ in stored] == [t for t, _ in reference]
    assert len(stored) > 6 * WINDOW

    held = run(store.retrieve("long"))
    whole = run(stock.retrieve("long"))
    assert len(held.events) <= 2 * WINDOW + len(domain.slots) + 2
    assert held.current_slot_values() == whole.current_slot_values()
    assert held.active_loop_name == whole.active_loop_name
    assert held.latest_message.text == whole.latest_message.text
    # what the policies see: the latest dialogue states are the same
    held_states, whole_states = held.past_states(domain), whole.past_states(domain)
    assert held_states[-8:] == whole_states[-8:]


OPEN_FORM = [UserUttered("i have a fever", {"name": "report_symptom", "confidence": 1.0}),
             SlotSet("reported_symptoms", ["fever:urgent"]), ActionExecuted("triage_form"),
             ActiveLoop("triage_form"), SlotSet("requested_slot", "fu_temperature"), ActionExecuted("action_listen")]
CLOSE_FORM = [UserUttered("101.5", {"name": "nlu_fallback", "confidence": 1.0}), ActionExecuted("triage_form"),
              ActiveLoop(None), SlotSet("requested_slot", None), ActionExecuted("action_triage_followup"),
              ActionExecuted("action_listen")]


def both_ways(tmp_path, domain, first_events, turns):
    """The same conversation through this store and Rasa's: (held tracker, whole tracker)."""
    store = store_at(tmp_path / "t.db", domain)
    stock = SQLTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 'stock.db'}")
    for each in (store, stock):
        tracker = run(each.create_tracker("c"))
        for event in first_events:
            tracker.update(event)
        run(each.save(tracker))
        for turn in range(turns):
            tracker = run(each.retrieve("c"))
            for event in [UserUttered(f"question {turn}", {"name": "ask_recovery_pain", "confidence": 1.0}),
                          ActionExecuted("action_answer_topic"), ActionExecuted("action_listen")]:
                tracker.update(event)
            run(each.save(tracker))
    return run(store.retrieve("c")), run(stock.retrieve("c"))


def test_state_set_long_before_the_window_is_kept(tmp_path, domain):
    """A symptom told at the start, then 100 questions: the symptom is still part of the state."""
    held, whole = both_ways(tmp_path, domain, OPEN_FORM + CLOSE_FORM, 100)
    assert len(held.events) < len(whole.events) / 2
    assert held.get_slot("reported_symptoms") == ["fever:urgent"] == whole.get_slot("reported_symptoms")
    assert held.active_loop_name is None is whole.active_loop_name
    assert held.past_states(domain)[-8:] == whole.past_states(domain)[-8:]


def test_while_a_form_stays_open_the_history_is_kept_whole(tmp_path, domain):
    """Rasa undoes a form's turns back to its previous run, however far back: no cut inside a form."""
    held, whole = both_ways(tmp_path, domain, OPEN_FORM, 60)
    assert held.active_loop_name == "triage_form" == whole.active_loop_name
    assert held.past_states(domain) == whole.past_states(domain)


def test_a_fresh_store_rebuilds_the_same_state_from_the_database(tmp_path, domain):
    store = store_at(tmp_path / "t.db", domain)
    last = run(converse(store, "c", 90))
    reloaded = run(store_at(tmp_path / "t.db", domain).retrieve("c"))  # e.g. after a restart
    assert reloaded.current_slot_values() == last.current_slot_values()
    assert reloaded.active_loop_name == last.active_loop_name
    assert reloaded.past_states(domain)[-8:] == last.past_states(domain)[-8:]


def test_a_message_written_by_another_worker_is_seen(tmp_path, domain):
    worker_a, worker_b = store_at(tmp_path / "t.db", domain), store_at(tmp_path / "t.db", domain)
    run(converse(worker_a, "c", 5))
    tracker_b = run(worker_b.retrieve("c"))
    tracker_b.update(UserUttered("from worker b", {"name": "greet", "confidence": 1.0}))
    run(worker_b.save(tracker_b))
    assert run(worker_a.retrieve("c")).latest_message.text == "from worker b"


def test_events_added_but_never_saved_are_not_handed_out(tmp_path, domain):
    store = store_at(tmp_path / "t.db", domain)
    run(converse(store, "c", 5))
    failed_turn = run(store.retrieve("c"))
    failed_turn.update(UserUttered("lost in a crash", {"name": "greet", "confidence": 1.0}))  # no save
    assert run(store.retrieve("c")).latest_message.text != "lost in a crash"


def test_the_cache_is_bounded_and_unknown_conversations_are_none(tmp_path, domain):
    store = store_at(tmp_path / "t.db", domain, cache_size=3)
    for index in range(6):
        run(converse(store, f"c{index}", 2))
    assert len(store._held) == 3
    assert run(store.retrieve("c0")) is not None  # dropped from the cache, read again from the database
    assert run(store.retrieve("nobody")) is None
    assert not run(store.exists("nobody")) and run(store.exists("c1"))


def test_too_small_a_window_is_refused(tmp_path, domain):
    with pytest.raises(ValueError, match="at least"):
        WindowedSQLTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 't.db'}", window=5)


def _rows(store, sender):
    with store.session_scope() as session:
        return session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender).order_by(
            store.SQLEvent.id).all()


def test_a_compacted_tracker_that_lost_its_marker_still_has_its_new_events_stored(tmp_path, domain):
    """Rasa may hand the store a copy of the tracker without the attribute that marks what is stored; the stock
    fallback (slice by the number of stored events) would then drop every new event of a compacted tracker."""
    store = store_at(tmp_path / "t.db", domain)
    run(converse(store, "long", 150))
    tracker = run(store.retrieve("long"))
    assert len(tracker.events) < len(_rows(store, "long"))  # compacted
    delattr(tracker, "_stored_up_to")
    tracker.update(UserUttered("after the marker was lost", {"name": "greet", "confidence": 1.0}))
    tracker.update(ActionExecuted("action_listen"))
    run(store.save(tracker))
    rows = _rows(store, "long")
    assert [r.type_name for r in rows[-2:]] == ["user", "action"]
    assert '"after the marker was lost"' in rows[-2].data
    assert sum('"after the marker was lost"' in r.data for r in rows) == 1


def test_the_store_refuses_another_rasa_version(tmp_path, domain, monkeypatch):
    import rasa

    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(RuntimeError, match="written for Rasa 3.6.21"):
        store_at(tmp_path / "t.db", domain)


def test_a_turn_that_cannot_be_stored_is_counted_and_raised_to_rasa(tmp_path, domain, monkeypatch):
    """Rasa's FailSafeTrackerStore catches it and keeps the turn in memory: the failure count is what shows it."""
    from rasa.core.tracker_store import FailSafeTrackerStore

    from bot import failures

    store = store_at(tmp_path / "t.db", domain)
    tracker = DialogueStateTracker.from_events("p", [UserUttered("hello")], domain.slots)
    run(store.save(tracker))
    before = failures.counts()

    def database_gone():
        raise RuntimeError("the database went away")

    monkeypatch.setattr(store, "session_scope", database_gone)
    tracker.update(UserUttered("are you there"))
    with pytest.raises(RuntimeError):
        run(store.save(tracker))
    with pytest.raises(RuntimeError):
        run(store.retrieve("p"))
    run(FailSafeTrackerStore(store).save(tracker))  # what Rasa does: no error reaches the patient ...
    after = failures.counts()  # ... but every failure is counted
    assert after.get("turn_not_stored", 0) == before.get("turn_not_stored", 0) + 2
    assert after.get("conversation_not_read", 0) == before.get("conversation_not_read", 0) + 1
