"""Tiny ONNX models built with ``onnx.helper`` (no PyTorch) for the tests."""

from __future__ import annotations

import numpy as np


def save(model, path):
    import onnx

    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def monocular(path, *, layout="nchw", static=None, offset=1.0):
    """A 'monocular depth network': mean over colour channels + ``offset`` -> (1, 1, H, W)
    (NCHW) or (1, H, W, 1) (NHWC). ``static`` (h, w) fixes the input size."""
    from onnx import TensorProto, helper

    h, w = static if static else ("H", "W")
    shape = [1, 3, h, w] if layout == "nchw" else [1, h, w, 3]
    axis = 1 if layout == "nchw" else 3
    x = helper.make_tensor_value_info("image", TensorProto.FLOAT, shape)
    oshape = [1, 1, h, w] if layout == "nchw" else [1, h, w, 1]
    y = helper.make_tensor_value_info("depth", TensorProto.FLOAT, oshape)
    axes = helper.make_tensor("axes", TensorProto.INT64, [1], [axis])
    off = helper.make_tensor("off", TensorProto.FLOAT, [], [offset])
    nodes = [helper.make_node("ReduceMean", ["image", "axes"], ["m"], keepdims=1),
             helper.make_node("Add", ["m", "off"], ["depth"])]
    g = helper.make_graph(nodes, "mono", [x], [y], initializer=[axes, off])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)])
    m.ir_version = 8
    return save(m, path)


def two_inputs(path):
    """A model with two inputs (a wrong signature for predict and for the SR method)."""
    from onnx import TensorProto, helper

    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [1, 3, "H", "W"])
    b = helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, 3, "H", "W"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, "H", "W"])
    g = helper.make_graph([helper.make_node("Add", ["a", "b"], ["y"])], "two", [a, b], [y])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)])
    m.ir_version = 8
    return save(m, path)


def ramp_image(h=24, w=32, seed=0):
    rng = np.random.default_rng(seed)
    img = np.zeros((h, w, 3), np.uint8)
    img[:, : w // 2] = (200, 120, 40)
    img[:, w // 2:] = (30, 60, 220)
    return np.clip(img + rng.integers(0, 8, img.shape), 0, 255).astype(np.uint8)
