"""Rasa is fenced into bot/rasa/: no other module of the product library imports rasa or rasa_sdk, so that a Rasa
upgrade touches one package (and its version-checked patches)."""
import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"
FENCED = BOT / "rasa"


def _imported_roots(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module.split(".")[0]


def test_only_bot_rasa_imports_rasa():
    modules = [p for p in BOT.rglob("*.py") if FENCED not in p.parents]
    offenders = sorted(str(p.relative_to(BOT)) for p in modules if {"rasa", "rasa_sdk"} & set(_imported_roots(p)))
    assert len(modules) > 30
    assert offenders == []


def test_the_fence_check_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from rasa.core.agent import Agent\n")
    assert "rasa" in set(_imported_roots(module))
