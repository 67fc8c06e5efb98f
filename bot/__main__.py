"""Command line: `python -m bot kb load`, `python -m bot escalations [--level L] [--since D] [--until D]`,
`python -m bot unanswered [--since D]`, `python -m bot purge --older-than DAYS` and
`python -m bot review export | sign --reviewer NAME --role ROLE | status`."""
from __future__ import annotations

import argparse
import sys
from datetime import datetime

from bot.config import tracker_store_url
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


def _unanswered(args) -> int:
    from bot.unanswered import by_likeliest_topic, list_unanswered

    rows = list_unanswered(session_factory(), since=args.since)
    print(f"{len(rows)} question(s) the assistant could not answer"
          + (f" since {args.since:%Y-%m-%d %H:%M}" if args.since else "") + " (their words are not kept)")
    if rows:
        print(f"{'questions':>9}  {'gave up':>7}  likeliest topic guessed")
        for topic, count, gave_up in by_likeliest_topic(rows):
            print(f"{count:>9}  {gave_up:>7}  {topic}")
        channels = {}
        for row in rows:
            channels[row.channel or "-"] = channels.get(row.channel or "-", 0) + 1
        print("by channel: " + ", ".join(f"{name} {count}" for name, count in sorted(channels.items())))
    return 0


def _review(args) -> int:
    from pathlib import Path

    from bot.review.content import collect
    from bot.review.packet import export
    from bot.review.signoff import sign, statuses, unsigned, version

    items = collect()
    if args.action == "export":
        path = export(items, Path(args.out))
        print(f"review packet of content version {version(items)}: {path}")
    elif args.action == "sign":
        if not (args.reviewer and args.role):
            print("a sign-off needs --reviewer NAME and --role ROLE", file=sys.stderr)
            return 2
        record = sign(items, args.reviewer, args.role)
        print(f"signed: version {record['version']} ({record['items']} items) by {record['reviewer']}, "
              f"{record['role']}, {record['date']}")
    else:  # status
        left = unsigned(items)
        if left:
            print(f"WARNING: {len(left)} of {len(statuses(items))} content items are NOT signed off by a clinician "
                  f"(python -m bot review export writes the packet). Patients are told the content is still "
                  f"being reviewed.")
            return 1
        print(f"content version {version(items)}: every item is signed off")
    return 0


def _purge(args) -> int:

    from bot.retention import purge

    try:
        done = purge(session_factory(), tracker_store_url(), args.older_than)
    except ValueError as problem:
        print(f"nothing purged: {problem}", file=sys.stderr)
        return 2
    print(f"purged what is older than {args.older_than:g} days: {done.conversations} conversation(s) "
          f"({done.events} events), {done.escalations} escalation(s), {done.unanswered} unanswered-question record(s)")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot")
    commands = parser.add_subparsers(dest="command", required=True)
    kb = commands.add_parser("kb", help="knowledge base")
    kb.add_argument("action", choices=["load"])
    kb.set_defaults(run=_kb_load)
    esc = commands.add_parser("escalations", help="list escalation records")
    esc.add_argument("--level", choices=["soon", "urgent", "emergency", "handoff", "doubted"])
    esc.add_argument("--since", type=datetime.fromisoformat, help="YYYY-MM-DD[THH:MM]")
    esc.add_argument("--until", type=datetime.fromisoformat, help="YYYY-MM-DD[THH:MM]")
    esc.set_defaults(run=_escalations)
    unanswered = commands.add_parser("unanswered", help="questions with no answer, grouped by the topic guessed")
    unanswered.add_argument("--since", type=datetime.fromisoformat, help="YYYY-MM-DD[THH:MM]")
    unanswered.set_defaults(run=_unanswered)
    review = commands.add_parser("review", help="clinician review of the content: packet, sign-off, status")
    review.add_argument("action", choices=["export", "sign", "status"])
    review.add_argument("--out", default="var/review/packet.html", help="where export writes the packet")
    review.add_argument("--reviewer", help="sign: the reviewer's name")
    review.add_argument("--role", help="sign: the reviewer's role, e.g. 'RN, nurse educator'")
    review.set_defaults(run=_review)
    purge = commands.add_parser("purge", help="delete conversations and records older than the retention policy")
    purge.add_argument("--older-than", type=float, required=True, metavar="DAYS")
    purge.set_defaults(run=_purge)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
