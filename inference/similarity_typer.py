"""Zero-shot event typing by similarity: a text's sentence embedding against embeddings of label descriptions.

The folder holds the sentence encoder (a plain Hugging Face folder) and ``conflict_news.json`` with
``task: similarity``; ``descriptions.json`` maps each label to its phrasings. A label's score is the best cosine
similarity over its phrasings; probabilities are a softmax of scores divided by ``temperature``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from inference.onnx_runtime import runner
from inference.runtime import forward_windows, load_pretrained, mean_pooled, resolve_precision
from inference.task_model import TaskMeta, read_meta, write_meta
from inference.windows import softmax, text_windows

DESCRIPTIONS_FILE = "descriptions.json"


class SimilarityTyper:
    """Same interface as a single-label TaskModel for typing: ``meta.labels`` and ``text_probs(texts)``."""

    def __init__(self, encoder: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, meta: TaskMeta,
                 descriptions: dict[str, list[str]], temperature: float = 0.05, precision: str = "auto",
                 batch_size: int = 32, backend: str = "torch") -> None:
        missing = [label for label in meta.labels if not descriptions.get(label)]
        if missing:
            raise ValueError(f"labels without descriptions: {missing}")
        self.encoder, self.tokenizer, self.meta = encoder.eval(), tokenizer, meta
        self.descriptions, self.temperature = descriptions, temperature
        self.use_bf16, self.batch_size = backend == "torch" and resolve_precision(precision), batch_size
        self.runner = runner(self.encoder, backend, "last_hidden_state", bf16=self.use_bf16)
        phrases = [(label, text) for label in meta.labels for text in descriptions[label]]
        self._owner = np.array([meta.labels.index(label) for label, _ in phrases])
        self._phrases = torch.from_numpy(self.embed([text for _, text in phrases]))

    @classmethod
    def load(cls, path: str | Path, precision: str = "auto", batch_size: int = 32,
             backend: str = "torch") -> "SimilarityTyper":
        path = Path(path)
        meta = read_meta(path)
        extra = json.loads((path / DESCRIPTIONS_FILE).read_text(encoding="utf-8"))
        return cls(load_pretrained(AutoModel, path), AutoTokenizer.from_pretrained(path), meta,
                   extra["descriptions"], extra["temperature"], precision, batch_size, backend)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        self.encoder.save_pretrained(path, safe_serialization=True)
        self.tokenizer.save_pretrained(path)
        write_meta(path, self.meta)
        (path / DESCRIPTIONS_FILE).write_text(json.dumps({"temperature": self.temperature,
                                                          "descriptions": self.descriptions}, indent=2),
                                              encoding="utf-8")
        return path

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings, averaged over the windows of long texts."""
        if not texts:
            return np.zeros((0, self.encoder.config.hidden_size), dtype=np.float32)
        windows = text_windows(self.tokenizer, texts, self.meta.max_length, self.meta.stride)
        vectors = np.stack(forward_windows(self.runner, windows.input_ids, self.tokenizer.pad_token_id,
                                           self.batch_size, self.use_bf16, head=mean_pooled))
        out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
        np.add.at(out, np.asarray(windows.example_index), vectors)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    def text_probs(self, texts: list[str]) -> np.ndarray:
        """(n_texts, n_labels) softmax over each label's best description similarity."""
        if not texts:
            return np.zeros((0, len(self.meta.labels)), dtype=np.float32)
        # in torch, not numpy: a numpy matmul wakes OpenBLAS's own threads, which keep spinning after it returns
        # and take the cores from the next forward pass (on 2 cores, the next model ran at half speed)
        sims = (torch.from_numpy(self.embed(texts)) @ self._phrases.T).numpy()
        scores = np.full((len(texts), len(self.meta.labels)), -np.inf, dtype=np.float32)
        for j in range(len(self.meta.labels)):
            scores[:, j] = sims[:, self._owner == j].max(axis=1)
        return softmax(scores / self.temperature)
