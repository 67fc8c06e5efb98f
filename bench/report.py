"""docs/benchmarks.md and docs/benchmarks.png from var/bench/results.json (written by bench/run.py).

    .venv/bin/python -m bench.report      # re-renders the report from the last run"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "var" / "bench" / "results.json"
MARKDOWN = ROOT / "docs" / "benchmarks.md"
PLOT = ROOT / "docs" / "benchmarks.png"
A, B = "assistant", "baseline"
PROCS = ("rasa server", "action server")


def _ratio(a: Optional[float], b: Optional[float]) -> str:
    if a is None or b is None or b == 0 or any(map(math.isnan, (a, b))):
        return "–"
    return f"{a / b:.2f}×"


def _ms(value: float) -> str:
    return "–" if value is None or math.isnan(value) else f"{value * 1000:,.0f}"


def _run(results: dict, system: str, concurrency: int) -> Optional[dict]:
    return next((r for r in results["runs"] if r["system"] == system and r["concurrency"] == concurrency), None)


def _row(label: str, a, b, fmt=lambda v: f"{v:,.1f}") -> str:
    cell = lambda v: "–" if v is None or (isinstance(v, float) and math.isnan(v)) else fmt(v)  # noqa: E731
    return f"| {label} | {cell(a)} | {cell(b)} | {_ratio(a, b)} |"


def render(results: dict) -> str:
    sa, sb = results["systems"][A], results["systems"][B]
    m = results["machine"]
    lines = [
        "# Benchmarks: the assistant against Rasa's stock configuration",
        "",
        f"`make bench` (bench/run.py), run {results['started']} to {results.get('finished', '?')} on commit "
        f"`{results['commit']}`"
        + (f" with uncommitted changes in {results['uncommitted']} tracked files (work in progress of other "
           "developers in the same tree)" if results.get("uncommitted") else "")
        + "; raw figures in `var/bench/results.json`.",
        "",
        f"**Machine:** {m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB, Python {m['python']}. The machine was "
        "**shared** with other work during the run: the *other CPU* row below is the CPU time the rest of the "
        "machine used during each level, so latencies are upper bounds of what this hardware does alone. "
        "The order of the two systems alternates between levels so that changes in that load do not always "
        "fall on the same system.",
        "",
        "**Systems.** *assistant* = this project (`config.yml`). *baseline* = the pipeline and policies "
        "`rasa init` writes for Rasa 3.6 (`bench/baseline/config.yml`), trained on this project's data and "
        "domain. Both are trained by the same run into `var/bench/models/` and served exactly as `make run` "
        "serves the assistant: the same action server code, `endpoints.yml` (SQLite tracker store), "
        "`credentials.yml` (the project's channels — and with them `bot/server_patches.py`, when present), "
        "each with its own files under `var/bench/<system>/`. As trained:",
        "",
    ]
    for name in (A, B):
        system = results["systems"][name]
        if system.get("pipeline") is not None:
            lines += [f"- *{name}* (`{system['config']}`): pipeline {' → '.join(system['pipeline'])}; "
                      f"policies {', '.join(system['policies']) or '(Rasa defaults)'}"]
    lines += [
        "",
        f"**Load.** Closed loop over the REST channel on loopback: *N* virtual patients, each in one "
        f"conversation at a time, sending the next message as soon as the reply arrives (no think time), for "
        f"{results['duration_s']:.0f} s per level after {results.get('warmup', 20)} warm-up messages. A "
        "conversation is a greeting, 2–4 turns drawn 50 % question / 30 % symptom report / 20 % small talk, then "
        "thanks or goodbye; messages are drawn from "
        f"`data/nlu` ({results['pools']['questions']} questions, {results['pools']['small talk']} small-talk "
        f"lines) and `tests/triage/cases.yml` ({results['pools']['symptom reports']} symptom reports), with the "
        "same seeds for both systems. Latency = time from sending a message to the complete reply (all bot "
        "messages of the turn). Throughput = replies completed within the level's duration / duration. "
        "*Guard answers* = replies where the channel guard had to answer instead of the bot (the bot failed "
        "or timed out behind it). Ratios are assistant / baseline.",
        "",
        "![latency, throughput and memory](benchmarks.png)",
        "",
        "## Under load",
        "",
    ]
    for concurrency in results["levels"]:
        ra, rb = _run(results, A, concurrency), _run(results, B, concurrency)
        if not ra or not rb:
            continue
        lines += [
            f"### {concurrency} concurrent conversation{'s' if concurrency > 1 else ''}",
            "",
            "| | assistant | baseline | ratio |",
            "|---|---:|---:|---:|",
            _row("p50 latency (ms)", ra["p50"], rb["p50"], lambda v: _ms(v)),
            _row("p95 latency (ms)", ra["p95"], rb["p95"], lambda v: _ms(v)),
            _row("p99 latency (ms)", ra["p99"], rb["p99"], lambda v: _ms(v)),
            _row("throughput (messages/s)", ra["throughput"], rb["throughput"], lambda v: f"{v:.2f}"),
            _row("messages answered", ra["ok"], rb["ok"], lambda v: f"{v:,}"),
            _row("errors (no reply / HTTP error / timeout)", ra["errors"], rb["errors"], lambda v: f"{v:,}"),
            _row("guard answers", ra["degraded"], rb["degraded"], lambda v: f"{v:,}"),
            _row("CPU per message, Rasa server (ms)", ra["cpu_ms_per_request"]["rasa server"],
                 rb["cpu_ms_per_request"]["rasa server"], lambda v: f"{v:.0f}"),
            _row("CPU per message, action server (ms)", ra["cpu_ms_per_request"]["action server"],
                 rb["cpu_ms_per_request"]["action server"], lambda v: f"{v:.0f}"),
            _row("CPU of the load generator (s)", ra["client_cpu_s"], rb["client_cpu_s"], lambda v: f"{v:.1f}"),
            _row("cores busy, whole machine", ra["cores_busy"], rb["cores_busy"], lambda v: f"{v:.2f}"),
            _row("other CPU on the machine (s)", ra["other_cpu_s"], rb["other_cpu_s"], lambda v: f"{v:.0f}"),
            "",
        ]
    ta, tb = sa["training"], sb["training"]
    lines += [
        "## Start-up, memory, training",
        "",
        "| | assistant | baseline | ratio |",
        "|---|---:|---:|---:|",
        _row("start to first answer (s)", sa["first_answer_s"], sb["first_answer_s"]),
    ]
    for proc in PROCS:
        lines.append(_row(f"peak RSS, {proc} (MB)", sa["peak_rss_mb"][proc], sb["peak_rss_mb"][proc],
                          lambda v: f"{v:,.0f}"))
    lines += [
        _row("peak RSS, both processes (MB)", sum(sa["peak_rss_mb"].values()), sum(sb["peak_rss_mb"].values()),
             lambda v: f"{v:,.0f}"),
        _row("RSS after start-up, Rasa server (MB)", sa["idle_rss_mb"]["rasa server"],
             sb["idle_rss_mb"]["rasa server"], lambda v: f"{v:,.0f}"),
        _row("training, wall clock (s)", ta["wall_s"], tb["wall_s"], lambda v: f"{v:,.0f}"),
        _row("training, CPU time (s)", ta["cpu_s"], tb["cpu_s"], lambda v: f"{v:,.0f}"),
        _row("model file (MB)", ta["model_mb"], tb["model_mb"]),
        "",
        "Start to first answer: both servers launched at the same moment, then \"hello\" sent every 0.2 s until a "
        "real reply (not the guard's) comes back; it includes loading the model. Peak RSS is the kernel's "
        "high-water mark (`VmHWM` in /proc/<pid>/status) of each server process over the whole run, start-up "
        "included. Training: `rasa train --force` of each configuration on the same data, wall clock and CPU "
        "time of the process (CPU time is less sensitive to the other load on the machine).",
        "",
        "## Where the time goes",
        "",
    ]
    first = results["levels"][0]
    ra, rb = _run(results, A, first), _run(results, B, first)
    if ra and rb:
        ca, cb = ra["cpu_ms_per_request"]["rasa server"], rb["cpu_ms_per_request"]["rasa server"]
        lines += [
            "The Rasa server is one process and its Python code runs on one core at a time, so under load its "
            "throughput tops out near 1000 / (its CPU milliseconds per message): at "
            f"{first} conversation{'s' if first > 1 else ''}, {ca:.0f} ms → about {1000 / ca:.0f} messages/s for "
            f"the assistant and {cb:.0f} ms → about {1000 / cb:.0f} for the baseline, less whatever the rest of "
            "the machine takes. Beyond that point more conversations only add queueing: latency grows with "
            "the number of conversations while throughput stays flat.",
            "",
            f"Median latency by kind of message at {first} conversation{'s' if first > 1 else ''} "
            "(questions and symptom reports go through the action server; small talk is a domain response):",
            "",
            "| kind | assistant p50 (ms) | baseline p50 (ms) | ratio | messages (assistant) |",
            "|---|---:|---:|---:|---:|",
        ]
        for kind in ("question", "symptom", "small_talk"):
            ka, kb = ra["by_kind"][kind], rb["by_kind"][kind]
            lines.append(f"| {kind.replace('_', ' ')} | {_ms(ka['p50'])} | {_ms(kb['p50'])} | "
                         f"{_ratio(ka['p50'], kb['p50'])} | {ka['n']} |")
        lines.append("")
    profile = results.get("profile") or {}
    if A in profile and B in profile:
        pa, pb = profile[A], profile[B]
        lines += [
            f"Inside one message: each model loaded in one process as `rasa run` loads it (SQLite tracker store, "
            f"a real action server), {pa['messages']} messages of the same mix sent one at a time, the wall time "
            "of each step added up (`bench/profile.py`; milliseconds per message, averaged over all messages — "
            "a step that runs for half the messages counts half):",
            "",
            "| step | assistant (ms) | baseline (ms) |",
            "|---|---:|---:|",
        ]
        for label, va, vb in _profile_rows(pa, pb):
            lines.append(f"| {label} | {va:.1f} | {vb:.1f} |")
        lines += [
            f"| **total per message** (wall) | **{pa['ms_per_message']:.1f}** | **{pb['ms_per_message']:.1f}** |",
            f"| CPU time of the Rasa process per message | {pa['cpu_ms_per_message']:.1f} | "
            f"{pb['cpu_ms_per_message']:.1f} |",
            "",
        ]
        if results.get("profile_note"):
            lines += [f"({results['profile_note']}.)", ""]
        lines += [
            "Reading it: *tracker store save* is the SQLite commit of every turn (`endpoints.yml`: the embedded "
            "default; it waits on the disk more than on the CPU). *Custom action, Rasa side* is the Rasa "
            "server's own work around each action-server call: building the request (tracker state and domain) "
            "and validating and applying the reply. Stock Rasa 3.6 validates every reply with "
            "`jsonschema.validate` (rasa/core/actions/action.py, `_validate_action_result`), which also "
            "re-checks the schema itself against the JSON-Schema metaschema on every call; that was most of this "
            "step in the first run of this benchmark (cProfile, 100 messages), and `bot/server_patches.py` now "
            "checks the schema once. The action server's own work (the knowledge-base query) is inside the HTTP "
            "round trip.",
            "",
        ]
    lines += ["Training time per component (from Rasa's training log, 1 s resolution):", "",
              "| component | assistant (s) | baseline (s) |", "|---|---:|---:|"]
    names = sorted(set(ta.get("components_s", {})) | set(tb.get("components_s", {})),
                   key=lambda n: -max(ta.get("components_s", {}).get(n, 0), tb.get("components_s", {}).get(n, 0)))
    for name in names:
        va, vb = ta.get("components_s", {}).get(name), tb.get("components_s", {}).get(name)
        if (va or 0) + (vb or 0) >= 1:
            lines.append(f"| {name} | {'–' if va is None else f'{va:.0f}'} | {'–' if vb is None else f'{vb:.0f}'} |")
    for name, training in ((A, ta), (B, tb)):
        if training.get("skipped"):
            lines += ["", f"*{name}*: Rasa skipped training {', '.join(f'`{c}`' for c in training['skipped'])} for "
                          "lack of data — the project's dialogue data has no stories (rules only), and these "
                          "policies learn from stories; here they predict nothing and the dialogue is left to the "
                          "rule and memoization policies."]
    notes = results.get("notes")
    if notes:
        lines += ["", "## Observations", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def _profile_rows(pa: dict, pb: dict, threshold_ms: float = 0.5):
    """(label, assistant ms, baseline ms): steps above the threshold in either, the rest summed up."""
    def grouped(profile: dict) -> Dict[str, float]:
        out: Dict[str, float] = {}
        for step, value in profile["steps"].items():
            label = step
            if step.startswith("node run_"):
                name = step[len("node run_"):].rstrip("0123456789").split(".")[-1]
                label = f"{'policy' if name.endswith('Policy') else 'NLU'} {name}"
            elif step.startswith("node "):
                label = "other graph nodes"
            out[label] = out.get(label, 0.0) + value["ms_per_message"]
        return out

    ga, gb = grouped(pa), grouped(pb)
    rows, rest = [], [0.0, 0.0]
    for label in sorted(set(ga) | set(gb), key=lambda k: -max(ga.get(k, 0), gb.get(k, 0))):
        va, vb = ga.get(label, 0.0), gb.get(label, 0.0)
        if label == "other message handling":
            continue
        if max(va, vb) >= threshold_ms:
            rows.append((label, va, vb))
        else:
            rest[0] += va
            rest[1] += vb
    rows.append((f"other steps (each < {threshold_ms} ms)", rest[0], rest[1]))
    rows.append(("rest of Rasa's message handling", ga.get("other message handling", 0.0),
                 gb.get("other message handling", 0.0)))
    return rows


def plot(results: dict, path: Path = PLOT) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    levels = results["levels"]
    colours = {A: "tab:blue", B: "tab:orange"}
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    for system in (A, B):
        runs = [_run(results, system, c) for c in levels]
        xs = [c for c, r in zip(levels, runs) if r]
        runs = [r for r in runs if r]
        axes[0].plot(xs, [r["p50"] * 1000 for r in runs], "o-", color=colours[system], label=f"{system} p50")
        axes[0].plot(xs, [r["p95"] * 1000 for r in runs], "s--", color=colours[system], label=f"{system} p95")
        axes[1].plot(xs, [r["throughput"] for r in runs], "o-", color=colours[system], label=system)
    from matplotlib.ticker import NullFormatter

    for ax in axes[:2]:
        ax.set_xscale("log")
        ax.set_xticks(levels)
        ax.set_xticklabels([str(c) for c in levels])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("concurrent conversations")
        ax.grid(alpha=0.3)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("latency (ms)")
    axes[0].set_title("Latency")
    axes[0].legend(fontsize=8)
    axes[1].set_ylim(bottom=0)
    axes[1].set_ylabel("messages / s")
    axes[1].set_title("Throughput")
    axes[1].legend(fontsize=8)
    width = 0.35
    for offset, system in ((-width / 2, A), (width / 2, B)):
        peaks = results["systems"][system]["peak_rss_mb"]
        axes[2].bar([i + offset for i in range(len(PROCS))], [peaks[p] for p in PROCS], width,
                    color=colours[system], label=system)
    axes[2].set_xticks(range(len(PROCS)))
    axes[2].set_xticklabels(PROCS)
    axes[2].set_ylabel("peak RSS (MB)")
    axes[2].set_title("Peak memory")
    axes[2].legend(fontsize=8)
    fig.suptitle(f"make bench, {results['started'][:16].replace('T', ' ')} UTC, {results['machine']['cores']} "
                 f"shared cores, {results['duration_s']:.0f} s per level", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(results: dict) -> None:
    MARKDOWN.parent.mkdir(parents=True, exist_ok=True)
    MARKDOWN.write_text(render(results), encoding="utf-8")
    plot(results)


if __name__ == "__main__":
    write(json.loads(RESULTS.read_text()))
    print(f"wrote {MARKDOWN.relative_to(ROOT)}, {PLOT.relative_to(ROOT)}")
