"""Provides `patch_tf2onnx()`: makes tf2onnx 1.17's tfjs path work with numpy 2 and TF >= 2.16.

tf2onnx 1.17 (the last release) breaks in three places on current TensorFlow and numpy:
- it calls `np.product`, removed in numpy 2;
- it builds `_FusedConv2D` node defs for TF shape inference without the `TArgs` and
  `num_host_args` attributes TF >= 2.16 requires ("NodeDef missing attr 'TArgs'");
- tfjs graphs store `TopKV2` without its default `index_type` attribute.
`patch_tf2onnx()` restores all three before a conversion; it is idempotent. Run from the build
venv (`.venv-tf`), never on a device.

Usage: python tools/tf2onnx_compat.py --help
"""

from __future__ import annotations

import argparse
from typing import Any

_PATCHED = {"done": False}


def _fix_node_def(node_def: Any, input_dtypes: list[Any]) -> None:
    from tensorflow.core.framework import types_pb2

    if node_def.op == "_FusedConv2D":
        if "TArgs" not in node_def.attr:
            extra = [getattr(dtype, "as_datatype_enum", dtype) for dtype in input_dtypes[2:]]
            node_def.attr["TArgs"].list.type.extend(extra)
        if "num_host_args" not in node_def.attr:
            node_def.attr["num_host_args"].i = 0
    if node_def.op == "TopKV2" and "index_type" not in node_def.attr:
        node_def.attr["index_type"].type = types_pb2.DT_INT32


def patch_tf2onnx() -> None:
    """Patches numpy and tf2onnx's tfjs reader in place (safe to call more than once)."""
    if _PATCHED["done"]:
        return
    import numpy as np

    if not hasattr(np, "product"):
        np.product = np.prod  # type: ignore[attr-defined]
    from tf2onnx import tfjs_utils

    original = tfjs_utils.get_output_shapes

    def get_output_shapes(
        node_def: Any, input_dtypes: list[Any], input_shapes: list[Any], inp_consts: list[Any]
    ) -> Any:
        _fix_node_def(node_def, input_dtypes)
        return original(node_def, input_dtypes, input_shapes, inp_consts)

    tfjs_utils.get_output_shapes = get_output_shapes
    _PATCHED["done"] = True


def main(argv: list[str] | None = None) -> int:
    """Runs `python -m tf2onnx.convert` with the patches applied (same arguments)."""
    parser = argparse.ArgumentParser(
        description="tf2onnx.convert with numpy-2 / TF>=2.16 fixes; other args go to tf2onnx",
        add_help=True,
    )
    _, rest = parser.parse_known_args(argv)
    patch_tf2onnx()
    import sys

    from tf2onnx import convert

    sys.argv = ["tf2onnx.convert", *rest]
    convert.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
