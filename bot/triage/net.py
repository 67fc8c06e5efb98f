"""The learned red-flag net beside the lexicon: word and character n-grams (which survive typos and
paraphrase) into a logistic regression that predicts the level of a message, and a second one that names the
likeliest red flag. Trained on the labelled messages of data/triage/ with a fixed seed; the fitted net is
cached under var/ and rebuilt when the data or this file change."""
from __future__ import annotations

import hashlib
import logging
import pickle
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import yaml
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import normalize

from bot.config import PROJECT_ROOT, var_dir
from bot.triage.levels import LEVELS

logger = logging.getLogger(__name__)

TRAINING_DIR = PROJECT_ROOT / "data" / "triage"
NONE = "none"
CLASSES = (NONE,) + LEVELS
SEED = 13


@dataclass(frozen=True)
class Example:
    text: str
    level: str
    codes: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Thresholds:
    """Probability needed to call a message emergency, and urgent-or-higher (clinical safety leans low)."""
    emergency: float = 0.35
    urgent: float = 0.40
    doubt: Optional[float] = None  # P(none) at which the net doubts the lexicon's alarm (decision.py); None: never
    # the same, for alarms the lexicon found only in questions that tell nothing of now ("is coughing up blood a 911
    # thing?"): chosen on those messages alone, so lower
    question_doubt: Optional[float] = None


@dataclass(frozen=True)
class NetPrediction:
    level: Optional[str]
    probabilities: Dict[str, float]
    code: Optional[str]


NLU_DIR = PROJECT_ROOT / "data" / "nlu"
_ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")


def _same_words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def nlu_questions(directory: Path = NLU_DIR, labelled: Sequence[Example] = ()) -> List[Example]:
    """The assistant's NLU examples but the symptom reports: questions and small talk, nothing to escalate.
    They teach the net that a question about the procedure is not an emergency. One that is also a labelled
    message of data/triage/ (the same words) is left to its label there: "is it normal to have numbness after the
    procedure" is a question topic and, in the safety suite, a report (round 26)."""
    known = {_same_words(e.text) for e in labelled}
    examples = []
    for path in sorted(directory.glob("*.yml")):
        if path.name == "symptoms.yml":
            continue
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    text = _ANNOTATION.sub(lambda m: m.group(1) or m.group(2) or "", line[2:]).strip()
                    if _same_words(text) not in known:
                        examples.append(Example(text, NONE))
    return examples


def load_examples(directory: Path = TRAINING_DIR) -> List[Example]:
    """Every labelled message under data/triage/ (`cases`, `examples` or `messages` lists)."""
    examples = []
    for path in sorted(directory.glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key in ("cases", "examples", "messages"):
            for item in document.get(key) or []:
                if item.get("level") not in CLASSES:
                    raise ValueError(f"{path.name}: level {item.get('level')!r} of {item.get('text')!r}")
                examples.append(Example(item["text"], item["level"], tuple(item.get("codes") or ())))
    return examples


def _features() -> FeatureUnion:
    return FeatureUnion([
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=1,
                                  token_pattern=r"(?u)\b\w+\b")),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
    ])


def featurise(union: FeatureUnion, texts: Sequence[str]):
    """`union.transform(texts)` for a fitted union of TfidfVectorizers with sublinear tf and l2 norm, the same
    numbers without its per-call costs: joblib's dispatch, and the `idf_` check that sums the idf matrix again at
    every call: 4.2 ms a message before, 2.1 ms after (batch 30, 2026-12-03). Tested equal."""
    parts = []
    for _, vectorizer in union.transformer_list:
        # the shortcut holds only for the settings it copies; any other falls back to scikit-learn's own transform
        if not (vectorizer.sublinear_tf and vectorizer.use_idf and vectorizer.norm == "l2"
                and hasattr(getattr(vectorizer, "_tfidf", None), "_idf_diag")):
            return union.transform(texts).tocsr()
        counts = CountVectorizer.transform(vectorizer, texts).astype(np.float64)
        np.log(counts.data, counts.data)  # sublinear tf: 1 + log(tf)
        counts.data += 1
        parts.append(normalize(counts @ vectorizer._tfidf._idf_diag, norm="l2", copy=False))
    return sparse.hstack(parts).tocsr()


def column_major(model) -> None:
    """A fitted scikit-learn linear model's weights, column-major: the same numbers, and `coef_.T` is a view."""
    if not model.coef_.flags.f_contiguous:
        model.coef_ = np.asfortranarray(model.coef_)


