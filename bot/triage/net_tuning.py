"""Chooses the net's thresholds by cross-validation on its own training data (never on a test batch): the lowest
false-alarm rate whose held-out recall meets the targets, written to data/triage/thresholds.yml.

    .venv/bin/python -m bot.triage.net_tuning
"""
from __future__ import annotations

import itertools
import math
from typing import List, Optional, Sequence, Tuple

import numpy as np
from sklearn.model_selection import StratifiedKFold

from bot.triage.levels import rank
from bot.triage.net import CLASSES, SEED, THRESHOLDS, Example, RedFlagNet, Thresholds, training_examples

# The recall targets of the red-flag issue (#9) are 95 % (emergency) and 97 % (urgent or higher) on fresh wording.
# Cross-validation on these messages overstates recall on fresh wording (fresh batches lost an emergency in one of
# 40 at thresholds chosen for 95 % here), so both targets are asked of the held-out folds with a margin. The urgent
# margin is half a point: at 98 % (round 22) the urgent threshold fell to 0.37, where the net alone escalated benign
# cases of the suite ("I fell asleep on the sofa", "can i sleep on my side tonight"); fresh batches have kept
# 99-100 % urgent-or-higher recall at 0.40-0.47.
EMERGENCY_RECALL, URGENT_RECALL = 0.97, 0.975
GRID = [round(x, 2) for x in np.arange(0.10, 0.71, 0.025)]
# The net doubts the lexicon's alarm (bot/triage/decision.py) only above every held-out true alarm the lexicon finds
# and that may be doubted, by this margin. 2026-12-02 (round 25): the highest was 0.895 ("my legs are numb, is that a
# risk of the cement?"); on held-out folds 0.92 doubted 62 of the 213 false alarms the lexicon raises on the training
# data and 0.99 doubted 9.
DOUBT_MARGIN, DOUBT_CAP = 0.02, 0.995


def held_out_probabilities(examples: Sequence[Example], folds: int = 5) -> np.ndarray:
    labels = [e.level for e in examples]
    probabilities = np.zeros((len(examples), len(CLASSES)))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=SEED).split(examples, labels):
        net = RedFlagNet([examples[i] for i in train])
        probabilities[test] = net.probabilities([examples[i].text for i in test])
    return probabilities


def figures(probabilities: np.ndarray, labels: List[str], thresholds: Thresholds) -> Tuple[float, float, float]:
    net = RedFlagNet.__new__(RedFlagNet)
    net.thresholds = thresholds
    got = [net.level_from(row) for row in probabilities]
    emergency = [g == "emergency" for g, l in zip(got, labels) if l == "emergency"]
    urgent = [rank(g) >= rank("urgent") for g, l in zip(got, labels) if l in ("urgent", "emergency")]
    alarms = [rank(g) >= rank("urgent") for g, l in zip(got, labels) if l not in ("urgent", "emergency")]
    return float(np.mean(emergency)), float(np.mean(urgent)), float(np.mean(alarms))


def _above(values: List[float]) -> Tuple[Optional[float], float, int]:
    """The threshold DOUBT_MARGIN above the highest of `values` (None past DOUBT_CAP), that highest, how many."""
    highest = float(max(values, default=1.0))
    doubt = math.ceil((highest + DOUBT_MARGIN) * 100) / 100
    return (doubt if doubt <= DOUBT_CAP else None), highest, len(values)


def _doubtable(examples: Sequence[Example], probabilities: np.ndarray) -> Tuple[List[float], List[float]]:
    """Held-out P(none) of the true alarms the lexicon escalates and the net may doubt; and of those among them whose
    alarms are all only asked about. When no true alarm is only asked about in the whole message (2026-12-03: none
    of 3,360), the threshold has nothing to stand above: the pool is then those whose alarms sit in questions that
    tell nothing of now, whatever the rest of the message says ("is numbness something that can happen? I have it
    since lunch"), the nearest true alarms there are."""
    from bot.triage.decision import alarms_in_questions, alarms_only_asked, build_engine, never_doubted

    engine = build_engine(with_net=False)
    found, asked, asked_in_sentence = [], [], []
    for example, row in zip(examples, probabilities):
        if example.level not in ("urgent", "emergency"):
            continue
        read = engine.read(example.text)
        alarms = engine.triage.assess(read).alarms
        if alarms and not never_doubted(read, alarms):
            found.append(row[CLASSES.index("none")])
            if alarms_only_asked(alarms, read):
                asked.append(row[CLASSES.index("none")])
            if alarms_in_questions(alarms):
                asked_in_sentence.append(row[CLASSES.index("none")])
    return found, asked or asked_in_sentence


def main() -> None:
    examples = training_examples()
    labels = [e.level for e in examples]
    probabilities = held_out_probabilities(examples)
    found, only_asked = _doubtable(examples, probabilities)
    doubt, highest, alarms = _above(found)
    question_doubt, asked_highest, asked = _above(only_asked)
    best = None
    for emergency, urgent in itertools.product(GRID, GRID):
        result = figures(probabilities, labels, Thresholds(emergency, urgent))
        if result[0] >= EMERGENCY_RECALL and result[1] >= URGENT_RECALL:
            if best is None or result[2] < best[1][2] - 1e-9:
                best = (Thresholds(emergency, urgent), result)
    if best is None:  # the targets cannot be met: take the most sensitive corner and say so
        best = (Thresholds(GRID[0], GRID[0]), figures(probabilities, labels, Thresholds(GRID[0], GRID[0])))
        print("the recall targets are not met on held-out folds even at the lowest thresholds")
    chosen, (e, u, fa) = best
    THRESHOLDS.write_text(
        "# Thresholds of the learned red-flag net, chosen by `python -m bot.triage.net_tuning`: 5-fold cross-validation\n"
        f"# on the {len(examples)} training messages (data/triage/ and the NLU questions), the lowest false-alarm rate whose\n"
        f"# held-out recall is at least {EMERGENCY_RECALL:.0%} (emergency) and {URGENT_RECALL:.0%} (urgent or higher).\n"
        f"# Held-out figures at these thresholds: emergency {e:.1%}, urgent or higher {u:.1%}, false alarms {fa:.1%}.\n"
        f"emergency: {chosen.emergency}\nurgent: {chosen.urgent}\n"
        f"# The net doubts an alarm of the lexicon alone from this P(none): the highest held-out P(none) of the {alarms}\n"
        f"# urgent or emergency messages the lexicon escalates and that may be doubted (decision.never_doubted) was\n"
        f"# {highest:.3f}; {DOUBT_MARGIN} above it, rounded up.\n"
        f"doubt: {doubt if doubt is not None else 'null'}\n"
        f"# The same over the {asked} of them whose alarms all sit in questions that tell nothing of now\n"
        f"# (decision.alarms_only_asked; where no message is such, the sentences of the alarms): the highest was\n"
        f"# {asked_highest:.3f}.\n"
        f"question_doubt: {question_doubt if question_doubt is not None else 'null'}\n", encoding="utf-8")
    print(f"{THRESHOLDS}: emergency >= {chosen.emergency}, urgent >= {chosen.urgent} "
          f"(held out: emergency {e:.1%}, urgent+ {u:.1%}, false alarms {fa:.1%}); doubt from P(none) >= {doubt}, "
          f"in questions only from {question_doubt}")


if __name__ == "__main__":
    main()
