"""The triage safety suite (data/triage/cases.yml) as figures: per red flag, sensitivity and specificity of
the detector (bot.triage.triage.Triage, the code the assistant runs); per level, the confusion table of the
expected level against the level the triage gives. Plain Python: no Rasa, no model.

    .venv/bin/python -m eval.triage_report            # writes docs/triage.md

Definitions (one case = one patient message):
  a case is *positive* for a red flag when the flag is among its `codes` and its level is not `none`
  (the patient has it now); every other case is negative for that flag (other symptoms, or the flag
  denied / asked about / in the past / someone else's). The detector *flags* a case when the code is
  among the affirmed findings of `Triage.assess(text)`.
  sensitivity = flagged positives / positives; specificity = unflagged negatives / negatives,
  each with a Wilson 95 % interval: most flags have few positive cases.
"""
from __future__ import annotations

import argparse
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

from bot.config import PROJECT_ROOT
from bot.triage.levels import LEVELS, rank


def fresh_section() -> List[str]:
    from eval.fresh import render_rounds

    return render_rounds()

CASES = PROJECT_ROOT / "data" / "triage" / "cases.yml"
OUT = PROJECT_ROOT / "docs" / "triage.md"
NONE = "none"
ROWS = (NONE,) + LEVELS  # least to most urgent
ESCALATING = ("urgent", "emergency")


def load_cases(path: Path = CASES) -> List[dict]:
    with open(path, encoding="utf-8") as handle:
        return list((yaml.safe_load(handle) or {}).get("cases") or [])


def wilson(successes: int, n: int, z: float = 1.96) -> Tuple[float, float]:
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass
class FlagResult:
    code: str
    label: str
    level: str
    tp: int = 0
    fn: int = 0
    tn: int = 0
    fp: int = 0
    missed: List[str] = field(default_factory=list)
    false_alarms: List[str] = field(default_factory=list)

    @property
    def positives(self) -> int:
        return self.tp + self.fn

    @property
    def sensitivity(self) -> Optional[float]:
        return self.tp / self.positives if self.positives else None

    @property
    def specificity(self) -> Optional[float]:
        return self.tn / (self.tn + self.fp) if (self.tn + self.fp) else None


@dataclass
class TriageResult:
    cases: int
    flags: List[FlagResult]
    confusion: Dict[Tuple[str, str], int]  # (expected, got) -> count
    under_triaged: List[Tuple[str, str, str]]  # (text, expected, got) for emergency/urgent below expected
    over_triaged: List[Tuple[str, str, str]]  # benign (none/self_care) triaged urgent or emergency
    by_kind: Dict[str, Tuple[int, int]]  # kind -> (level exactly right, cases)


def evaluate(cases: Sequence[dict], engine) -> TriageResult:
    """`engine`: bot.triage.decision.TriageEngine, the decision the assistant runs (both nets)."""
    lexicon = engine.triage.lexicon
    flags = {f.code: FlagResult(f.code, f.label, f.level) for f in lexicon.red_flags}
    confusion: Counter = Counter()
    under, over = [], []
    kinds: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    for case in cases:
        text, expected = case["text"], case["level"]
        decision = engine.decide(text)
        got = decision.level or NONE
        confusion[(expected, got)] += 1
        kinds[case.get("kind", "?")][1] += 1
        kinds[case.get("kind", "?")][0] += int(got == expected)
        if expected in ESCALATING and rank(got) < rank(expected):
            under.append((text, expected, got))
        if expected in (NONE, "self_care") and rank(got) >= rank("urgent"):
            over.append((text, expected, got))
        positive_codes = set(case.get("codes") or []) if expected != NONE else set()
        flagged = set(decision.codes)
        for code in set(positive_codes) - set(flags):  # a code in the cases but not in the lexicon
            flags[code] = FlagResult(code, "(not in the lexicon)", "?")
        for code, result in flags.items():
            if code in positive_codes:
                if code in flagged:
                    result.tp += 1
                else:
                    result.fn += 1
                    result.missed.append(text)
            elif code in flagged:
                result.fp += 1
                result.false_alarms.append(text)
            else:
                result.tn += 1
    ordered = sorted(flags.values(), key=lambda f: (-rank(f.level), f.code))
    return TriageResult(len(cases), ordered, dict(confusion), under, over,
                        {k: (v[0], v[1]) for k, v in sorted(kinds.items())})


def _pct(value: Optional[float]) -> str:
    return "–" if value is None else f"{value:.1%}"


def _interval(successes: int, n: int) -> str:
    if n == 0:
        return ""
    low, high = wilson(successes, n)
    return f" ({low:.0%}–{high:.0%})"


def summary(result: TriageResult) -> Dict[str, object]:
    """The headline figures, for the evaluation report."""
    escalating = [k for k in result.confusion if k[0] in ESCALATING]
    n_escalating = sum(result.confusion[k] for k in escalating)
    benign = sum(v for (exp, _), v in result.confusion.items() if exp in (NONE, "self_care"))
    exact = sum(v for (exp, got), v in result.confusion.items() if exp == got)
    return {
        "cases": result.cases,
        "exact_level": exact / result.cases if result.cases else None,
        "under_triaged": len(result.under_triaged),
        "escalating_cases": n_escalating,
        "false_alarms": len(result.over_triaged),
        "benign_cases": benign,
    }


