"""The shape every task shares: a ``METHODS`` registry, one dispatch, one parameter check.

Each task package (fill, refine, complete, upsample) has an ``_api.py`` whose entry point
validates its inputs once and calls :func:`run_method`; the method functions take the
already-checked arrays (float32 depth, bool ``valid``, a :class:`~depthsmith._validate.Guide`)
as keyword arguments. Adding a method is one function and one registry line.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping

from ._validate import InputError

__all__ = ["check_method", "method_parameters", "run_method", "hint_not_supported"]


def check_method(methods: Mapping[str, Callable], method) -> Callable:
    """The registered function for ``method``, or an :class:`InputError` listing the names."""
    if not isinstance(method, str) or method not in methods:
        raise InputError(f"method must be one of {', '.join(methods)}, got {method!r}")
    return methods[method]


def method_parameters(fn: Callable) -> dict[str, inspect.Parameter]:
    """A method's own keyword parameters: everything after ``depth`` and ``guide`` (the
    task's shared inputs and hints included), in signature order."""
    params = list(inspect.signature(fn).parameters.values())
    return {p.name: p for p in params[2:] if p.kind is not inspect.Parameter.VAR_KEYWORD}


def run_method(methods: Mapping[str, Callable], method: str, depth, guide, shared: dict,
               params: dict):
    """Call ``methods[method](depth, guide, **shared, **params)``.

    ``shared`` are the task's checked inputs and hints (``valid``, ``confidence``,
    ``occlusion``...), ``params`` the caller's method parameters: an unknown method, or a
    parameter the method does not take, is an :class:`InputError` naming both.
    """
    fn = check_method(methods, method)
    sig = inspect.signature(fn)
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values()):
        own = [k for k in method_parameters(fn) if k not in shared]
        bad = [k for k in params if k not in own]
        if bad:
            raise InputError(f"method {method!r} has no parameter {bad[0]!r}: expected "
                             f"{', '.join(own) or 'none'}")
        return fn(depth, guide, **shared, **params)
    # a rule such as "auto" forwards **params to the method it picks: that method's
    # signature decides, so its TypeError for an unknown keyword becomes ours
    try:
        return fn(depth, guide, **shared, **params)
    except TypeError as e:
        if "unexpected keyword argument" not in str(e):
            raise
        name = str(e).split("'")[-2] if str(e).count("'") >= 2 else "?"
        raise InputError(f"method {method!r} has no parameter {name!r} (for the method it "
                         "runs here)") from None


def hint_not_supported(method: str, hint: str, why: str) -> InputError:
    """The error a method raises for a task hint it cannot honour (never ignored silently)."""
    return InputError(f"method {method!r} cannot honour {hint}=True ({why})")
