"""Provides the typed form of `models/manifest.json`: one entry per ONNX model the devices run.

The file maps model names to entries:
`{"models": {"<name>": {"version", "file", "sha256", "opset", "precision", "source", "input",
"extra_inputs", "outputs", "labels", "quantization", "measured"}}}`. `tools/model_manifest.py`
writes it; `edge/inference/runtime.py` reads it and refuses any model that disagrees with it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from edge.errors import ManifestMismatch, ModelUnavailable

Dim = int | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceSpec(_Strict):
    """Where a model's weights came from."""

    package: str = Field(description="registry package (or shared file) holding the weights")
    version: str = Field(description="version of that package")
    licence: str = Field(description="SPDX licence of the weights")
    url_or_note: str = Field(description="registry, path or note on how the file was built")


class InputSpec(_Strict):
    """One model input: name, shape (ints fixed, strings dynamic), dtype, layout, preprocessing."""

    name: str = Field(description="input tensor name in the ONNX graph")
    shape: list[Dim] = Field(description="dims; an int is fixed, a string names a dynamic dim")
    dtype: Literal["float32", "int64", "uint8"] = Field(description="element type")
    layout: Literal["NCHW", "NHWC"] | None = Field(
        default=None, description="image layout, or null for non-image inputs"
    )
    preprocessing: dict[str, Any] = Field(
        default_factory=dict, description="resize/colour/normalisation recipe the caller applies"
    )


class OutputSpec(_Strict):
    """One model output."""

    name: str = Field(description="output tensor name in the ONNX graph")
    shape: list[Dim] = Field(default_factory=list, description="dims; strings are dynamic")
    meaning: str = Field(default="", description="what the values are")


class ModelEntry(_Strict):
    """One model in the manifest."""

    version: str = Field(description="model version, bumped on every rebuild that changes output")
    file: str = Field(description="ONNX file name, relative to the manifest's folder")
    sha256: str = Field(description="hex sha256 of the file")
    opset: int = Field(description="default-domain opset of the graph")
    precision: Literal["int8", "fp32"] = Field(description="weights precision")
    source: SourceSpec = Field(description="where the weights came from")
    input: InputSpec = Field(description="the primary input")
    extra_inputs: list[InputSpec] = Field(
        default_factory=list, description="further inputs (e.g. attention_mask)"
    )
    outputs: list[OutputSpec] = Field(description="outputs, in the order callers receive them")
    labels: list[str] | None = Field(default=None, description="class names, or null")
    quantization: dict[str, Any] | None = Field(
        default=None, description="quantization recipe, or null for fp32"
    )
    measured: dict[str, Any] = Field(
        default_factory=dict, description="accuracy and latency measured at build time"
    )

    @property
    def inputs(self) -> list[InputSpec]:
        """All inputs, primary first."""
        return [self.input, *self.extra_inputs]


class Manifest(_Strict):
    """The whole manifest file."""

    models: dict[str, ModelEntry] = Field(description="model name -> entry")

    def entry(self, name: str) -> ModelEntry:
        """Returns one model's entry.

        Raises:
            ModelUnavailable: the manifest has no model of that name.
        """
        try:
            return self.models[name]
        except KeyError:
            known = ", ".join(sorted(self.models)) or "none"
            raise ModelUnavailable(
                f"model {name!r} is not in the manifest (has: {known})"
            ) from None


def load_manifest(path: Path) -> Manifest:
    """Reads and validates `models/manifest.json`.

    Args:
        path: the manifest file.

    Returns:
        The parsed manifest.

    Raises:
        ModelUnavailable: the file does not exist.
        ManifestMismatch: the file is not valid JSON or does not match the schema.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelUnavailable(f"model manifest not found: {path}") from None
    try:
        return Manifest.model_validate(json.loads(text))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise ManifestMismatch(f"{path}: invalid manifest: {exc}") from exc
