"""Where a message's time goes inside Rasa: one model loaded in this process (as `rasa run` loads it, with its
system's endpoints: SQLite tracker store, a real action server), the load generator's message mix sent one
at a time, and the wall time of every step added up — each graph node (NLU components, policies), the
actions (custom actions = an HTTP call to the action server), the tracker store, and the rest of Rasa's
message handling. Run by bench/run.py after the load test, one subprocess per model.

    .venv/bin/python -m bench.profile --name assistant --model var/bench/models/assistant.tar.gz"""
from __future__ import annotations

import argparse
import asyncio
import functools
import json
import shutil
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional

from bench import load
from bench.run import OUT, ROOT, BIN, Proc, base_env, free_port

_spent: Dict[str, float] = defaultdict(float)
_calls: Dict[str, int] = defaultdict(int)


def _add(bucket: str, seconds: float) -> None:
    _spent[bucket] += seconds
    _calls[bucket] += 1


def _instrument() -> None:
    """Wraps the steps of Rasa's message handling with timers (before any model is loaded)."""
    import logging

    from rasa.core.processor import MessageProcessor
    from rasa.engine.graph import GraphNode
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.endpoints import EndpointConfig
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.INFO)  # as `rasa run` does by default: no debug lines
    configure_structlog(logging.INFO)

    original_call = GraphNode.__call__

    def timed_call(self, *args):
        start = time.perf_counter()
        try:
            return original_call(self, *args)
        finally:
            _add(f"node {self._node_name}", time.perf_counter() - start)

    GraphNode.__call__ = timed_call

    original_run_action = MessageProcessor._run_action

    @functools.wraps(original_run_action)
    async def timed_run_action(self, action, *args, **kwargs):
        start = time.perf_counter()
        try:
            return await original_run_action(self, action, *args, **kwargs)
        finally:
            kind = "custom action (action server)" if type(action).__name__ == "RemoteAction" else \
                "built-in / utter action"
            _add(f"action {kind}", time.perf_counter() - start)

    MessageProcessor._run_action = timed_run_action

    original_request = EndpointConfig.request

    @functools.wraps(original_request)
    async def timed_request(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return await original_request(self, *args, **kwargs)
        finally:
            _add("action server HTTP round trip", time.perf_counter() - start)

    EndpointConfig.request = timed_request


def _instrument_store(store) -> None:
    for name in ("retrieve", "retrieve_full_tracker", "save", "exists"):
        original = getattr(store, name, None)
        if original is None:
            continue

        async def timed(*args, __original=original, __name=name, **kwargs):
            start = time.perf_counter()
            try:
                return await __original(*args, **kwargs)
            finally:
                _add(f"tracker store {__name}", time.perf_counter() - start)

        setattr(store, name, timed)


async def _profile(model: Path, endpoints: Path, stock: bool, messages: List[str], warmup: int,
                   cprofile: Optional[Path] = None) -> dict:
    from rasa.core.agent import load_agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.utils import read_endpoints_from_path

    if not stock:  # as the assistant's server (bot/rasa/server.py) does
        from bot.rasa import patches

        patches.apply()

    _instrument()
    agent = await load_agent(model_path=str(model), endpoints=read_endpoints_from_path(endpoints))
    _instrument_store(agent.tracker_store)
    for i, text in enumerate(messages[:warmup]):
        await agent.handle_message(UserMessage(text, CollectingOutputChannel(), f"profile-warmup-{i // 6}"))
    _spent.clear()
    _calls.clear()
    profiler = None
    if cprofile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    wall, cpu = time.perf_counter(), time.process_time()
    for i, text in enumerate(messages[warmup:]):
        start = time.perf_counter()
        await agent.handle_message(UserMessage(text, CollectingOutputChannel(), f"profile-{i // 6}"))
        _add("total", time.perf_counter() - start)
    if profiler:
        profiler.disable()
        profiler.dump_stats(str(cprofile))
    n = len(messages) - warmup
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    total = _spent.pop("total")
    _calls.pop("total")
    steps = {k: {"ms_per_message": 1000 * v / n, "calls_per_message": _calls[k] / n} for k, v in _spent.items()}
    if "action server HTTP round trip" in steps and "action custom action (action server)" in steps:
        inner = steps["action server HTTP round trip"]["ms_per_message"]
        steps["action custom action (action server)"]["ms_per_message"] -= inner
        steps["custom action, Rasa side (request payload, events)"] = steps.pop("action custom action (action server)")
    counted = sum(v for k, v in _spent.items() if k != "action server HTTP round trip")
    steps["other message handling"] = {"ms_per_message": 1000 * (total - counted) / n,
                                       "calls_per_message": 1.0}
    return {"messages": n, "ms_per_message": 1000 * total / n, "cpu_ms_per_message": 1000 * cpu / n,
            "wall_s": wall, "steps": steps}


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", required=True)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--endpoints", type=Path, default=ROOT / "endpoints.yml")
    parser.add_argument("--stock", action="store_true", help="stock Rasa: nothing of bot/ imported")
    parser.add_argument("--cprofile", type=Path, help="also write cProfile statistics to this file")
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    out = OUT / f"profile-{args.name}.json"
    if not args.in_process:  # start an action server, then profile in a subprocess with the right environment
        import subprocess

        workdir = OUT / f"profile-{args.name}"
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        env = base_env(ACTION_PORT=str(free_port()), TRACKER_STORE_URL=f"sqlite:///{workdir / 'tracker.db'}",
                       DATABASE_URL=f"sqlite:///{workdir / 'kb.db'}")
        subprocess.run([str(BIN / "python"), "-m", "bot", "kb", "load"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        actions = Proc("action server", [str(BIN / "python"), "-m", "bot.rasa.action_server", "--port",
                                         env["ACTION_PORT"]], env, workdir / "actions.log")
        actions.start()
        try:
            deadline = time.monotonic() + 180
            while not _health(int(env["ACTION_PORT"])):
                if time.monotonic() > deadline or not actions.alive():
                    raise RuntimeError(f"the action server did not start; see {workdir / 'actions.log'}")
                time.sleep(0.5)
            with open(workdir / "profile.log", "wb") as log:
                subprocess.run([str(BIN / "python"), "-m", "bench.profile", "--in-process"] + (argv or
                               __import__("sys").argv[1:]), cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT, check=True, timeout=900)
        finally:
            actions.stop()
        print(f"wrote {out}")
        return
    pools = load.load_pools()
    messages = [text for _, (_, _, text) in zip(range(args.messages + args.warmup), load.script(args.seed, pools))]
    result = asyncio.run(_profile(args.model, args.endpoints, args.stock, messages, args.warmup, args.cprofile))
    out.write_text(json.dumps(result, indent=1))


def _health(port: int) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


if __name__ == "__main__":
    main()
