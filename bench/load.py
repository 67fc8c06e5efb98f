"""Closed-loop load over the REST channel: N virtual patients, each holding one conversation at a time and
sending its next message as soon as the previous reply arrives (no think time), for a bounded duration.

Messages come from the project's own data: questions (the `ask_*` intents of data/nlu), symptom reports
(data/triage/cases.yml, every level but `none`) and small talk (greet, thank, bot_challenge, goodbye of
data/nlu/smalltalk.yml). A conversation: a greeting, 2-4 turns drawn 50 % question / 30 % symptom report /
20 % small talk, then thanks or goodbye. The script of every virtual patient depends only on a seed, so
both systems receive the same messages in the same order."""
from __future__ import annotations

import asyncio
import random
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parents[1]
SMALL_TALK = ("greet", "thank", "bot_challenge", "goodbye")
NO_ANSWER_MARK = "can't answer that right now"  # bot.rasa.channels.guard.NO_ANSWER: the guard covered a failure
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Pools:
    questions: List[str]
    symptoms: List[str]
    small_talk: Dict[str, List[str]]

    def sizes(self) -> Dict[str, int]:
        return {"questions": len(self.questions), "symptom reports": len(self.symptoms),
                "small talk": sum(len(v) for v in self.small_talk.values())}


def load_pools(root: Path = ROOT) -> Pools:
    by_intent: Dict[str, List[str]] = {}
    for path in sorted((root / "data" / "nlu").glob("*.yml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" not in item:
                continue
            examples = [_ANNOTATION.sub(r"\1", line[2:].strip())
                        for line in str(item.get("examples", "")).splitlines() if line.strip().startswith("- ")]
            by_intent.setdefault(item["intent"], []).extend(e for e in examples if e)
    cases = yaml.safe_load((root / "data" / "triage" / "cases.yml").read_text(encoding="utf-8"))["cases"]
    return Pools(
        questions=[t for intent, texts in sorted(by_intent.items()) if intent.startswith("ask_") for t in texts],
        symptoms=[c["text"] for c in cases if c.get("level") != "none"],
        small_talk={intent: by_intent.get(intent, []) for intent in SMALL_TALK},
    )


def conversation(rng: random.Random, pools: Pools) -> List[Tuple[str, str]]:
    """One conversation as (kind, text) turns."""
    turns = [("small_talk", rng.choice(pools.small_talk["greet"]))]
    for _ in range(rng.randint(2, 4)):
        draw = rng.random()
        if draw < 0.5:
            turns.append(("question", rng.choice(pools.questions)))
        elif draw < 0.8:
            turns.append(("symptom", rng.choice(pools.symptoms)))
        else:
            turns.append(("small_talk", rng.choice(pools.small_talk["bot_challenge"] + pools.small_talk["thank"])))
    turns.append(("small_talk", rng.choice(pools.small_talk["thank"] + pools.small_talk["goodbye"])))
    return turns


def script(seed: int, pools: Pools) -> Iterator[Tuple[int, str, str]]:
    """Endless (conversation number, kind, text) for one virtual patient."""
    rng = random.Random(seed)
    number = 0
    while True:
        for kind, text in conversation(rng, pools):
            yield number, kind, text
        number += 1


@dataclass
class Sample:
    kind: str
    start: float  # seconds since the level started
    latency: float
    ok: bool
    degraded: bool = False  # the channel guard answered instead of the bot (see NO_ANSWER_MARK)


@dataclass
class LevelResult:
    system: str
    concurrency: int
    duration: float
    samples: List[Sample] = field(default_factory=list)
    errors: Dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"system": self.system, "concurrency": self.concurrency, "duration": self.duration,
                "errors": self.errors, "samples": [asdict(s) for s in self.samples]}


async def _patient(url: str, tag: str, worker: int, pools: Pools, seed: int, t0: float, stop_at: float,
                   result: LevelResult, timeout: float) -> None:
    """One virtual patient after another on one seat: each conversation is a new patient, with a connection
    of its own (kept for all of that conversation's messages, as a browser keeps it)."""
    session, current = None, None
    try:
        for number, kind, text in script(seed, pools):
            start = time.perf_counter()
            if start >= stop_at:
                return
            if number != current:
                if session is not None:
                    await session.close()
                session, current = aiohttp.ClientSession(), number
            await _say_once(session, url, f"{tag}-{worker}-{number}", kind, text, t0, start, result, timeout)
    finally:
        if session is not None:
            await session.close()


async def _say_once(session: aiohttp.ClientSession, url: str, sender: str, kind: str, text: str, t0: float,
                    start: float, result: LevelResult, timeout: float) -> None:
    ok, degraded = False, False
    try:
        async with session.post(url, json={"sender": sender, "message": text},
                                timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            body = await response.json(content_type=None)
            ok = response.status == 200 and isinstance(body, list) and any(m.get("text") for m in body)
            degraded = ok and any(NO_ANSWER_MARK in (m.get("text") or "") for m in body)
            if not ok:
                key = f"HTTP {response.status}" if response.status != 200 else "empty reply"
                result.errors[key] = result.errors.get(key, 0) + 1
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        key = type(error).__name__
        result.errors[key] = result.errors.get(key, 0) + 1
    end = time.perf_counter()
    result.samples.append(Sample(kind, start - t0, end - start, ok, degraded))
    if not ok:
        await asyncio.sleep(0.1)  # a failing server is not hammered in a tight loop


async def run_level(url: str, system: str, concurrency: int, duration: float, pools: Pools,
                    seed: int = 5, timeout: float = 60.0, tag: Optional[str] = None) -> LevelResult:
    """Runs `concurrency` seats of virtual patients for `duration` seconds; requests already sent are awaited."""
    result = LevelResult(system, concurrency, duration)
    tag = tag or f"bench-{system}-c{concurrency}-{int(time.time())}"
    t0 = time.perf_counter()
    await asyncio.gather(*[
        _patient(url, tag, worker, pools, seed * 1000 + worker, t0, t0 + duration, result, timeout)
        for worker in range(concurrency)
    ])
    return result


async def say(url: str, sender: str, text: str, timeout: float = 60.0) -> Tuple[int, list]:
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json={"sender": sender, "message": text},
                                timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            return response.status, await response.json(content_type=None)


def percentile(values: List[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) without numpy."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarise(result: LevelResult) -> dict:
    done = [s for s in result.samples if s.ok]
    in_window = [s for s in done if s.start + s.latency <= result.duration]
    latencies = [s.latency for s in done]
    by_kind = {}
    for kind in ("question", "symptom", "small_talk"):
        values = [s.latency for s in done if s.kind == kind]
        by_kind[kind] = {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95)}
    return {
        "system": result.system, "concurrency": result.concurrency, "duration": result.duration,
        "requests": len(result.samples), "ok": len(done), "errors": sum(result.errors.values()),
        "error_kinds": dict(result.errors), "degraded": sum(s.degraded for s in done),
        "p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
        "max": max(latencies) if latencies else float("nan"),
        "throughput": len(in_window) / result.duration,
        "by_kind": by_kind,
    }


if __name__ == "__main__":  # a quick look at the message pools and one conversation
    pools = load_pools()
    print(pools.sizes())
    for turn in conversation(random.Random(1), pools):
        print(turn)
