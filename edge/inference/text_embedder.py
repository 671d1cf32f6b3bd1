"""Provides text embeddings for product search: a pure-python BERT WordPiece tokenizer and MiniLM.

The tokenizer reproduces the `tokenizers` BertNormalizer (clean text, CJK spacing, lowercase, strip
accents), BertPreTokenizer (split on whitespace and punctuation) and WordPiece (`##` continuations,
[UNK] for words over 100 characters) from the model's `vocab.txt`, so devices need no extra
package. `tools/build_text_embedder.py` checks it token-for-token against the package tokenizer.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from edge.inference.runtime import OnnxModel

_MAX_WORD_CHARS = 100
_CJK_RANGES = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B820, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return any(low <= code <= high for low, high in _CJK_RANGES)


def normalise_text(text: str) -> str:
    """BertNormalizer: drop control chars, map whitespace to spaces, space out CJK, lowercase,
    strip accents."""
    out = []
    for char in text:
        code = ord(char)
        category = unicodedata.category(char)
        if code in (0, 0xFFFD) or (category.startswith("C") and char not in "\t\n\r"):
            continue
        if char in "\t\n\r" or category == "Zs":
            out.append(" ")
        elif _is_cjk(code):
            out.append(f" {char} ")
        else:
            out.append(char)
    lowered = unicodedata.normalize("NFD", "".join(out).lower())
    return "".join(char for char in lowered if unicodedata.category(char) != "Mn")


def pre_tokenize(text: str) -> list[str]:
    """BertPreTokenizer: whitespace-separated words, each punctuation character its own word."""
    words: list[str] = []
    for chunk in text.split():
        current = ""
        for char in chunk:
            if _is_punctuation(char):
                if current:
                    words.append(current)
                words.append(char)
                current = ""
            else:
                current += char
        if current:
            words.append(current)
    return words


@dataclass(frozen=True, slots=True)
class WordPieceTokenizer:
    """Uncased BERT WordPiece over a fixed vocabulary.

    Attributes:
        vocab: token -> id.
        max_tokens: sequence length cap including [CLS] and [SEP].
    """

    vocab: dict[str, int]
    max_tokens: int = 128

    def __post_init__(self) -> None:
        missing = [tok for tok in ("[CLS]", "[SEP]", "[UNK]") if tok not in self.vocab]
        if missing or self.max_tokens < 3:
            raise ValueError(f"vocab lacks {missing} or max_tokens {self.max_tokens} < 3")

    @classmethod
    def from_vocab_file(cls, path: Path, max_tokens: int = 128) -> WordPieceTokenizer:
        """Reads a `vocab.txt` (one token per line, id = line number)."""
        lines = path.read_text(encoding="utf-8").split("\n")
        if lines and lines[-1] == "":
            lines = lines[:-1]
        return cls(vocab={token: index for index, token in enumerate(lines)}, max_tokens=max_tokens)

    def _word_ids(self, word: str) -> list[int]:
        if len(word) > _MAX_WORD_CHARS:
            return [self.vocab["[UNK]"]]
        ids: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    ids.append(self.vocab[piece])
                    break
                end -= 1
            if end == start:
                return [self.vocab["[UNK]"]]
            start = end
        return ids

    def encode(self, text: str) -> list[int]:
        """Returns `[CLS] pieces... [SEP]` ids, truncated to `max_tokens`."""
        ids = [
            piece for word in pre_tokenize(normalise_text(text)) for piece in self._word_ids(word)
        ]
        ids = ids[: self.max_tokens - 2]
        return [self.vocab["[CLS]"], *ids, self.vocab["[SEP]"]]


class TextEmbedder:
    """Turns product text or a query into a 384-d L2-normalised MiniLM embedding."""

    def __init__(self, model: OnnxModel, tokenizer: WordPieceTokenizer) -> None:
        """Wraps a MiniLM model loaded by `runtime.load_model` and its tokenizer."""
        self._model = model
        self._tokenizer = tokenizer

    @classmethod
    def from_model(cls, model: OnnxModel) -> TextEmbedder:
        """Builds the tokenizer from the vocab file the manifest names beside the model."""
        spec = model.entry.input.preprocessing
        vocab = model.path.parent / str(spec["vocab_file"])
        return cls(model, WordPieceTokenizer.from_vocab_file(vocab, int(spec["max_tokens"])))

    @property
    def model(self) -> OnnxModel:
        """The underlying model (name, version, sha256 for the audit log)."""
        return self._model

    def embed(self, text: str) -> npt.NDArray[np.float32]:
        """Returns the (384,) float32 unit embedding of one text."""
        ids = np.asarray([self._tokenizer.encode(text)], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        return np.asarray(self._model.run(feeds)[0][0], dtype=np.float32)

    def embed_many(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Returns (N, 384) unit embeddings, one text at a time (no padding effects)."""
        return np.asarray(np.stack([self.embed(text) for text in texts]), dtype=np.float32)
