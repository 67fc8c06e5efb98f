"""`make soak`: 50 conversations at once for 2 minutes against the replicated layout (scripts/replicated.py: nginx,
two Rasa servers, two action servers, PostgreSQL, Redis, all on loopback), with one Rasa server killed in the middle
and started again. A benchmark, not a test: bounded, it stops by itself and writes its figures before, during and
after the kill into the "Soak" section of docs/benchmarks.md (raw: docs/soak.json).

Counted per phase: requests that failed (no HTTP 200), patients left without an answer (no text in the reply), turns
the guard answered with the clinic's number (the turn took longer than TURN_TIMEOUT_SECONDS), throughput and
latency. A turn is lost when a message was sent and is not in its conversation's tracker afterwards; the exit status
is 1 if any was lost or any patient was left without an answer.

    .venv/bin/python -m bench.soak [--conversations 50] [--seconds 120] [--kill-at 45]
"""
from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import uuid
from collections import defaultdict
from datetime import datetime, timezone
from typing import Dict, List, Optional

import requests
from sqlalchemy import create_engine, text

from bench.report import SOAK_SECTION as SECTION
from bot.identity import conversation_id
from scripts.launch import ROOT
from scripts.replicated import Layout, drop_database, ensure_database

MARKDOWN = ROOT / "docs" / "benchmarks.md"
RAW = ROOT / "docs" / "soak.json"
REDIS_URL = "redis://127.0.0.1:6379/12"
# One conversation: questions, a symptom with its follow-up question, thanks. Then the patient starts another.
SCRIPT = ["hello", "what is kyphoplasty", "how long does the procedure take", "I think I have a fever", "it's 100.1",
          "when can I drive again", "can I shower", "thank you"]
GUARD_FALLBACK = "I'm sorry, I can't answer that right now."


class Turn:
    __slots__ = ("sender", "message", "started", "seconds", "status", "answered", "guard")

    def __init__(self, sender: str, message: str, started: float) -> None:
        self.sender, self.message, self.started = sender, message, started
        self.seconds, self.status, self.answered, self.guard = 0.0, 0, False, False


def patient(url: str, deadline: float, turns: List[Turn], lock: threading.Lock) -> None:
    session = requests.Session()
    while time.monotonic() < deadline:
        sender = f"soak-{uuid.uuid4().hex[:12]}"
        for message in SCRIPT:
            if time.monotonic() >= deadline:
                return
            turn = Turn(sender, message, time.monotonic())
            try:
                response = session.post(url, json={"sender": sender, "message": message}, timeout=60)
                turn.status = response.status_code
                texts = [r.get("text") for r in response.json() if r.get("text")] if response.ok else []
                turn.answered = bool(texts)
                turn.guard = any(t.startswith(GUARD_FALLBACK) for t in texts)
            except (requests.RequestException, ValueError):
                turn.status = -1
            turn.seconds = time.monotonic() - turn.started
            with lock:
                turns.append(turn)


def stored_messages(database_url: str, senders: List[str]) -> Dict[str, List[str]]:
    engine = create_engine(database_url, future=True)
    stored: Dict[str, List[str]] = defaultdict(list)
    ids = {conversation_id("rest", sender): sender for sender in senders}
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT sender_id, data FROM events WHERE type_name = 'user' "
                                       "AND sender_id LIKE 'rest:soak-%' ORDER BY id")).all()
    engine.dispose()
    for sender_id, data in rows:
        if sender_id in ids:
            stored[ids[sender_id]].append(json.loads(data)["text"])
    return stored


def lost_turns(turns: List[Turn], stored: Dict[str, List[str]]) -> List[Turn]:
    """The messages sent that are not in their conversation's tracker (each stored message accounts for one sent)."""
    lost = []
    left = {sender: list(messages) for sender, messages in stored.items()}
    for turn in sorted(turns, key=lambda t: t.started):
        messages = left.get(turn.sender, [])
        if turn.message in messages:
            messages.remove(turn.message)
        else:
            lost.append(turn)
    return lost


def out_of_order(turns: List[Turn], stored: Dict[str, List[str]]) -> int:
    """Conversations whose tracker holds their messages in another order than they were sent."""
    sent: Dict[str, List[str]] = defaultdict(list)
    for turn in sorted(turns, key=lambda t: t.started):
        sent[turn.sender].append(turn.message)
    return sum(stored.get(sender, []) != messages for sender, messages in sent.items()
               if sorted(stored.get(sender, [])) == sorted(messages))


