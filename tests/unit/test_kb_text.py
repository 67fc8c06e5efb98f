"""The knowledge base's texts read as written: a folded YAML scalar (`>-`) joins its lines with a space, so a
hyphenated word broken at the end of a line ("the on-" / "call doctor") reaches the patient as "on- call"."""
from __future__ import annotations

import re

import pytest
import yaml

from bot.config import kb_dir

FILES = sorted(kb_dir().glob("**/*.yml"))
BROKEN_HYPHEN = re.compile(r"\w- \w")


def strings(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)
    elif isinstance(node, str):
        yield node


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_no_hyphenated_word_is_broken_by_a_folded_line(path):
    broken = [s[max(0, m.start() - 30): m.end() + 30] for s in strings(yaml.safe_load(path.read_text(encoding="utf-8")))
              for m in BROKEN_HYPHEN.finditer(s)]
    assert not broken, f"{path.name}: a hyphenated word split across lines: {broken}"
