"""`make bench`: the assistant against a baseline — Rasa's stock configuration (bench/baseline/config.yml)
trained on this project's data and domain, served by stock Rasa — under the same closed-loop REST load
(bench/load.py).

In one run: trains both models into var/bench/ (timed) and starts each system in turn (action server + Rasa
server, own SQLite tracker and knowledge-base files under var/bench/<system>/):
- *assistant*: as `make run` serves it (endpoints.yml, credentials.yml: one Sanic worker, in-memory lock);
- *assistant-2w*: the same model with two Sanic workers sharing the conversation lock in the local Redis
  (SANIC_WORKERS=2, REDIS_URL), the production layout on this machine;
- *baseline*: stock Rasa (bench/baseline/endpoints.yml, credentials.yml: its SQL tracker store and REST
  channel; nothing of bot/ is loaded).
It times the first answer, drives each system at 1, 10 and 50 concurrent conversations (the order of the
systems rotates between levels, so a change in the background load of the machine does not always fall on
the same one), times one long conversation, reads the memory of every process from /proc, stops everything
and writes var/bench/results.json, docs/benchmarks.md and docs/benchmarks.png.

    .venv/bin/python -m bench.run [--duration 25] [--levels 1 10 50] [--skip-train]

Loopback only; every wait is bounded, so the run stops by itself."""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional

from bench import load, report
from scripts.launch import Service, free_port, rasa_server, with_env_sh

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
OUT = ROOT / "var" / "bench"
MODELS = {  # name -> training config
    "assistant": ROOT / "config.yml",
    "baseline": ROOT / "bench" / "baseline" / "config.yml",
}
BASELINE_FILES = ROOT / "bench" / "baseline"
BENCH_REDIS_URL = "redis://127.0.0.1:6379/14"  # the local Redis; db 14 is left to the benchmark


@dataclass(frozen=True)
class Setup:
    """One system under test: which model, served with which endpoints, credentials and environment."""
    name: str
    model: str
    endpoints: Path
    credentials: Path
    env: Dict[str, str]
    description: str


SETUPS = [
    Setup("assistant", "assistant", ROOT / "endpoints.yml", ROOT / "credentials.yml", {},
          "this project as `make run` serves it: one Sanic worker, in-memory lock"),
    Setup("assistant-2w", "assistant", ROOT / "endpoints.yml", ROOT / "credentials.yml",
          {"SANIC_WORKERS": "2", "REDIS_URL": BENCH_REDIS_URL},
          "the same model with two Sanic workers sharing the conversation lock in Redis"),
    Setup("baseline", "baseline", BASELINE_FILES / "endpoints.yml", BASELINE_FILES / "credentials.yml", {},
          "Rasa's stock configuration served by stock Rasa (its SQL tracker store and REST channel)"),
]
LONG_TURNS = 150  # the long conversation: questions one after another in one conversation
TICKS = os.sysconf("SC_CLK_TCK")


def base_env(**overrides: str) -> Dict[str, str]:
    """The environment `make run` gives the servers: scripts/env.sh sourced over ours (it only fills in
    what is unset, so the overrides win)."""
    env = dict(os.environ)
    # the rate limits are lifted for load tests on loopback (docs/security.md)
    env.update(PYTHONPATH=str(ROOT), RASA_CACHE_DIRECTORY=str(OUT / "cache"), RATE_LIMIT_PER_SENDER="0",
               RATE_LIMIT_PER_ADDRESS="0", **overrides)
    return with_env_sh(env)


# ------------------------------------------------------------------ /proc: memory and CPU of a process tree
def _read(path: str) -> str:
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return ""


