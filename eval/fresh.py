"""Figures on a batch of messages written blind (by someone who never saw the lexicon, the training data or
the suite): emergency recall, urgent-or-higher recall and false alarms, each with a Wilson 95 % interval.

    .venv/bin/python -m eval.fresh tests/triage/frozen.yml [--misses]

A batch is YAML: `messages: [{text, level, kind, writer}]` and optionally
`conversations: [{turns: [...], level}]`, levels as in data/triage/cases.yml (`none` when nothing is to be
escalated). The level a message gets is the decision of bot.triage.decision (both nets, ConText); a
conversation's level is the highest level its turns left in the triage state, as the assistant runs (each
message read alone, the symptoms told before added up).
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

import yaml

from eval.triage_report import wilson
from bot.triage.levels import rank

NONE = "none"


@dataclass
class Ratio:
    hits: int = 0
    total: int = 0
    misses: List[Tuple[str, str, str]] = field(default_factory=list)  # (text, expected, got)

    def add(self, hit: bool, text: str, expected: str, got: str) -> None:
        self.total += 1
        self.hits += int(hit)
        if not hit:
            self.misses.append((text, expected, got))

    def __str__(self) -> str:
        if not self.total:
            return "–"
        low, high = wilson(self.hits, self.total)
        return f"{self.hits}/{self.total} = {self.hits / self.total:.1%} ({low:.0%}–{high:.0%})"


@dataclass
class BatchFigures:
    emergency: Ratio = field(default_factory=Ratio)          # emergency given to an emergency
    urgent_or_higher: Ratio = field(default_factory=Ratio)   # urgent or higher given to an urgent or an emergency
    quiet: Ratio = field(default_factory=Ratio)              # below urgent given where nothing is to escalate
    conversations: Ratio = field(default_factory=Ratio)      # highest level at least the expected one, no alarm

    @property
    def false_alarms(self) -> Tuple[int, int]:
        return self.quiet.total - self.quiet.hits, self.quiet.total

    def lines(self) -> List[str]:
        alarms, benign = self.false_alarms
        low, high = wilson(alarms, benign) if benign else (0, 0)
        rate = f"{alarms}/{benign} = {alarms / benign:.1%} ({low:.0%}–{high:.0%})" if benign else "–"
        return [f"emergency {self.emergency}", f"urgent or higher {self.urgent_or_higher}",
                f"false alarms {rate}", f"conversations, highest level right {self.conversations}"]


def load_batch(path: Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def _score(figures: BatchFigures, text: str, expected: str, got: str) -> None:
    if expected == "emergency":
        figures.emergency.add(got == "emergency", text, expected, got)
    if expected in ("urgent", "emergency"):
        figures.urgent_or_higher.add(rank(got) >= rank("urgent"), text, expected, got)
    else:  # none, self_care, soon: nothing to escalate now
        figures.quiet.add(rank(got) < rank("urgent"), text, expected, got)


def evaluate(batch: dict, level_of: Callable[[str], Optional[str]],
             conversation_level: Optional[Callable[[Sequence[str]], Optional[str]]] = None) -> BatchFigures:
    figures = BatchFigures()
    for item in batch.get("messages") or []:
        _score(figures, item["text"], item["level"], level_of(item["text"]) or NONE)
    if conversation_level is not None:
        for item in batch.get("conversations") or []:
            expected, got = item["level"], conversation_level(item["turns"]) or NONE
            escalating = expected in ("urgent", "emergency")
            right = rank(got) >= rank(expected) if escalating else rank(got) < rank("urgent")
            figures.conversations.add(right, " | ".join(item["turns"]), expected, got)
    return figures


def product_levels():
    """The assistant's decision: the level of one message, and of a conversation turn by turn."""
    from bot.triage.decision import TriageState, default_engine

    engine = default_engine()

    def level_of(text: str) -> Optional[str]:
        return engine.decide(text, TriageState()).level

    def conversation_level(turns: Sequence[str]) -> Optional[str]:
        # As the assistant runs: the symptoms told before come from the slots, but the detector reads each message
        # alone (a Rasa NLU component sees no tracker), so a detail that refers back is not read with the turn before.
        state = TriageState()
        for turn in turns:
            state = TriageState(engine.decide(turn, state).state.symptoms)
        return state.highest_level

    return level_of, conversation_level


ROUNDS = Path(__file__).resolve().parents[1] / "docs" / "triage_rounds.yml"
FROZEN = Path(__file__).resolve().parents[1] / "tests" / "triage" / "frozen" / "frozen.yml"
FOLDED = sorted((Path(__file__).resolve().parents[1] / "data" / "triage").glob("batch*.yml"))


def _ratio(pair) -> str:
    if not pair:
        return "–"
    hits, total = pair
    low, high = wilson(hits, total)
    return f"{hits}/{total} = {hits / total:.0%} ({low:.0%}–{high:.0%})"


def render_rounds() -> List[str]:
    """docs/triage.md's section on fresh wording: the frozen split now, each batch before it was folded in, and
    the folded batches now (held-in)."""
    lines = ["## Fresh wording: the frozen split and the blind batches", "",
             "Each batch was written by a helper who never saw the lexicon, the training data or the suite, from the "
             "labels of `data/triage/README.md` (levels from shared/reference/clinical-facts.md and the clinical "
             "review). Recall: the right level or higher; false alarms: urgent or higher on a message with nothing "
             "to escalate (none, self-care, soon: negations, questions, the past and other people included); a "
             "conversation is right when its highest level is, with each message read alone and the symptoms told "
             "before added up, as the assistant runs. "
             "Brackets: Wilson 95 % interval. Targets: emergency ≥ 95 %, urgent or higher ≥ 97 %, false alarms ≤ 5 %.",
             "", "### Before each batch was folded in (kept in `docs/triage_rounds.yml`)", "",
             "| date | batch | system | emergency | urgent or higher | false alarms | conversations |",
             "|---|---|---|---|---|---|---|"]
    for row in (load_batch(ROUNDS).get("rounds") or []):
        lines.append(f"| {row['date']} | {row['batch']} | {row['system']} | {_ratio(row.get('emergency'))} | "
                     f"{_ratio(row.get('urgent_or_higher'))} | {_ratio(row.get('false_alarms'))} | "
                     f"{_ratio(row.get('conversations'))} |")
    level_of, conversation_level = product_levels()
    lines += ["", "### Now", "", "| batch | trained on? | emergency | urgent or higher | false alarms | conversations |",
              "|---|---|---|---|---|---|"]
    for path, trained in [(FROZEN, "never (frozen split)")] + [(p, "yes (held-in)") for p in FOLDED]:
        figures = evaluate(load_batch(path), level_of, conversation_level)
        alarms, benign = figures.false_alarms
        lines.append(f"| `{path.name}` | {trained} | {figures.emergency} | {figures.urgent_or_higher} | "
                     f"{_ratio([alarms, benign]) if benign else '–'} | {figures.conversations} |")
    return lines


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("batches", nargs="+", type=Path)
    parser.add_argument("--misses", action="store_true", help="list the messages given the wrong side of urgent")
    args = parser.parse_args(argv)
    level_of, conversation_level = product_levels()
    for path in args.batches:
        figures = evaluate(load_batch(path), level_of, conversation_level)
        print(f"{path}: " + "; ".join(figures.lines()))
        if args.misses:
            for ratio in (figures.emergency, figures.urgent_or_higher, figures.quiet, figures.conversations):
                for text, expected, got in ratio.misses:
                    print(f"   {expected:>9} -> {got:<9} {text}")


if __name__ == "__main__":
    main()
