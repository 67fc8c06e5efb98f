"""The review packet: one HTML page a clinician reads and prints, every item as the patient sees it, with its
sources, its digest and what changed since the last sign-off."""
from __future__ import annotations

from html import escape
from pathlib import Path
from typing import List, Optional

from bot.review.content import Item
from bot.review.signoff import CHANGED, NEW, REMOVED, SIGNED, Status, signoffs, statuses, version

KINDS = ("answer", "red flag", "setting", "safety sentence")
_STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem}h2{margin-top:2.5rem;border-bottom:2px solid #444}
.item{border:1px solid #bbb;border-radius:6px;padding:.8rem 1rem;margin:1rem 0;break-inside:avoid}
.state{display:inline-block;padding:.1rem .5rem;border-radius:4px;font-size:.85rem;font-weight:600}
.signed{background:#dff3e4;color:#14532d}.changed{background:#fde68a;color:#713f12}
.new{background:#dbeafe;color:#1e3a8a}.removed{background:#fecaca;color:#7f1d1d}
.was{color:#555;border-left:4px solid #f59e0b;padding-left:.6rem;margin:.4rem 0}
.digest{font-family:monospace;font-size:.75rem;color:#666}.sign{border:1px dashed #888;padding:1rem;margin-top:2rem}
"""


def _css_class(state: str) -> str:
    return {SIGNED: "signed", CHANGED: "changed", NEW: "new", REMOVED: "removed"}[state]


def _item_html(status: Status) -> str:
    item = status.item
    parts = [f'<div class="item"><strong>{escape(item.title)}</strong> '
             f'<span class="state {_css_class(status.state)}">{escape(status.state)}</span>',
             f"<p>{escape(item.text)}</p>" if item.text else ""]
    if status.signed_text is not None:
        parts.append(f'<p class="was">Signed before: {escape(status.signed_text)}</p>')
    if item.sources:
        links = []
        for source_id, title, url in item.sources:
            label = escape(title)
            links.append(f'<li><a href="{escape(url)}">{label}</a></li>' if url.startswith(("http://", "https://"))
                         else f"<li>{label} <em>(no address)</em></li>")
        parts.append("<ul>" + "".join(links) + "</ul>")
    parts.append(f'<div class="digest">{escape(item.key)} · {item.digest[:16]}</div></div>')
    return "".join(parts)


def render(items: List[Item], review_dir: Optional[Path] = None) -> str:
    states = statuses(items, review_dir)
    history = signoffs(review_dir)
    counts = {state: sum(1 for s in states if s.state == state) for state in (SIGNED, CHANGED, NEW, REMOVED)}
    last = history[-1] if history else None
    lines = ["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
             "<title>Content review packet</title>", f"<style>{_STYLE}</style></head><body>",
             "<h1>Kyphoplasty and vertebroplasty assistant: content review packet</h1>",
             f"<p>Content version <strong>{version(items)}</strong>. "
             + (f"Last sign-off: {escape(last['reviewer'])} ({escape(last['role'])}), {escape(last['date'])}, "
                f"version {escape(last['version'])}." if last else "<strong>Nothing has been signed off yet.</strong>")
             + "</p>",
             "<p>" + ", ".join(f"{n} {escape(state)}" for state, n in counts.items()) + ".</p>",
             "<p>Every answer, red flag, setting and fixed safety sentence appears as the patient sees it, with its "
             "sources. Items marked <em>changed</em> show what was signed before.</p>"]
    for kind in KINDS:
        of_kind = [s for s in states if s.item.kind == kind]
        lines.append(f"<h2>{escape(kind.capitalize())}s ({len(of_kind)})</h2>")
        lines += [_item_html(s) for s in sorted(of_kind, key=lambda s: (s.state == SIGNED, s.item.key))]
    lines.append("<div class='sign'>To sign this version: <code>python -m bot review sign --reviewer NAME "
                 "--role ROLE</code>. The sign-off records the reviewer, the date and the digest of exactly what is "
                 "shown above.</div></body></html>")
    return "\n".join(lines)


def export(items: List[Item], out: Path, review_dir: Optional[Path] = None) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(items, review_dir), encoding="utf-8")
    return out
