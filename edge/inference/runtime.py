"""Provides the only onnxruntime adapter: load a manifest model, verify it, warm it up, run it.

`load_model(manifest_path, name)` checks the file's sha256 and every declared input (name, fixed
dims, dynamic dims, dtype) and output name against the session, and raises `ManifestMismatch` on
any difference, so a device never runs a model other than the one its manifest describes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from pydantic import BaseModel, ConfigDict, Field

from edge.errors import ManifestMismatch, ModelUnavailable
from edge.inference.manifest import InputSpec, ModelEntry, load_manifest

_ORT_DTYPES = {"float32": "tensor(float)", "int64": "tensor(int64)", "uint8": "tensor(uint8)"}
_CHUNK_BYTES = 1 << 20
_ORT_STATE = ort.capi.onnxruntime_pybind11_state
_ORT_LOAD_ERRORS = (
    RuntimeError,
    _ORT_STATE.Fail,
    _ORT_STATE.InvalidGraph,
    _ORT_STATE.InvalidProtobuf,
    _ORT_STATE.NoSuchFile,
    _ORT_STATE.InvalidArgument,
)


class RuntimeConfig(BaseModel):
    """How onnxruntime sessions are created on this device."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    intra_op_threads: int = Field(default=2, ge=1, le=64, description="threads inside one op")
    warmup_runs: int = Field(default=2, ge=0, le=100, description="inferences run at load time")


def file_sha256(path: Path) -> str:
    """Returns the hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_input(name: str, spec: InputSpec, actual: Any) -> None:
    if actual.type != _ORT_DTYPES[spec.dtype]:
        raise ManifestMismatch(
            f"{name}: input {spec.name!r} dtype is {actual.type}, manifest says {spec.dtype}"
        )
    dims = list(actual.shape)
    if len(dims) != len(spec.shape):
        raise ManifestMismatch(f"{name}: input {spec.name!r} shape {dims} != manifest {spec.shape}")
    for want, got in zip(spec.shape, dims, strict=True):
        fixed_ok = isinstance(want, int) and got == want
        dynamic_ok = isinstance(want, str) and not isinstance(got, int)
        if not (fixed_ok or dynamic_ok):
            raise ManifestMismatch(
                f"{name}: input {spec.name!r} shape {dims} != manifest {spec.shape}"
            )


def _check_session(name: str, entry: ModelEntry, session: ort.InferenceSession) -> None:
    actual_inputs = {node.name: node for node in session.get_inputs()}
    declared = {spec.name for spec in entry.inputs}
    if set(actual_inputs) != declared:
        raise ManifestMismatch(
            f"{name}: inputs {sorted(actual_inputs)} != manifest {sorted(declared)}"
        )
    for spec in entry.inputs:
        _check_input(name, spec, actual_inputs[spec.name])
    actual_outputs = {node.name for node in session.get_outputs()}
    missing = [out.name for out in entry.outputs if out.name not in actual_outputs]
    if missing:
        raise ManifestMismatch(f"{name}: outputs {missing} not in the model ({actual_outputs})")


def _warmup_feed(spec: InputSpec) -> npt.NDArray[Any]:
    shape = [dim if isinstance(dim, int) else 1 for dim in spec.shape]
    if spec.dtype == "float32":
        return np.zeros(shape, dtype=np.float32)
    return np.ones(shape, dtype=np.dtype(spec.dtype))


@dataclass(frozen=True, slots=True)
class OnnxModel:
    """A verified onnxruntime session with its manifest entry.

    Attributes:
        name: the model's name in the manifest.
        entry: its manifest entry (preprocessing, labels, version, sha256).
        path: the ONNX file.
        session: the onnxruntime session (use `run`, not this, from callers).
    """

    name: str
    entry: ModelEntry
    path: Path
    session: ort.InferenceSession

    def run(self, feeds: Mapping[str, npt.NDArray[Any]]) -> list[npt.NDArray[Any]]:
        """Runs the model.

        Args:
            feeds: input name -> array, one per declared input.

        Returns:
            The outputs in the manifest's order.

        Raises:
            ValueError: a feed is missing, unexpected, or of the wrong dtype.
        """
        wanted = {spec.name: spec for spec in self.entry.inputs}
        if set(feeds) != set(wanted):
            raise ValueError(f"{self.name}: expected inputs {sorted(wanted)}, got {sorted(feeds)}")
        for key, array in feeds.items():
            if array.dtype != np.dtype(wanted[key].dtype):
                raise ValueError(
                    f"{self.name}: input {key!r} must be {wanted[key].dtype}, got {array.dtype}"
                )
        names = [out.name for out in self.entry.outputs]
        outputs: Sequence[npt.NDArray[Any]] = self.session.run(names, dict(feeds))
        return list(outputs)

    def run_one(self, tensor: npt.NDArray[Any]) -> list[npt.NDArray[Any]]:
        """Runs a single-input model on one tensor (see `run`)."""
        return self.run({self.entry.input.name: tensor})

    def warm_up(self, runs: int) -> None:
        """Runs the model `runs` times on neutral inputs so the first real frame is not slow."""
        feeds = {spec.name: _warmup_feed(spec) for spec in self.entry.inputs}
        for _ in range(runs):
            self.run(feeds)


def _session(path: Path, config: RuntimeConfig) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = config.intra_op_threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def load_model(manifest_path: Path, name: str, *, config: RuntimeConfig | None = None) -> OnnxModel:
    """Loads, verifies and warms up one model from the manifest.

    Args:
        manifest_path: `models/manifest.json`; model files resolve relative to its folder.
        name: the model's name in the manifest.
        config: threads and warm-up; defaults to 2 threads, 2 warm-up runs.

    Returns:
        The verified model.

    Raises:
        ModelUnavailable: the manifest, the name or the file is missing.
        ManifestMismatch: sha256, inputs, dtypes or outputs differ from the manifest.
    """
    config = config or RuntimeConfig()
    entry = load_manifest(manifest_path).entry(name)
    path = manifest_path.parent / entry.file
    if not path.is_file():
        raise ModelUnavailable(f"{name}: model file not found: {path}")
    actual_sha = file_sha256(path)
    if actual_sha != entry.sha256:
        raise ManifestMismatch(
            f"{name}: {path.name} sha256 {actual_sha} != manifest {entry.sha256}"
        )
    try:
        session = _session(path, config)
    except _ORT_LOAD_ERRORS as exc:
        raise ManifestMismatch(f"{name}: onnxruntime cannot load {path}: {exc}") from exc
    _check_session(name, entry, session)
    model = OnnxModel(name=name, entry=entry, path=path, session=session)
    model.warm_up(config.warmup_runs)
    return model