def descendants(pid: int) -> List[int]:
    children: Dict[int, List[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _read(f"/proc/{entry}/stat")
            if stat:
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def status_kb(pid: int, field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", _read(f"/proc/{pid}/status"), re.MULTILINE)
    return int(match.group(1)) if match else 0


def cpu_seconds(pid: int) -> float:
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def system_cpu() -> float:
    """Busy CPU seconds of the whole machine (all cores) since boot."""
    values = [int(v) for v in _read("/proc/stat").splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICKS


# ------------------------------------------------------------------ processes
class Proc(Service):
    """A server of the bench (scripts/launch.Service in a session of its own), with its memory and CPU measured."""

    def __init__(self, name: str, command: List[str], env: Dict[str, str], log: Path) -> None:
        super().__init__(name, command, env, log, own_session=True)
        self.peak_kb: Dict[int, int] = {}

    def pids(self) -> List[int]:
        return descendants(self.pid) if self.alive() else []

    def sample_memory(self) -> None:
        for pid in self.pids():
            self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), status_kb(pid, "VmHWM"))
        self.sample_pss()

    def sample_pss(self) -> float:
        """Proportional memory of the process tree now (pages shared between processes counted once in all),
        and the highest such sum seen."""
        total = 0
        for pid in self.pids():
            match = re.search(r"^Pss:\s+(\d+) kB", _read(f"/proc/{pid}/smaps_rollup"), re.MULTILINE)
            total += int(match.group(1)) if match else 0
        self.peak_pss_mb = max(getattr(self, "peak_pss_mb", 0.0), total / 1024)
        return total / 1024

    def rss_mb(self) -> float:
        return sum(status_kb(pid, "VmRSS") for pid in self.pids()) / 1024

    def peak_mb(self) -> float:
        """Peak resident memory (VmHWM) of the server process, plus that of any child process."""
        self.sample_memory()
        return sum(self.peak_kb.values()) / 1024

    def cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.pids())

    def stop(self) -> None:
        if self.alive():
            self.sample_memory()
        super().stop()


class System:
    """One system of SETUPS: action server + Rasa server."""

    def __init__(self, setup: Setup, model: Path) -> None:
        self.setup, self.name, self.model = setup, setup.name, model
        self.workdir = OUT / setup.name
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.workdir.mkdir(parents=True)
        self.rasa_port, self.action_port = free_port(), free_port()
        env = base_env(RASA_PORT=str(self.rasa_port), ACTION_PORT=str(self.action_port),
                       TRACKER_STORE_URL=f"sqlite:///{self.workdir / 'tracker.db'}",
                       DATABASE_URL=f"sqlite:///{self.workdir / 'kb.db'}", **setup.env)
        self.env = env
        self.url = f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"
        self.actions = Proc("action server", [str(BIN / "python"), "-m", "bot.rasa.action_server",
                                              "--port", str(self.action_port)], env, self.workdir / "actions.log")
        self.rasa = Proc("rasa server", rasa_server(model, self.rasa_port, ["*"], setup.endpoints, setup.credentials,
                                                    stock=setup.name == "baseline"), env, self.workdir / "rasa.log")
        self.first_answer_s: Optional[float] = None
        self.first_reply: Optional[list] = None

    def procs(self) -> List[Proc]:
        return [self.rasa, self.actions]

    def start(self, timeout: float = 300) -> float:
        """Starts both servers at once; returns the seconds until the first real answer to "hello"."""
        subprocess.run([str(BIN / "python"), "-m", "bot", "kb", "load"], cwd=ROOT, env=self.env, check=True,
                       capture_output=True)
        t0 = time.perf_counter()
        self.actions.start()
        self.rasa.start()
        deadline = t0 + timeout
        while time.perf_counter() < deadline:
            for proc in self.procs():
                if not proc.alive():
                    raise RuntimeError(f"{self.name}: the {proc.name} exited; see {proc.log}")
            try:
                status, body = asyncio.run(load.say(self.url, f"bench-{self.name}-first", "hello", timeout=30))
                texts = [m.get("text") or "" for m in body] if isinstance(body, list) else []
                if status == 200 and any(texts) and not any(load.NO_ANSWER_MARK in t for t in texts):
                    self.first_answer_s = time.perf_counter() - t0
                    self.first_reply = body
                    return self.first_answer_s
            except Exception:  # not listening yet
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name}: no answer after {timeout} s; see {self.workdir}")

    def stop(self) -> None:
        self.rasa.stop()
        self.actions.stop()