class RedFlagNet:
    """One featurisation (fitted on every training message) shared by the two regressions: a message is
    featurised once per prediction."""

    def __init__(self, examples: Sequence[Example], thresholds: Thresholds = Thresholds(),
                 labelled_texts: Sequence[str] = ()) -> None:
        self.thresholds = thresholds
        # the messages of data/triage/, kept with the fitted net: the spelling corrector's vocabulary (read once)
        self.labelled_texts = tuple(labelled_texts)
        texts = [e.text.lower() for e in examples]
        self.features = _features().fit(texts)
        matrix = self.features.transform(texts)
        self.levels = LogisticRegression(C=8.0, max_iter=2000, class_weight="balanced", random_state=SEED)
        self.levels.fit(matrix, [e.level for e in examples])
        flagged = [i for i, e in enumerate(examples) if e.codes and e.level != NONE]
        self.codes = LogisticRegression(C=8.0, max_iter=2000, random_state=SEED)
        self.codes.fit(matrix[flagged], [examples[i].codes[0] for i in flagged])
        # each sign's usual level among the messages that name it alone ("bruising": self_care), for the signs the
        # lexicon does not hold
        by_code = defaultdict(Counter)
        for e in examples:
            if len(e.codes) == 1:
                by_code[e.codes[0]][e.level] += 1
        self.code_levels = {code: levels.most_common(1)[0][0] for code, levels in by_code.items()}
        self._order = [list(self.levels.classes_).index(c) for c in CLASSES]
        self._weights_in_column_order()

    def _weights_in_column_order(self) -> None:
        """scikit-learn multiplies the features by `coef_.T`; stored row-major, that transpose is copied whole (a
        million weights) at every prediction - a seventh of the red-flag path (cProfile, 2026-12-02). Stored
        column-major, the transpose is a view. The same numbers, the same probabilities."""
        for model in (self.levels, self.codes):
            column_major(model)

    def __setstate__(self, state) -> None:  # a net read from the cache gets the same layout
        self.__dict__.update(state)
        self._weights_in_column_order()

    def _probabilities(self, matrix) -> np.ndarray:
        return self.levels.predict_proba(matrix)[:, self._order]

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Rows: texts; columns: CLASSES."""
        return self._probabilities(featurise(self.features, [t.lower() for t in texts]))

    def level_from(self, row: Sequence[float]) -> Optional[str]:
        p = dict(zip(CLASSES, row))
        if p["emergency"] >= self.thresholds.emergency:
            return "emergency"
        if p["emergency"] + p["urgent"] >= self.thresholds.urgent:
            return "urgent"
        best = max(CLASSES[:3], key=lambda c: p[c])
        return None if best == NONE else best

    def predict(self, texts: Sequence[str]) -> List[NetPrediction]:
        if not texts:
            return []
        matrix = featurise(self.features, [t.lower() for t in texts])
        rows = self._probabilities(matrix)
        levels = [self.level_from(row) for row in rows]
        needing_code = [i for i, level in enumerate(levels) if level]
        codes: Dict[int, str] = {}
        if needing_code:
            codes = dict(zip(needing_code, self.codes.predict(matrix[needing_code])))
        return [NetPrediction(level, dict(zip(CLASSES, map(float, row))), codes.get(i))
                for i, (level, row) in enumerate(zip(levels, rows))]


THRESHOLDS = TRAINING_DIR / "thresholds.yml"


def training_examples(labelled: Optional[Sequence[Example]] = None) -> List[Example]:
    """The labelled messages (those of data/triage/ unless given) and the NLU questions the net learns from."""
    labelled = load_examples() if labelled is None else labelled
    return list(labelled) + nlu_questions(labelled=labelled)


def load_thresholds(path: Path = THRESHOLDS) -> Thresholds:
    if not path.exists():
        return Thresholds()
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    doubt, question_doubt = document.get("doubt"), document.get("question_doubt")
    return Thresholds(float(document["emergency"]), float(document["urgent"]), None if doubt is None else float(doubt),
                      None if question_doubt is None else float(question_doubt))


def _fingerprint(directory: Path) -> str:
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for path in sorted(directory.glob("*.yml")) + sorted(NLU_DIR.glob("*.yml")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def load_net(directory: Path = TRAINING_DIR, cache_dir: Optional[Path] = None) -> RedFlagNet:
    """The fitted net, from var/ when the training data have not changed since it was fitted."""
    cache_dir = cache_dir or var_dir()
    cache = cache_dir / f"red_flag_net-{_fingerprint(directory)}.pickle"
    if cache.exists():
        try:
            with open(cache, "rb") as handle:
                return pickle.load(handle)
        except Exception:  # a stale or broken cache is refitted, never trusted
            logger.warning("the cached red-flag net could not be read; fitting it again")
    labelled = load_examples(directory)
    net = RedFlagNet(training_examples(labelled), load_thresholds(directory / THRESHOLDS.name),
                     [e.text for e in labelled])
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for old in cache_dir.glob("red_flag_net-*.pickle"):
            old.unlink()
        with open(cache, "wb") as handle:
            pickle.dump(net, handle)
    except OSError:
        logger.warning("could not cache the red-flag net under %s", cache_dir)
    return net