def render(result: TriageResult, cases_path: Path = CASES, fresh: bool = True) -> str:
    s = summary(result)
    lines = [
        "# Triage safety suite: figures",
        "",
        f"Generated by `python -m eval.triage_report` (also run by `make eval`) from "
        f"`{_rel(cases_path)}` ({result.cases} labelled patient messages) and the assistant's decision "
        "`bot.triage.decision` (the lexicon and ConText rules of `data/kb/`, the learned net trained on `data/triage/`, "
        "typo correction). The pass/fail version of the same suite is `tests/triage/test_safety_suite.py`. "
        "**The suite is training data of the net: its figures are held-in.** The figures that count, on wording "
        "nobody tuned to, are in the section *Fresh wording* below.",
        "",
        f"- **under-triage** (an emergency or urgent message triaged below its level): "
        f"{s['under_triaged']} of {s['escalating_cases']}",
        f"- **false alarms** (a benign message — `none` or `self_care` — triaged urgent or emergency): "
        f"{s['false_alarms']} of {s['benign_cases']}"
        + (f" = {s['false_alarms'] / s['benign_cases']:.1%} (target: at most 5 %)" if s["benign_cases"] else ""),
        f"- level exactly right: {_pct(s['exact_level'])}",
        "",
        "## Per red flag",
        "",
        "A case is positive for a flag when the flag is in its `codes` and its level is not `none`; every other "
        "case is negative for it (including the flag denied, asked about, in the past or someone else's). "
        "Flagged = the code is among the affirmed findings. Brackets: Wilson 95 % interval.",
        "",
        "| red flag | level | positives | sensitivity | missed | specificity | false alarms |",
        "|---|---|---:|---|---:|---|---:|",
    ]
    for f in result.flags:
        negatives = f.tn + f.fp
        lines.append(
            f"| `{f.code}` {f.label} | {f.level} | {f.positives} | "
            f"{_pct(f.sensitivity)}{_interval(f.tp, f.positives)} | {f.fn} | "
            f"{_pct(f.specificity)}{_interval(f.tn, negatives)} | {f.fp} |"
        )
    no_cases = [f.code for f in result.flags if f.positives == 0]
    if no_cases:
        lines += ["", f"No positive case in the suite for: {', '.join(f'`{c}`' for c in no_cases)}."]
    lines += [
        "",
        "## Levels: expected (rows) against given (columns)",
        "",
        "| expected \\ given | " + " | ".join(ROWS) + " | cases | recall |",
        "|---|" + "---:|" * (len(ROWS) + 2),
    ]
    for expected in ROWS:
        row = [result.confusion.get((expected, got), 0) for got in ROWS]
        total = sum(row)
        recall = row[ROWS.index(expected)] / total if total else None
        cells = [f"**{v}**" if got == expected else str(v) for v, got in zip(row, ROWS)]
        lines.append(f"| {expected} | " + " | ".join(cells) + f" | {total} | {_pct(recall)} |")
    extra = sorted({k for k in result.confusion if k[0] not in ROWS or k[1] not in ROWS})
    if extra:
        lines += ["", "Cases with a level outside the table: " + ", ".join(f"{e}→{g}" for e, g in extra)]
    lines += ["", "## By kind of message", "", "| kind | level right | cases |", "|---|---:|---:|"]
    for kind, (right, total) in result.by_kind.items():
        lines.append(f"| {kind} | {right} ({right / total:.0%}) | {total} |")
    lines += ["", "## Under-triaged messages", ""]
    lines += [f"- {expected} → {got}: “{text}”" for text, expected, got in result.under_triaged] or ["None."]
    lines += ["", "## False alarms on benign messages", ""]
    lines += [f"- {expected} → {got}: “{text}”" for text, expected, got in result.over_triaged] or ["None."]
    if fresh:  # the frozen split and the blind batches through the assistant's decision
        lines += ["", *fresh_section()]
    misses = [(f.code, t) for f in result.flags for t in f.missed]
    lines += ["", "## Red flags missed (the level may still be right through another flag)", ""]
    lines += [f"- `{code}`: “{text}”" for code, text in misses] or ["None."]
    return "\n".join(lines) + "\n"


def _rel(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def build_triage():
    from bot.triage.decision import default_engine

    return default_engine()


def run(cases_path: Path = CASES, out: Optional[Path] = OUT) -> TriageResult:
    result = evaluate(load_cases(cases_path), build_triage())
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render(result, cases_path), encoding="utf-8")
    return result


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    result = run(args.cases, args.out)
    s = summary(result)
    print(f"{args.out}: {s['cases']} cases, under-triaged {s['under_triaged']}/{s['escalating_cases']}, "
          f"false alarms {s['false_alarms']}/{s['benign_cases']}")


if __name__ == "__main__":
    main()