# ------------------------------------------------------------------ training
_COMPONENT = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) .*?(Starting|Finished) to train component '([^']+)'|"
                        r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) .*?(Finished) training component '([^']+)'")


def component_times(log: Path) -> Dict[str, float]:
    """Seconds per trained component, from the timestamps of Rasa's training log (1 s resolution)."""
    started: Dict[str, datetime] = {}
    spent: Dict[str, float] = {}
    for line in log.read_text(errors="replace").splitlines():
        match = _COMPONENT.search(line)
        if not match:
            continue
        stamp = match.group(1) or match.group(4)
        name = match.group(3) or match.group(6)
        at = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S")
        if (match.group(2) or "") == "Starting":
            started[name] = at
        elif name in started:
            spent[name] = spent.get(name, 0.0) + (at - started.pop(name)).total_seconds()
    return spent


def skipped_components(log: Path) -> List[str]:
    """Components Rasa did not train for lack of data ("Skipping training of `TEDPolicy` as no data ...")."""
    return sorted(set(re.findall(r"Skipping training of `([^`]+)` as no data", log.read_text(errors="replace"))))


def training_from_log(name: str) -> dict:
    """What a model's training took, read back from its log (1 s resolution, no CPU time): for `--skip-train`
    after a run that stopped before writing its results."""
    log = OUT / f"train-{name}.log"
    stamps = [datetime.strptime(m, "%Y-%m-%d %H:%M:%S")
              for m in re.findall(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) ", log.read_text(errors="replace"), re.M)]
    wall = (stamps[-1] - stamps[0]).total_seconds() if stamps else float("nan")
    return dict(training_result(name, wall, cpu=None), reused=True)


def training_result(name: str, wall: float, cpu: Optional[float]) -> dict:
    """One model's training: its time, its components' times and what Rasa skipped (from its log), its size."""
    log = OUT / f"train-{name}.log"
    return {"wall_s": wall, "cpu_s": cpu, "components_s": component_times(log), "skipped": skipped_components(log),
            "model_mb": (OUT / "models" / f"{name}.tar.gz").stat().st_size / 1e6}


def train(name: str, config: Path) -> dict:
    log = OUT / f"train-{name}.log"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with open(log, "wb") as handle:
        done = subprocess.run([str(BIN / "rasa"), "train", "--config", str(config), "--domain", "domain.yml",
                               "--data", "data", "--out", str(OUT / "models"), "--fixed-model-name", name,
                               "--force"], cwd=ROOT, env=base_env(), stdout=handle, stderr=subprocess.STDOUT,
                              timeout=3600)  # stock DIET alone took 1591 s here, and 1800+ beside other work
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"training {name} failed; see {log}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return training_result(name, wall, cpu)


def components(config: Path) -> Dict[str, List[str]]:
    """The pipeline and policies of a training config, as trained by this run (names with their settings)."""
    import yaml

    doc = yaml.safe_load(config.read_text(encoding="utf-8")) or {}

    def described(items) -> List[str]:
        out = []
        for item in items or []:
            name = str(item.get("name", "?")).split(".")[-1]
            settings = ", ".join(f"{k} {v}" for k, v in item.items() if k != "name")
            out.append(f"{name} ({settings})" if settings else name)
        return out

    return {"pipeline": described(doc.get("pipeline")), "policies": described(doc.get("policies"))}


def with_epochs(config: Path, epochs: int, out: Path) -> Path:
    """A copy of a training config whose every component with `epochs` trains for `epochs` (the rest unchanged)."""
    import yaml

    doc = yaml.safe_load(config.read_text(encoding="utf-8"))
    for item in (doc.get("pipeline") or []) + (doc.get("policies") or []):
        if "epochs" in item:
            item["epochs"] = epochs
    out.write_text(f"# {config.relative_to(ROOT)} with epochs: {epochs} (bench/run.py --baseline-epochs)\n"
                   + yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return out


# ------------------------------------------------------------------ the run
def machine() -> dict:
    cpu = re.search(r"^model name\s*:\s*(.+)$", _read("/proc/cpuinfo"), re.MULTILINE)
    return {"cores": os.cpu_count(), "cpu": cpu.group(1) if cpu else "?",
            "memory_gb": round(status_kb_meminfo("MemTotal") / 1024 / 1024, 1),
            "python": sys.version.split()[0]}


def status_kb_meminfo(field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", _read("/proc/meminfo"), re.MULTILINE)
    return int(match.group(1)) if match else 0


def git_commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() or "?"


def uncommitted() -> int:
    done = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True,
                          text=True)
    return len(done.stdout.splitlines())


def drive(system: System, concurrency: int, duration: float, pools: load.Pools, seed: int) -> dict:
    cpu_before = {p.name: p.cpu() for p in system.procs()}
    machine_before, self_before = system_cpu(), resource.getrusage(resource.RUSAGE_SELF)
    load_before = os.getloadavg()[0]
    result = asyncio.run(load.run_level(system.url, system.name, concurrency, duration, pools, seed=seed))
    elapsed = max(duration, max((s.start + s.latency for s in result.samples), default=duration))
    self_after = resource.getrusage(resource.RUSAGE_SELF)
    summary = load.summarise(result)
    ours = {p.name: p.cpu() - cpu_before[p.name] for p in system.procs()}
    client = (self_after.ru_utime - self_before.ru_utime) + (self_after.ru_stime - self_before.ru_stime)
    busy = system_cpu() - machine_before
    summary.update(
        elapsed_s=elapsed,
        cpu_s=ours,
        cpu_ms_per_request={k: 1000 * v / max(summary["ok"], 1) for k, v in ours.items()},
        client_cpu_s=client,
        other_cpu_s=max(0.0, busy - sum(ours.values()) - client),  # the rest of the shared machine
        cores_busy=busy / elapsed,
        loadavg_before=load_before,
    )
    for proc in system.procs():
        proc.sample_memory()
    return summary


def long_conversation(system: System, pools: load.Pools, turns: int, seed: int) -> dict:
    """One conversation of `turns` questions, one after another: does a turn get slower as it grows?"""
    rng = random.Random(seed)
    latencies = []
    for _ in range(turns):
        start = time.perf_counter()
        asyncio.run(load.say(system.url, f"bench-{system.name}-long", rng.choice(pools.questions)))
        latencies.append(time.perf_counter() - start)
    tenth = max(1, turns // 10)
    return {"turns": turns, "latencies": latencies,
            "first_p50": load.percentile(latencies[:tenth], 50), "last_p50": load.percentile(latencies[-tenth:], 50)}


def main(argv: Optional[List[str]] = None) -> None:
    # stopped with SIGTERM (kill, a CI timeout), the run still stops the servers it started (the `finally` below)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=25.0, help="seconds per load level (default 25)")
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--warmup", type=int, default=60, help="messages sent to each system before measuring")
    parser.add_argument("--long", type=int, default=LONG_TURNS, help="turns of the long conversation; 0: none")
    parser.add_argument("--skip-train", action="store_true", help="reuse the models in var/bench/models")
    parser.add_argument("--baseline-epochs", type=int, default=None,
                        help="train the baseline with this many epochs in every component that has them (stock: 100); "
                             "the networks are the same size, so each prediction costs the same, but the model is less "
                             "trained. For a machine where the stock baseline does not train within the hour")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--profile", type=int, default=300,
                        help="messages of the in-process profile of each model (bench/profile.py); 0: none")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    started = datetime.now(timezone.utc)
    pools = load.load_pools()
    results: dict = {"started": started.isoformat(timespec="seconds"), "commit": git_commit(), "uncommitted": uncommitted(),
                     "machine": machine(), "duration_s": args.duration, "levels": args.levels, "warmup": args.warmup,
                     "pools": pools.sizes(), "order": [setup.name for setup in SETUPS], "baseline": "baseline",
                     "models": {}, "systems": {}, "runs": []}
    previous = OUT / "results.json"
    models = dict(MODELS)
    if args.baseline_epochs:
        models["baseline"] = with_epochs(MODELS["baseline"], args.baseline_epochs, OUT / "baseline-config.yml")
        results["baseline_epochs"] = args.baseline_epochs
    for name, config in models.items():
        entry = results["models"].setdefault(name, {"config": str(config.relative_to(ROOT))})
        entry.update(components(config))
        if args.skip_train and previous.exists():
            entry["training"] = json.loads(previous.read_text())["models"][name]["training"]
            entry["training"]["reused"] = True
        elif args.skip_train and (OUT / "models" / f"{name}.tar.gz").exists():  # a run stopped before its results
            entry["training"] = training_from_log(name)
        else:
            print(f"training {name} ({entry['config']}) ...", flush=True)
            entry["training"] = train(name, config)
            print(f"  {entry['training']['wall_s']:.0f} s", flush=True)

    systems = [System(setup, OUT / "models" / f"{setup.model}.tar.gz") for setup in SETUPS]
    try:
        for system in systems:
            print(f"starting {system.name} ...", flush=True)
            first = system.start()
            results["systems"][system.name] = {
                **asdict(system.setup), "endpoints": str(system.setup.endpoints.relative_to(ROOT)),
                "credentials": str(system.setup.credentials.relative_to(ROOT)), "first_answer_s": first,
                "first_reply": system.first_reply, "idle_rss_mb": {p.name: p.rss_mb() for p in system.procs()},
                "processes": {p.name: len(p.pids()) for p in system.procs()}}
            print(f"  first answer after {first:.1f} s", flush=True)
        for system in systems:  # warm-up, not measured
            for i, (_, _, text) in zip(range(args.warmup), load.script(args.seed + 99, pools)):
                asyncio.run(load.say(system.url, f"warmup-{system.name}-{i // 6}", text))
        for index, concurrency in enumerate(args.levels):
            order = systems[index % len(systems):] + systems[:index % len(systems)]
            for system in order:
                print(f"{system.name}: {concurrency} concurrent conversations for {args.duration:.0f} s ...",
                      flush=True)
                summary = drive(system, concurrency, args.duration, pools, args.seed)
                results["runs"].append(summary)
                print(f"  p50 {summary['p50'] * 1000:.0f} ms, p95 {summary['p95'] * 1000:.0f} ms, "
                      f"{summary['throughput']:.1f} msg/s, errors {summary['errors']}, "
                      f"guard answers {summary['degraded']}", flush=True)
        if args.long:
            for system in systems:
                print(f"{system.name}: one conversation of {args.long} questions ...", flush=True)
                entry = results["systems"][system.name]
                entry["long"] = long_conversation(system, pools, args.long, args.seed)
                print(f"  median of the first tenth {entry['long']['first_p50'] * 1000:.0f} ms, "
                      f"of the last tenth {entry['long']['last_p50'] * 1000:.0f} ms", flush=True)
        for system in systems:
            entry = results["systems"][system.name]
            entry["peak_rss_mb"] = {p.name: p.peak_mb() for p in system.procs()}
            entry["peak_pss_mb"] = {p.name: getattr(p, "peak_pss_mb", 0.0) for p in system.procs()}
    finally:
        for system in systems:
            system.stop()
    if args.profile:
        results["profile"] = {}
        for setup in (s for s in SETUPS if s.name in MODELS):
            print(f"profiling {setup.name} in-process ({args.profile} messages, one at a time) ...", flush=True)
            subprocess.run([str(BIN / "python"), "-m", "bench.profile", "--name", setup.name, "--model",
                            str(OUT / "models" / f"{setup.model}.tar.gz"), "--messages", str(args.profile),
                            "--endpoints", str(setup.endpoints)] + (["--stock"] if setup.name == "baseline" else []),
                           cwd=ROOT, check=True, timeout=1200, stdout=subprocess.DEVNULL)
            results["profile"][setup.name] = json.loads((OUT / f"profile-{setup.name}.json").read_text())
    results["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    (OUT / "results.json").write_text(json.dumps(results, indent=1))
    report.write(results)
    print(f"wrote {OUT / 'results.json'}, {report.MARKDOWN.relative_to(ROOT)}, {report.PLOT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
