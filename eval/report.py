"""docs/evaluation.md (`make eval`): NLU cross-validation, the conversation tests and the triage safety suite.

Reads what `rasa test` wrote — nothing is re-run here except the triage suite (plain Python, seconds):
  var/results/nlu/intent_report.json            held-out predictions of all folds, per intent
  var/results/nlu/intent_confusion_matrix.png   copied to docs/nlu_confusion_matrix.png
  var/results/nlu/intent_histogram.png          copied to docs/nlu_confidence_histogram.png
  var/results/nlu/cv.log                        the log of the run: mean (std) over folds, train and test
  var/results/conversations/story_report.json   `rasa test core --stories tests/conversations`
and writes docs/triage.md through eval.triage_report.

    .venv/bin/python -m eval.report [--nlu DIR] [--cv-log FILE] [--core DIR]"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import yaml

from bot.config import PROJECT_ROOT
from eval import questions
from eval import triage_report

RESULTS = PROJECT_ROOT / "var" / "results"
DOCS = PROJECT_ROOT / "docs"
SUMMARY_ROWS = ("accuracy", "macro avg", "weighted avg", "micro avg")
_CV_LINE = re.compile(r"\b(train|test) (Accuracy|F1-score|Precision): ([\d.]+) \(([\d.]+)\)")


def _mtime(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def cv_means(log: Path) -> Dict[str, Dict[str, tuple]]:
    """{"train"|"test": {metric: (mean, std)}} from the intent lines of Rasa's cross-validation log."""
    found: Dict[str, Dict[str, tuple]] = {}
    if not log.exists():
        return found
    text = log.read_text(errors="replace")
    start = text.rfind("Intent evaluation results")
    if start < 0:
        return found
    for line in text[start:].splitlines()[1:]:
        if "Entity evaluation results" in line or "Response Selection evaluation results" in line:
            break
        match = _CV_LINE.search(line)
        if match:
            found.setdefault(match.group(1), {})[match.group(2)] = (float(match.group(3)), float(match.group(4)))
    return found


def pipeline_names(config: Path) -> List[str]:
    doc = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    return [str(c.get("name", "?")).split(".")[-1] for c in doc.get("pipeline") or []]


