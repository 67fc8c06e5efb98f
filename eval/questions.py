"""Figures on patients' questions written blind (tests/nlu/frozen/questions.yml, or a fresh batch): how often the
trained model gives the question the knowledge-base topic it asks about, and how often that topic is at least
among the clarification buttons a low-confidence question gets.

    .venv/bin/python -m eval.questions [FILE.yml] [--model models/assistant.tar.gz] [--misses]

A batch is YAML: `questions: [{text, topic, style}]`, topics as in data/kb/answers/ (`none` when no topic fits), and
`topic2` for a question that asks two things.
"""
from __future__ import annotations

import argparse
import asyncio
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

from eval.triage_report import wilson

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FROZEN = PROJECT_ROOT / "tests" / "nlu" / "frozen" / "questions.yml"
MODEL = PROJECT_ROOT / "models" / "assistant.tar.gz"
NONE = "none"
TOPIC_PREFIX = "ask_"
BUTTONS = 3  # as many topics as action_clarify offers
ALSO_ASKED = "also_asked"  # the entity of a second question's topic (bot/rasa/nlu/topic_second_opinion.py)


@dataclass
class Figures:
    right: int = 0
    among_buttons: int = 0
    total: int = 0
    by_style: Dict[str, List[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    misses: List[Tuple[str, str, str]] = field(default_factory=list)  # (text, expected, got)
    two_part_both: int = 0   # two-part questions (`topic2`) given both topics, in either order
    two_part: int = 0
    second_added: int = 0    # one-topic questions given a second topic all the same

    def lines(self) -> List[str]:
        low, high = wilson(self.right, self.total)
        lines = [f"right topic {self.right}/{self.total} = {self.right / self.total:.1%} ({low:.0%}–{high:.0%})",
                 f"right topic first or among the {BUTTONS} clarification buttons "
                 f"{self.among_buttons}/{self.total} = {self.among_buttons / self.total:.1%}"]
        lines += [f"  {style}: {hits}/{count}" for style, (hits, count) in sorted(self.by_style.items())]
        if self.two_part:
            lines.append(f"two-part questions given both topics {self.two_part_both}/{self.two_part}; one-topic "
                         f"questions given a second topic {self.second_added}/{self.total - self.two_part}")
        return lines


def topic_of(intent: Optional[str]) -> str:
    return intent[len(TOPIC_PREFIX):] if intent and intent.startswith(TOPIC_PREFIX) else NONE


def load_questions(path: Path = FROZEN) -> List[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]


def score(questions: Sequence[dict], parses: Sequence[dict]) -> Figures:
    figures = Figures()
    for question, parse in zip(questions, parses):
        got = topic_of((parse.get("intent") or {}).get("name"))
        ranked = [topic_of(entry.get("name")) for entry in parse.get("intent_ranking") or []]
        offered = [topic for topic in ranked if topic != NONE][:BUTTONS]
        expected = question["topic"]
        right = got == expected
        figures.total += 1
        figures.right += right
        figures.among_buttons += right or (got == NONE and expected in offered)
        figures.by_style[question.get("style", "?")][0] += right
        figures.by_style[question.get("style", "?")][1] += 1
        if not right:
            figures.misses.append((question["text"], expected, got))
        second = next((topic_of(e.get("value")) for e in parse.get("entities") or []
                       if e.get("entity") == ALSO_ASKED), None)
        if question.get("topic2"):
            figures.two_part += 1
            figures.two_part_both += {got, second} == {expected, question["topic2"]}
        else:
            figures.second_added += second is not None
    return figures


def parse_all(texts: Sequence[str], model: Path = MODEL) -> List[dict]:
    """The NLU result of the trained model (the red-flag detector included) for each text."""
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)  # no debug line for each parse
    agent = Agent.load(str(model))

    async def run() -> List[dict]:
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(run())


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("batch", nargs="?", type=Path, default=FROZEN)
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--misses", action="store_true", help="list the questions given another topic")
    args = parser.parse_args(argv)
    questions = load_questions(args.batch)
    figures = score(questions, parse_all([q["text"] for q in questions], args.model))
    print(f"{args.batch}:")
    print("\n".join(figures.lines()))
    if args.misses:
        wrong = Counter((expected, got) for _, expected, got in figures.misses)
        for text, expected, got in figures.misses:
            print(f"  {expected:>28} -> {got:<28} {text}")
        print("most frequent confusions:", wrong.most_common(8))


if __name__ == "__main__":
    main()


ROUNDS = PROJECT_ROOT / "docs" / "question_rounds.yml"


def section(model: Path = MODEL) -> List[str]:
    """The questions part of docs/evaluation.md: the frozen split now, the rounds before, what the encoder costs."""
    questions = load_questions(FROZEN)
    figures = score(questions, parse_all([q["text"] for q in questions], model))
    lines = ["## Questions in patients' own words", "",
             f"The frozen split `tests/nlu/frozen/questions.yml`: {figures.total} questions written blind from public FAQ "
             "pages and patient forums (never trained or tuned on), through the trained model as the assistant runs "
             "(classifier, encoder's second opinion, red-flag detector). Target: 92 % right topic.", ""]
    lines += [f"- {line.strip()}" for line in figures.lines()]
    lines += ["", "### Rounds (kept in `docs/question_rounds.yml`)", "",
              "| date | batch | system | right topic | right topic or among the buttons |", "|---|---|---|---|---|"]
    document = yaml.safe_load(ROUNDS.read_text(encoding="utf-8"))
    for row in document["rounds"]:
        (hits, total), (shown, _) = row["right"], row["buttons"]
        low, high = wilson(hits, total)
        lines.append(f"| {row['date']} | {row['batch']} | {row['system']} | {hits}/{total} = {hits / total:.1%} "
                     f"({low:.0%}–{high:.0%}) | {shown}/{total} = {shown / total:.1%} |")
    if document.get("judged"):
        lines += ["", "### Does the reply fit? (a blind judge: the question and the reply, nothing else)", "",
                  "| date | batch | system | fits | partly | no |", "|---|---|---|---|---|---|"]
        for row in document["judged"]:
            low, high = wilson(row["fits"], row["total"])
            lines.append(f"| {row['date']} | {row['batch']} | {row['system']} | {row['fits']}/{row['total']} = "
                         f"{row['fits'] / row['total']:.1%} ({low:.0%}–{high:.0%}) | {row['partly']} | {row['not_fitting']} |")
            if row.get("note"):
                lines.append(f"| | | {row['note']} | | | |")
    return lines + [""] + encoder_cost()


def encoder_cost() -> List[str]:
    """What one reading by the sentence encoder costs on this machine (median of 20), as `make eval` measures it."""
    import statistics
    import time

    from bot.text.sentence_encoder import shared_encoder

    encoder = shared_encoder()
    timings = {}
    for label, text in (("a two-word query", "driving after?"),
                        ("a 40-word story with its question", "My mother is 88 and has had two falls this year. The "
                         "doctor found a broken bone in her back and wants to do a kyphoplasty next week. She also "
                         "has a weak heart and diabetes. Is she too old for this, and is it safe for her?")):
        runs = []
        for _ in range(20):
            start = time.perf_counter()
            encoder.encode(text)
            runs.append((time.perf_counter() - start) * 1000)
        timings[label] = statistics.median(runs)
    return ["### What the sentence encoder costs", "",
            "all-MiniLM-L6-v2 (bot/text/sentence_encoder.py: onnxruntime, its dense weights in 8 bits, "
            "bot/text/encoder_graph.py; a 59 MB graph in each Rasa process), asked only "
            "when the n-gram classifier is below its gate (config.yml). One reading, median of 20 on this machine: "
            + "; ".join(f"{label} {ms:.1f} ms" for label, ms in timings.items())
            + ". Speed and memory of the whole assistant with it: [benchmarks.md](benchmarks.md).", ""]
