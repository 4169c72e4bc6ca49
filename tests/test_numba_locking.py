"""Parallel numba kernels are only launched from Python, where ``parallel_njit`` holds the
process-wide lock: a plain ``nb.njit`` function that calls one from nopython code bypasses
the lock, and two Python threads then abort numba's workqueue threading layer (this
happened with ``ops._guided._coeffs``)."""

import ast
from pathlib import Path

import depthsmith

SRC = Path(depthsmith.__file__).parent


def _decorator_names(fn):
    names = []
    for d in fn.decorator_list:
        node = d.func if isinstance(d, ast.Call) else d
        names.append(ast.unparse(node))
    return names


def _offenders(tree):
    funcs = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    parallel = {f.name for f in funcs if "parallel_njit" in _decorator_names(f)}
    bad = []
    for f in funcs:
        decos = _decorator_names(f)
        if not any(d in ("nb.njit", "njit", "numba.njit", "nb.jit", "numba.jit")
                   for d in decos):
            continue
        for call in ast.walk(f):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) \
                    and call.func.id in parallel:
                bad.append(f"{f.name} -> {call.func.id}")
    return bad


def test_the_check_finds_a_nopython_caller_of_a_parallel_kernel():
    code = ("@parallel_njit()\ndef k(a):\n    return a\n\n"
            "@nb.njit(cache=True)\ndef caller(a):\n    return k(a)\n")
    assert _offenders(ast.parse(code)) == ["caller -> k"]


def test_no_nopython_function_calls_a_parallel_kernel():
    bad = []
    for path in sorted(SRC.rglob("*.py")):
        for o in _offenders(ast.parse(path.read_text())):
            bad.append(f"{path.relative_to(SRC)}: {o}")
    assert not bad, bad
