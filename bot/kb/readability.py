"""How hard each knowledge-base answer is to read: the Flesch-Kincaid grade of the text a patient sees (the
clinic's settings filled in), by textstat. Every answer must be at grade 8 or below (tests/unit/test_readability.py);
`python -m bot.kb.readability` writes the list to docs/readability.md."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import textstat

from bot.clinic import parse_profile
from bot.kb.loader import read_knowledge_base

MAX_GRADE = 8.0
DOC = Path(__file__).resolve().parents[2] / "docs" / "readability.md"


def grades(kb_dir: Optional[Path] = None) -> List[Tuple[float, str, str]]:
    """(grade, topic, title) for every answer, hardest first."""
    kb = read_knowledge_base(kb_dir)
    if kb.errors:
        raise ValueError("knowledge base is not valid:\n" + "\n".join(kb.errors))
    values = parse_profile(kb.profile_document).placeholders()
    rows = [(textstat.flesch_kincaid_grade(answer.text.format(**values)), answer.topic, answer.title)
            for answer in kb.answers]
    return sorted(rows, key=lambda row: (-row[0], row[1]))


def render(rows: Sequence[Tuple[float, str, str]]) -> str:
    lines = ["# Readability of the answers", "",
             "Flesch-Kincaid grade of each knowledge-base answer as a patient reads it (clinic settings filled in),",
             f"measured with textstat 0.7.3; the limit is grade {MAX_GRADE:g} (tests/unit/test_readability.py).",
             "Regenerate with `.venv/bin/python -m bot.kb.readability`.", "",
             "| grade | topic | title |", "|---|---|---|"]
    lines += [f"| {grade:.1f} | `{topic}` | {title} |" for grade, topic, title in rows]
    return "\n".join(lines) + "\n"


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description="Writes docs/readability.md")
    parser.add_argument("--out", type=Path, default=DOC)
    args = parser.parse_args(argv)
    rows = grades()
    args.out.write_text(render(rows), encoding="utf-8")
    print(f"{args.out}: {len(rows)} answers, hardest {rows[0][1]} at grade {rows[0][0]:.1f}; "
          f"{sum(grade > MAX_GRADE for grade, _, _ in rows)} above {MAX_GRADE:g}")


if __name__ == "__main__":
    main()