def nlu_section(nlu_dir: Path, cv_log: Path) -> List[str]:
    report_path = nlu_dir / "intent_report.json"
    if not report_path.exists():
        return ["## NLU", "", f"No `{_rel(report_path)}`: run `make eval`.", ""]
    report = json.loads(report_path.read_text())
    intents = {k: v for k, v in report.items() if k not in SUMMARY_ROWS and isinstance(v, dict)}
    support = sum(v.get("support", 0) for v in intents.values())
    folds = _folds(cv_log)
    means = cv_means(cv_log)
    used = nlu_dir / "config.yml"  # the snapshot `make eval` takes of config.yml before the run
    pipeline = pipeline_names(used) if used.exists() else None
    lines = [
        "## NLU: intent classification, cross-validated",
        "",
        f"`rasa test nlu --cross-validation --folds {folds or '?'}` over `data/nlu`: {support} examples, "
        f"{len(intents)} labels in the report. Results of {_mtime(report_path)}. "
        + (f"Pipeline (the whole of it, as in `config.yml` when the run started): {' → '.join(pipeline)}."
           if pipeline else "Pipeline: `config.yml` (no snapshot of it next to the results)."),
        "",
    ]
    if pipeline and pipeline != pipeline_names(PROJECT_ROOT / "config.yml"):
        lines += ["**`config.yml` has changed since this run: these figures are not those of the current "
                  "pipeline. Run `make eval` again.**", ""]
    if means:
        lines += ["| mean over folds (std) | accuracy | precision | F1 |", "|---|---:|---:|---:|"]
        for split, label in (("train", "held-in (the folds a model was trained on)"),
                             ("test", "held-out (the fold it did not see)")):
            m = means.get(split, {})
            cell = lambda k: f"{m[k][0]:.3f} ({m[k][1]:.3f})" if k in m else "–"  # noqa: E731
            lines.append(f"| {label} | {cell('Accuracy')} | {cell('Precision')} | {cell('F1-score')} |")
        lines.append("")
    acc = report.get("accuracy")
    weighted = report.get("weighted avg", {})
    macro = report.get("macro avg", {})
    lines += [
        f"All held-out predictions pooled (`{_rel(report_path)}`): accuracy "
        f"{acc:.3f}, weighted F1 {weighted.get('f1-score', float('nan')):.3f}, "
        f"macro F1 {macro.get('f1-score', float('nan')):.3f}." if acc is not None else "",
        "",
        "Per intent, held out (sorted by F1, weakest first; *confused with* = Rasa's most frequent wrong "
        "predictions for that intent):",
        "",
        "| intent | precision | recall | F1 | support | confused with |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, row in sorted(intents.items(), key=lambda kv: (kv[1].get("f1-score", 0), kv[0])):
        confused = ", ".join(f"{k} ({v})" for k, v in (row.get("confused_with") or {}).items())
        lines.append(f"| {name} | {row.get('precision', 0):.3f} | {row.get('recall', 0):.3f} | "
                     f"{row.get('f1-score', 0):.3f} | {row.get('support', 0)} | {confused} |")
    lines.append("")
    for source, target, title in (
        ("intent_confusion_matrix.png", "nlu_confusion_matrix.png", "Intent confusion matrix (held-out, all folds)"),
        ("intent_histogram.png", "nlu_confidence_histogram.png", "Confidence of correct and wrong predictions"),
    ):
        if (nlu_dir / source).exists():
            shutil.copyfile(nlu_dir / source, DOCS / target)
            lines += [f"**{title}** (Rasa's plot):", "", f"![{title}]({target})", ""]
    return lines


def _folds(cv_log: Path) -> Optional[int]:
    if cv_log.exists():
        match = re.search(r"CV evaluation \(n=(\d+)\)", cv_log.read_text(errors="replace"))
        if match:
            return int(match.group(1))
    return None


def core_section(core_dir: Path) -> List[str]:
    path = core_dir / "story_report.json"
    if not path.exists():
        return ["## Conversation tests", "", f"No `{_rel(path)}`: run `make eval`.", ""]
    report = json.loads(path.read_text())
    conv = report.get("conversation_accuracy", {})
    weighted = report.get("weighted avg", {})
    failed = _failed_stories(core_dir / "failed_test_stories.yml")
    lines = [
        "## Conversation tests",
        "",
        f"`rasa test core --stories tests/conversations` with `models/assistant.tar.gz` "
        f"(results of {_mtime(path)}): **{conv.get('correct', '?')} of {conv.get('total', '?')} test "
        f"conversations** passed end to end (every action predicted right); action-level weighted F1 "
        f"{weighted.get('f1-score', float('nan')):.3f} over {weighted.get('support', '?')} predicted actions.",
        "",
    ]
    lines += ([f"Failed: {', '.join(failed)} (see `{_rel(core_dir / 'failed_test_stories.yml')}`)."]
              if failed else ["No conversation failed."])
    actions = {k: v for k, v in report.items() if isinstance(v, dict) and "support" in v and k not in SUMMARY_ROWS}
    lines += ["", "| action | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    for name, row in sorted(actions.items()):
        lines.append(f"| {name} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1-score']:.3f} | "
                     f"{row['support']} |")
    return lines + [""]


def _failed_stories(path: Path) -> List[str]:
    if not path.exists():
        return []
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError:
        return ["(unreadable file)"]
    return [s.get("story", "?") for s in (doc.get("stories") or []) if isinstance(s, dict)]


def triage_section(result) -> List[str]:
    s = triage_report.summary(result)
    weakest = sorted((f for f in result.flags if f.positives), key=lambda f: (f.sensitivity, f.specificity))[:3]
    lines = [
        "## Triage safety suite",
        "",
        f"`data/triage/cases.yml` ({s['cases']} labelled messages) through the red-flag detector "
        "(`bot.triage.triage.Triage`). Full figures — per red flag sensitivity and specificity with intervals, "
        "the confusion table of levels, every miss — in **[triage.md](triage.md)**.",
        "",
        f"- under-triage (emergency or urgent given a lower level): **{s['under_triaged']} of "
        f"{s['escalating_cases']}**",
        f"- false alarms (benign message triaged urgent or emergency): **{s['false_alarms']} of "
        f"{s['benign_cases']}**",
        f"- level exactly right: {s['exact_level']:.1%}",
        "- lowest per-flag sensitivity / specificity: " + "; ".join(
            f"`{f.code}` {f.sensitivity:.0%} / {f.specificity:.1%} (n={f.positives})" for f in weakest),
        "",
    ]
    return lines


def git_commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    return done.stdout.strip() or "?"


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nlu", type=Path, default=RESULTS / "nlu")
    parser.add_argument("--cv-log", type=Path, default=RESULTS / "nlu" / "cv.log")
    parser.add_argument("--core", type=Path, default=RESULTS / "conversations")
    parser.add_argument("--out", type=Path, default=DOCS / "evaluation.md")
    args = parser.parse_args(argv)
    DOCS.mkdir(parents=True, exist_ok=True)
    triage = triage_report.run(out=DOCS / "triage.md")
    lines = [
        "# Evaluation",
        "",
        f"Written by `make eval` (`python -m eval.report`) on "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, commit `{git_commit()}`. "
        "Speed and memory are in [benchmarks.md](benchmarks.md).",
        "",
    ]
    lines += nlu_section(args.nlu, args.cv_log)
    lines += core_section(args.core)
    lines += questions.section()
    lines += triage_section(triage)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {_rel(args.out)}, {_rel(DOCS / 'triage.md')}")


if __name__ == "__main__":
    main()