def phase_figures(turns: List[Turn], lost: List[Turn], start: float, end: float) -> dict:
    inside = [t for t in turns if start <= t.started < end]
    lost_ids = {id(t) for t in lost}
    latencies = sorted(t.seconds * 1000 for t in inside)

    def pct(q: float) -> Optional[float]:
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1) if latencies else None

    return {"seconds": round(end - start, 1), "turns": len(inside),
            "errors": sum(t.status != 200 for t in inside),
            "without_answer": sum(not t.answered for t in inside),
            "guard_fallback": sum(t.guard for t in inside),
            "lost": sum(id(t) in lost_ids for t in inside),
            "throughput": round(len(inside) / (end - start), 1) if end > start else None,
            "p50_ms": pct(0.5), "p95_ms": pct(0.95), "max_ms": round(latencies[-1], 1) if latencies else None,
            "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None}


def render(result: dict) -> str:
    rows = [("turns", "turns"), ("errors (no HTTP 200)", "errors"), ("patients left without an answer",
            "without_answer"), ("answered by the guard (clinic's number)", "guard_fallback"), ("lost turns", "lost"),
            ("throughput (turns/s)", "throughput"), ("p50 latency (ms)", "p50_ms"), ("p95 latency (ms)", "p95_ms"),
            ("max latency (ms)", "max_ms")]
    phases = result["phases"]
    lines = [SECTION, "## Soak (`make soak`)", "",
             f"Run {result['started']} on commit `{result['commit']}`: {result['conversations']} conversations at once "
             f"for {result['seconds']} s against the replicated layout (nginx, {result['rasa']} Rasa servers, "
             f"{result['actions']} action servers, PostgreSQL and Redis on loopback; `scripts/replicated.py`). Rasa "
             f"server 1 was killed (SIGKILL) at {result['killed_at']} s and started again at once; it answered again "
             f"at {result['back_at']} s. Each patient sends its next message when the reply comes. Raw: "
             "[soak.json](soak.json).", "",
             "| | before the kill | one server down | after the restart | all |", "|---|---:|---:|---:|---:|"]
    for label, key in rows:
        lines.append(f"| {label} | " + " | ".join(str(phases[p][key]) for p in ("before", "during", "after", "all"))
                     + " |")
    lines += ["", f"Every message sent was looked for in its conversation's tracker afterwards: "
                  f"**{result['lost']} lost**; **{result['without_answer']} patients left without an answer**; "
                  f"{result['out_of_order']} of {result['conversation_count']} conversations stored in another order "
                  "than sent.", ""]
    return "\n".join(lines)


def write_section(markdown: str) -> None:
    existing = MARKDOWN.read_text(encoding="utf-8") if MARKDOWN.exists() else ""
    kept = existing.split(SECTION)[0].rstrip()
    MARKDOWN.write_text((kept + "\n\n" if kept else "") + markdown, encoding="utf-8")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="soak test of the replicated layout")
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--kill-at", type=float, default=45)
    args = parser.parse_args(argv)
    import subprocess

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    database_url = f"postgresql://postgres@127.0.0.1:5432/kyphobot_soak_{uuid.uuid4().hex[:8]}"
    ensure_database(database_url)
    workdir = ROOT / "var" / "soak"
    workdir.mkdir(parents=True, exist_ok=True)
    layout = Layout(workdir, rasa=2, actions=2, env={
        "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL,
        "RATE_LIMIT_PER_SENDER": "0", "RATE_LIMIT_PER_ADDRESS": "0"})  # one address sends for 50 patients
    print(f"starting the layout (logs in {workdir})", flush=True)
    layout.start()
    try:
        turns: List[Turn] = []
        lock = threading.Lock()
        start = time.monotonic()
        deadline = start + args.seconds
        threads = [threading.Thread(target=patient, args=(f"{layout.url}/webhooks/rest/webhook", deadline, turns, lock),
                                    daemon=True) for _ in range(args.conversations)]
        for thread in threads:
            thread.start()
        time.sleep(max(0.0, start + args.kill_at - time.monotonic()))
        killed_at = time.monotonic()
        print(f"killing {layout.rasa[0].name} at {killed_at - start:.0f} s", flush=True)
        layout.rasa[0].kill()
        layout.rasa[0].start(timeout=300)  # back when its health address answers
        back_at = time.monotonic()
        print(f"{layout.rasa[0].name} answers again at {back_at - start:.0f} s", flush=True)
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()) + 90)
        end = max(time.monotonic(), deadline)
        time.sleep(15)  # a turn the guard answered in its place is stored when it ends
        stored = stored_messages(database_url, sorted({t.sender for t in turns}))
    finally:
        layout.stop()
        drop_database(database_url)
    lost = lost_turns(turns, stored)
    phases = {"before": phase_figures(turns, lost, start, killed_at),
              "during": phase_figures(turns, lost, killed_at, back_at),
              "after": phase_figures(turns, lost, back_at, end),
              "all": phase_figures(turns, lost, start, end)}
    result = {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "commit": commit,
              "conversations": args.conversations, "seconds": args.seconds, "rasa": 2, "actions": 2,
              "killed_at": round(killed_at - start), "back_at": round(back_at - start), "phases": phases,
              "lost": len(lost), "without_answer": phases["all"]["without_answer"],
              "out_of_order": out_of_order(turns, stored), "conversation_count": len({t.sender for t in turns}),
              "lost_examples": [{"conversation": t.sender, "message": t.message, "status": t.status,
                                 "guard_answered": t.guard, "sent": [u.message for u in sorted(turns, key=lambda u: u.started)
                                                                     if u.sender == t.sender],
                                 "stored": stored.get(t.sender, [])} for t in lost[:10]]}
    RAW.write_text(json.dumps(result, indent=1), encoding="utf-8")
    write_section(render(result))
    print(render(result))
    return 1 if result["lost"] or result["without_answer"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
