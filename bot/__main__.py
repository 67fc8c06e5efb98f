"""Command line: `python -m bot kb load` and `python -m bot escalations [--level L] [--since D] [--until D]`."""
from __future__ import annotations

import argparse
import sys
from datetime import datetime

from bot.kb.database import session_factory


def _kb_load(_args) -> int:
    from bot.kb.loader import load_into

    kb = load_into(session_factory())
    if kb.errors:
        print(f"knowledge base NOT loaded: {len(kb.errors)} error(s)", file=sys.stderr)
        for error in kb.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    print(f"knowledge base loaded: {len(kb.answers)} answers, {len(kb.sources)} sources")
    return 0


def _escalations(args) -> int:
    from sqlalchemy import select

    from bot.escalations import list_escalations
    from bot.kb.models import Alert

    sessions = session_factory()
    rows = list_escalations(sessions, level=args.level, since=args.since, until=args.until)
    with sessions() as session:
        alert_status = {a.escalation_id: a.status for a in session.scalars(select(Alert))}
    print(f"{'when (UTC)':19}  {'level':9}  {'channel':10}  {'number given':16}  {'alert':7}  conversation  symptoms")
    for row in rows:
        print(f"{row.created_at:%Y-%m-%d %H:%M:%S}  {row.level:9}  {row.channel or '-':10}  "
              f"{row.number_given or '-':16}  {alert_status.get(row.id, '-'):7}  {row.conversation_id}  "
              f"{','.join(row.symptom_codes) or '-'}")
    print(f"{len(rows)} record(s)")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot")
    commands = parser.add_subparsers(dest="command", required=True)
    kb = commands.add_parser("kb", help="knowledge base")
    kb.add_argument("action", choices=["load"])
    kb.set_defaults(run=_kb_load)
    esc = commands.add_parser("escalations", help="list escalation records")
    esc.add_argument("--level", choices=["soon", "urgent", "emergency", "handoff"])
    esc.add_argument("--since", type=datetime.fromisoformat, help="YYYY-MM-DD[THH:MM]")
    esc.add_argument("--until", type=datetime.fromisoformat, help="YYYY-MM-DD[THH:MM]")
    esc.set_defaults(run=_escalations)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
