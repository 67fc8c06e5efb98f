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
SOAK_SECTION = "<!-- soak: written by bench/soak.py -->"  # bench/soak.py's section, kept when the rest is rewritten
PLOT = ROOT / "docs" / "benchmarks.png"
RAW = ROOT / "docs" / "benchmarks.json"  # the figures of the report, kept with it
PROCS = ("rasa server", "action server")
LABELS = {"assistant": "assistant", "assistant-2w": "assistant, 2 workers", "baseline": "baseline"}


def _ratio(a: Optional[float], b: Optional[float]) -> str:
    if a is None or b is None or b == 0 or any(map(math.isnan, (a, b))):
        return "–"
    return f"{a / b:.2f}×"


def _ms(value: float) -> str:
    return "–" if value is None or math.isnan(value) else f"{value * 1000:,.0f}"


def _run(results: dict, system: str, concurrency: int) -> Optional[dict]:
    return next((r for r in results["runs"] if r["system"] == system and r["concurrency"] == concurrency), None)


class Table:
    """One column per system, then one ratio column per system against the baseline (the last one)."""

    def __init__(self, results: dict, first_column: str = "") -> None:
        self.systems, self.baseline = results["order"], results["baseline"]
        self.others = [s for s in self.systems if s != self.baseline]
        heads = [LABELS.get(s, s) for s in self.systems] + [f"{LABELS.get(s, s)} / baseline" for s in self.others]
        self.lines = [f"| {first_column} | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(heads)]

    def row(self, label: str, values: Dict[str, Optional[float]], fmt=lambda v: f"{v:,.1f}") -> None:
        cell = lambda v: "–" if v is None or (isinstance(v, float) and math.isnan(v)) else fmt(v)  # noqa: E731
        cells = [cell(values.get(s)) for s in self.systems]
        cells += [_ratio(values.get(s), values.get(self.baseline)) for s in self.others]
        self.lines.append(f"| {label} | " + " | ".join(cells) + " |")


def render(results: dict) -> str:
    systems, models = results["systems"], results["models"]
    m = results["machine"]
    lines = [
        "# Benchmarks: the assistant against Rasa's stock configuration",
        "",
        f"`make bench` (bench/run.py), run {results['started']} to {results.get('finished', '?')} on commit "
        f"`{results['commit']}`"
        + (f" with uncommitted changes in {results['uncommitted']} tracked files" if results.get("uncommitted") else "")
        + "; raw figures in [benchmarks.json](benchmarks.json).",
        "",
        f"**Machine:** {m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB, Python {m['python']}. The load "
        "generator runs on the same cores; the *other CPU* rows show what the rest of the machine used during "
        "each level. The order of the systems rotates between levels.",
        "",
        "**Systems**, each with its own action server, SQLite tracker and knowledge-base files under "
        "`var/bench/<system>/`:",
        "",
    ]
    for name in results["order"]:
        system = systems[name]
        model = models[system["model"]]
        env = ", ".join(f"{k}={v}" for k, v in system["env"].items())
        lines.append(f"- *{LABELS.get(name, name)}*: {system['description']}. Model `{model['config']}`; "
                     f"`{system['endpoints']}`, `{system['credentials']}`" + (f"; {env}" if env else "") + ".")
    lines += ["", "As trained (both models by the same run into `var/bench/models/`):", ""]
    if results.get("baseline_epochs"):
        lines += [f"The baseline was trained with {results['baseline_epochs']} epochs in every component that has them, "
                  "not the stock 100 (`--baseline-epochs`): at 100 its DIET alone trains for well over an hour on this "
                  "machine. Its networks are the same size, so a prediction costs the same; its answers may differ "
                  "from a fully trained baseline's.", ""]
    for name, model in models.items():
        lines.append(f"- `{model['config']}`: pipeline {' → '.join(model['pipeline'])}; "
                     f"policies {', '.join(model['policies']) or '(Rasa defaults)'}")
    lines += [
        "",
        f"**Load.** Closed loop over the REST channel on loopback: *N* virtual patients, each in one "
        f"conversation at a time, sending the next message as soon as the reply arrives (no think time), for "
        f"{results['duration_s']:.0f} s per level after {results.get('warmup', 20)} warm-up messages. A "
        "conversation is a greeting, 2–4 turns drawn 50 % question / 30 % symptom report / 20 % small talk, then "
        "thanks or goodbye; messages are drawn from "
        f"`data/nlu` ({results['pools']['questions']} questions, {results['pools']['small talk']} small-talk "
        f"lines) and `data/triage/cases.yml` ({results['pools']['symptom reports']} symptom reports), with the "
        "same seeds for every system. Latency = time from sending a message to the complete reply (all bot "
        "messages of the turn). Throughput = replies completed within the level's duration / duration. "
        "*Guard answers* = replies where the channel guard had to answer instead of the bot.",
        "",
        "![latency, throughput and memory](benchmarks.png)",
        "",
    ] + _targets(results) + [
        "## Under load",
        "",
    ]
    for concurrency in results["levels"]:
        runs = {s: _run(results, s, concurrency) for s in results["order"]}
        if not all(runs.values()):
            continue
        table = Table(results)
        pick = lambda key: {s: r[key] for s, r in runs.items()}  # noqa: E731
        table.row("p50 latency (ms)", pick("p50"), _ms)
        table.row("p95 latency (ms)", pick("p95"), _ms)
        table.row("p99 latency (ms)", pick("p99"), _ms)
        table.row("throughput (messages/s)", pick("throughput"), lambda v: f"{v:.1f}")
        table.row("messages answered", pick("ok"), lambda v: f"{v:,}")
        table.row("errors (no reply / HTTP error / timeout)", pick("errors"), lambda v: f"{v:,}")
        table.row("guard answers", pick("degraded"), lambda v: f"{v:,}")
        for proc in PROCS:
            table.row(f"CPU per message, {proc} (ms)", {s: r["cpu_ms_per_request"][proc] for s, r in runs.items()},
                      lambda v: f"{v:.1f}")
        table.row("CPU of the load generator (s)", pick("client_cpu_s"), lambda v: f"{v:.1f}")
        table.row("cores busy, whole machine", pick("cores_busy"), lambda v: f"{v:.2f}")
        table.row("other CPU on the machine (s)", pick("other_cpu_s"), lambda v: f"{v:.0f}")
        lines += [f"### {concurrency} concurrent conversation{'s' if concurrency > 1 else ''}", ""] + table.lines + [""]

    if all("long" in systems[s] for s in results["order"]):
        turns = systems[results["order"][0]]["long"]["turns"]
        table = Table(results)
        table.row(f"median latency, turns 1–{turns // 10} (ms)",
                  {s: systems[s]["long"]["first_p50"] for s in results["order"]}, _ms)
        table.row(f"median latency, turns {turns - turns // 10 + 1}–{turns} (ms)",
                  {s: systems[s]["long"]["last_p50"] for s in results["order"]}, _ms)
        lines += ["## A long conversation", "",
                  f"One conversation of {turns} questions sent one after another (nothing else running), "
                  "after the load levels:", ""] + table.lines + [""]

    table = Table(results)
    table.row("start to first answer (s)", {s: systems[s]["first_answer_s"] for s in results["order"]})
    for proc in PROCS:
        table.row(f"peak RSS, {proc} (MB)", {s: systems[s]["peak_rss_mb"][proc] for s in results["order"]},
                  lambda v: f"{v:,.0f}")
        table.row(f"peak PSS, {proc} (MB)", {s: systems[s].get("peak_pss_mb", {}).get(proc) for s in results["order"]},
                  lambda v: f"{v:,.0f}")
    table.row("processes of the Rasa server", {s: systems[s]["processes"]["rasa server"] for s in results["order"]},
              lambda v: f"{v}")
    training = {s: models[systems[s]["model"]]["training"] for s in results["order"]}
    table.row("training, wall clock (s)", {s: t["wall_s"] for s, t in training.items()}, lambda v: f"{v:,.0f}")
    table.row("training, CPU time (s)", {s: t["cpu_s"] for s, t in training.items()}, lambda v: f"{v:,.0f}")
    table.row("model file (MB)", {s: t["model_mb"] for s, t in training.items()})
    lines += ["## Start-up, memory, training", ""] + table.lines + [
        "",
        "Start to first answer: both servers of a system launched at the same moment, then \"hello\" sent every "
        "0.2 s until a real reply (not the guard's) comes back; it includes loading the model. Peak RSS: the "
        "kernel's high-water mark (`VmHWM`) of each process of the server over the whole run, summed over its "
        "processes (the main process and, with two workers, each worker - pages they share are counted in each). "
        "Peak PSS: proportional set size (`/proc/<pid>/smaps_rollup`, shared pages divided among the processes "
        "that share them), summed over the processes, highest of the samples taken after each level - the "
        "memory the server really holds. Training: `rasa train --force`, wall clock and CPU time; the two "
        "assistant systems share one model.",
        "",
        "## Where the time goes",
        "",
    ]
    profile = results.get("profile") or {}
    if "assistant" in profile and "baseline" in profile:
        pa, pb = profile["assistant"], profile["baseline"]
        lines += [
            f"Inside one message: each model loaded in one process as `rasa run` loads it (its system's endpoints, "
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
            "Reading it: *custom action, Rasa side* is the Rasa server's own work around each action-server call. "
            "Stock Rasa 3.6 re-checks the JSON schema of every reply against the JSON-Schema metaschema and sends "
            "the whole domain with every call; `bot/rasa/patches.py` checks the schema once, and "
            "`enable_selective_domain` (`endpoints.yml`) sends the domain only to the form validation that reads "
            "it. The *tracker store* rows: the stock SQL store parses and replays every event of the "
            "conversation for every message (and turns each stored event back into an object by walking all "
            "event classes), and its SQLite commits wait for the disk; `bot/rasa/tracker_store.py` keeps recent "
            "trackers in the process with a bounded history and uses SQLite's write-ahead log. Stock Rasa opens "
            "a new HTTP session and connection for every action-server call; the patches keep one per event "
            "loop. The patches also keep, per conversation state, the rules that fit it (RulePolicy checked all of its "
            "rules twice a message), call the model graph's nodes directly instead of through dask's scheduler, and "
            "the sentence encoder runs in onnxruntime with its dense weights in 8 bits (bot/text/encoder_graph.py). "
            "What remains is the action server's own work, the NLU pipeline, RulePolicy's replay of the "
            "conversation's states, and Rasa's own message handling.",
            "",
        ]
    lines += ["Training time per component (from Rasa's training log, 1 s resolution):", "",
              "| component | " + " | ".join(f"{n} (s)" for n in models) + " |", "|---|" + "---:|" * len(models)]
    spent = {n: models[n]["training"].get("components_s", {}) for n in models}
    names = sorted(set().union(*spent.values()), key=lambda c: -max(spent[n].get(c, 0) for n in models))
    for component in names:
        if sum(spent[n].get(component, 0) for n in models) >= 1:
            lines.append(f"| {component} | " + " | ".join(
                "–" if component not in spent[n] else f"{spent[n][component]:.0f}" for n in models) + " |")
    for name in models:
        if models[name]["training"].get("skipped"):
            lines += ["", f"`{name}`: Rasa skipped training {', '.join(f'`{c}`' for c in models[name]['training']['skipped'])} "
                          "for lack of data — the project's dialogue data has no stories (rules only), and these "
                          "policies learn from stories; here they predict nothing and the dialogue is left to the "
                          "rule and memoization policies."]
    notes = results.get("notes")
    if notes:
        lines += ["", "## Observations", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def _targets(results: dict) -> List[str]:
    """The speed and memory targets of the issue this benchmark was written for, each system against them."""
    def level(system: str, concurrency: int, key: str) -> Optional[float]:
        run = _run(results, system, concurrency)
        return run[key] if run else None

    base = results["baseline"]
    ours = [s for s in results["order"] if s != base]
    checks = [  # (target, value of a system, is it met, how it is shown)
        ("p95 latency at 10 conversations ≤ 100 ms", lambda s: level(s, 10, "p95"), lambda v: v <= 0.1,
         lambda v: f"{_ms(v)} ms"),
        ("throughput at 10 conversations ≥ 3× the baseline's",
         lambda s: (level(s, 10, "throughput") or math.nan) / (level(base, 10, "throughput") or math.nan),
         lambda v: v >= 3, lambda v: f"{v:.2f}×"),
        ("p50 latency, one conversation at a time ≤ 20 ms", lambda s: level(s, 1, "p50"), lambda v: v <= 0.02,
         lambda v: f"{_ms(v)} ms"),
        ("start to first answer ≤ 12 s", lambda s: results["systems"][s]["first_answer_s"], lambda v: v <= 12,
         lambda v: f"{v:.1f} s"),
        ("memory of the Rasa server ≤ 900 MB (PSS; RSS summed over its processes in brackets)",
         lambda s: results["systems"][s].get("peak_pss_mb", {}).get("rasa server"), lambda v: v <= 900,
         lambda v: f"{v:,.0f} MB"),
    ]
    lines = ["## Targets", "", "| target | " + " | ".join(LABELS.get(s, s) for s in ours) + " |",
             "|---|" + "---|" * len(ours)]
    for target, value, met, shown in checks:
        cells = []
        for system in ours:
            v = value(system)
            if v is None or (isinstance(v, float) and math.isnan(v)):
                cells.append("–")
                continue
            cell = f"{shown(v)} {'met' if met(v) else '**not met**'}"
            if target.startswith("memory"):
                cell += f" ({results['systems'][system]['peak_rss_mb']['rasa server']:,.0f} MB)"
            cells.append(cell)
        lines.append(f"| {target} | " + " | ".join(cells) + " |")
    return lines + ["", "Held-in intent F1 (the last target) is in [evaluation.md](evaluation.md).", ""]


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
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    levels, order = results["levels"], results["order"]
    colours = dict(zip(order, ("tab:blue", "tab:green", "tab:orange", "tab:red")))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))
    for system in order:
        runs = [r for r in (_run(results, system, c) for c in levels) if r]
        xs = [r["concurrency"] for r in runs]
        label = LABELS.get(system, system)
        axes[0].plot(xs, [r["p50"] * 1000 for r in runs], "o-", color=colours[system], label=f"{label} p50")
        axes[0].plot(xs, [r["p95"] * 1000 for r in runs], "s--", color=colours[system], label=f"{label} p95")
        axes[1].plot(xs, [r["throughput"] for r in runs], "o-", color=colours[system], label=label)
        long = results["systems"][system].get("long")
        if long:
            axes[2].plot(range(1, long["turns"] + 1), [v * 1000 for v in long["latencies"]], ".", markersize=3,
                         color=colours[system], label=label)
    for ax in axes[:2]:
        ax.set_xscale("log")
        ax.set_xticks(levels)
        ax.set_xticklabels([str(c) for c in levels])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("concurrent conversations")
    for ax in axes:
        ax.grid(alpha=0.3)
    axes[0].set_yscale("log")
    axes[0].yaxis.set_major_formatter(ScalarFormatter())
    axes[0].set_ylabel("latency (ms)")
    axes[0].set_title("Latency under load")
    axes[0].legend(fontsize=7)
    axes[1].set_ylim(bottom=0)
    axes[1].set_ylabel("messages / s")
    axes[1].set_title("Throughput")
    axes[1].legend(fontsize=8)
    axes[2].set_xlabel("turn of one conversation")
    axes[2].set_ylabel("latency (ms)")
    axes[2].set_ylim(bottom=0)
    axes[2].set_title("A long conversation")
    axes[2].legend(fontsize=8)
    fig.suptitle(f"make bench, {results['started'][:16].replace('T', ' ')} UTC, {results['machine']['cores']} "
                 f"cores, {results['duration_s']:.0f} s per level", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(results: dict) -> None:
    MARKDOWN.parent.mkdir(parents=True, exist_ok=True)
    previous = MARKDOWN.read_text(encoding="utf-8") if MARKDOWN.exists() else ""
    soak = previous[previous.index(SOAK_SECTION):] if SOAK_SECTION in previous else ""  # make soak's own section
    MARKDOWN.write_text(render(results) + ("\n\n" + soak if soak else ""), encoding="utf-8")
    RAW.write_text(json.dumps(results, indent=1), encoding="utf-8")
    plot(results)


if __name__ == "__main__":
    write(json.loads(RESULTS.read_text()))
    print(f"wrote {MARKDOWN.relative_to(ROOT)}, {PLOT.relative_to(ROOT)}")
