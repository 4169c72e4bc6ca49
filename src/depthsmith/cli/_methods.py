"""Method choices and per-method options, derived from a task's registry and signatures.

A task package (``depthsmith.fill`` ...) has a ``METHODS`` registry whose functions take
``(depth, guide, *, <shared inputs>, **own parameters)``. :class:`TaskMethods` reads it once,
when the command is built (that is, when the command runs or shows its help, never for
``depthsmith --help``):

* ``--method`` choices are the registry's names, in registry order;
* each keyword parameter with a simple default becomes one option (``sigma_color`` ->
  ``--sigma-color``); int, float, str and tuple-of-numbers defaults (given as a comma list)
  take a value, bools are ``--flag/--no-flag`` pairs; a parameter whose type cannot be told
  from its annotation or default (``None`` without annotation) has no option;
* the task's shared inputs (parameters of the entry point such as ``valid``, ``occlusion``,
  ``size``) are left to the command's hand-written options.

Only options the user gave reach the library (the defaults stay the library's); an option
the chosen method does not take is a one-line usage error (exit 2) naming both.
"""

from __future__ import annotations

import functools
import inspect
import re
from dataclasses import dataclass, field

import click

from .._tasks import method_parameters

__all__ = ["TaskMethods", "method_options"]

_PREFIX = "method_param_"
_SIMPLE = {"int": int, "float": float, "bool": bool, "str": str}
_METAVAR = {"int": "INTEGER", "float": "FLOAT", "str": "TEXT", "bool": "BOOLEAN",
            "floats": "FLOAT[,FLOAT...]", "ints": "INTEGER[,INTEGER...]"}


def _kind(p: inspect.Parameter) -> str | None:
    """'int', 'float', 'bool', 'str', 'floats' or 'ints' (comma lists), or None (no option)."""
    ann = p.annotation
    if ann is not inspect.Parameter.empty:
        text = ann if isinstance(ann, str) else getattr(ann, "__name__", str(ann))
        parts = [t.strip() for t in text.split("|") if t.strip() != "None"]
        if len(parts) == 1 and parts[0] in _SIMPLE:
            return parts[0]
    d = p.default
    if isinstance(d, bool):
        return "bool"
    for name in ("int", "float", "str"):
        if type(d) is _SIMPLE[name]:
            return name
    if isinstance(d, tuple) and d and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                          for v in d):
        return "ints" if all(isinstance(v, int) for v in d) else "floats"
    return None


def _parse(kind: str, text: str):
    """The value of ``text`` as ``kind``; ValueError when it is not one."""
    if kind == "bool":
        return click.BOOL.convert(text, None, None)
    if kind in ("ints", "floats"):
        cast = int if kind == "ints" else float
        vals = tuple(cast(v) for v in text.split(","))
        return vals[0] if len(vals) == 1 else vals
    return _SIMPLE[kind](text)


def _doc_lines(fn) -> dict[str, str]:
    """First sentence of each parameter's description in a numpydoc "Parameters" section
    (``name : type`` then indented lines, or ``name : type    description`` on one line)."""
    out: dict[str, str] = {}
    lines = (inspect.getdoc(fn) or "").splitlines()
    try:
        start = lines.index("Parameters") + 2
    except ValueError:
        return out
    for i in range(start, len(lines)):
        line = lines[i]
        if line and not line.startswith(" ") and i + 1 < len(lines) \
                and set(lines[i + 1]) == {"-"}:
            break  # next section
        m = re.match(r"^([A-Za-z_][\w, ]*?)\s*:\s*(\S.*?)(?:\s{2,}(\S.*))?$", line)
        if not m:
            continue
        desc = [m.group(3)] if m.group(3) else []
        for nxt in lines[i + 1:]:
            if not nxt.startswith(" ") or not nxt.strip():
                break
            desc.append(nxt.strip())
        text = " ".join(desc)
        text = re.split(r"(?<=[.;])\s", text, maxsplit=1)[0].rstrip(".;") if text else ""
        if text.lower().startswith("see "):
            text = ""
        for name in m.group(1).split(","):
            out.setdefault(name.strip(), text)
    return out


def _fmt_default(v) -> str:
    if isinstance(v, tuple):
        return ",".join(str(x) for x in v)
    return str(v)


@dataclass
class _Param:
    name: str
    kinds: dict = field(default_factory=dict)      # method -> kind
    defaults: dict = field(default_factory=dict)   # method -> default
    doc: str = ""

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    def kind_for(self, method: str | None) -> str:
        if method in self.kinds:
            return self.kinds[method]
        kinds = set(self.kinds.values())
        for k in ("bool", "int", "float", "floats", "ints", "str"):
            if k in kinds:
                return k
        raise AssertionError(self.name)


class _Value(click.ParamType):
    """A value that parses as one of the option's kinds; converted per method later."""

    def __init__(self, kinds):
        self.kinds = sorted(set(kinds))
        self.name = "|".join(_METAVAR[k] for k in self.kinds)

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        for k in self.kinds:
            try:
                _parse(k, value)
                return value
            except ValueError:
                pass
        self.fail(f"{value!r} is not a valid {self.name.lower()}", param, ctx)


class TaskMethods:
    """One task's methods, their parameters and the options they become.

    ``methods`` is the registry, ``entry`` the task's entry point (its keyword parameters
    that methods also take are the shared inputs, which get no generated option).
    """

    def __init__(self, command: str, methods, entry):
        self.command = command
        self.methods = dict(methods)
        self.shared = set(inspect.signature(entry).parameters)
        self.any_params: set[str] = set()   # methods with **params (auto passes them on)
        self.needs_guide: set[str] = set()
        self.params: dict[str, _Param] = {}
        self.unsupported: dict[str, list[str]] = {}  # parameter -> methods (no option)
        for name, fn in self.methods.items():
            plist = list(inspect.signature(fn).parameters.values())
            if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in plist):
                self.any_params.add(name)
            if len(plist) > 1 and plist[1].default is inspect.Parameter.empty:
                self.needs_guide.add(name)
            docs = _doc_lines(fn)
            for p in method_parameters(fn).values():
                if p.name in self.shared:
                    continue
                kind = _kind(p)
                if kind is None:
                    self.unsupported.setdefault(p.name, []).append(name)
                    continue
                par = self.params.setdefault(p.name, _Param(p.name))
                par.kinds[name] = kind
                par.defaults[name] = p.default
                if not par.doc and docs.get(p.name):
                    par.doc = docs[p.name]

    # -- options ------------------------------------------------------------------------

    def method_option(self, help: str):
        return click.option("--method", type=click.Choice(list(self.methods)), default="auto",
                            show_default=True, help=help)

    def click_options(self) -> list[click.Option]:
        opts = []
        for par in self.params.values():
            takers = ", ".join(f"{m} {_fmt_default(par.defaults[m])}"
                               if par.defaults[m] is not None else m for m in par.kinds)
            doc = par.doc[:1].upper() + par.doc[1:] + ". " if par.doc else ""
            help_ = doc + f"Methods (default): {takers}."
            dest = _PREFIX + par.name
            if set(par.kinds.values()) == {"bool"}:
                flag = par.name.replace("_", "-")
                opts.append(click.Option([f"--{flag}/--no-{flag}", dest], default=None,
                                         help=help_))
            else:
                opts.append(click.Option([par.option, dest], type=_Value(par.kinds.values()),
                                         default=None, help=help_))
        return opts

    # -- checking what the user gave ----------------------------------------------------

    def takes(self, method: str) -> list[str]:
        return [p.option for p in self.params.values() if method in p.kinds]

    def resolve(self, method: str, given: dict, runs: str | None = None) -> dict:
        """The library keyword arguments for ``given`` (parameter -> text or bool).

        ``runs`` is the method ``method`` (an ``auto`` with ``**params``) runs here, when
        the command knows it: the options are checked against that one. Exits 2 with one
        line for an option the method does not take or a value of the wrong type.
        """
        target = runs or method
        out = {}
        bad = []
        for name, value in given.items():
            par = self.params[name]
            if target not in par.kinds and target not in self.any_params:
                bad.append(par.option)
                continue
            kind = par.kind_for(target)
            if isinstance(value, str):
                try:
                    value = _parse(kind, value)
                except ValueError:
                    _usage(f"{par.option}: --method {target} takes a "
                           f"{_METAVAR[kind].lower()}, got {value!r}")
            out[name] = value
        if bad:
            via = f" (which runs {runs} here)" if runs and runs != method else ""
            takes = ", ".join(self.takes(target)) or "no method options"
            _usage(f"{', '.join(bad)} {'does' if len(bad) == 1 else 'do'} not apply to "
                   f"--method {method}{via}: it takes {takes}")
        return out


def _usage(msg: str):
    click.echo(f"depthsmith: error: {msg}", err=True)
    raise click.exceptions.Exit(2)


def method_options(task: TaskMethods):
    """Add ``task``'s generated options to a click command (after its own options); the
    callback then gets ``params``: the ones the user gave, by parameter name."""

    def deco(cmd: click.Command) -> click.Command:
        taken = {o for p in cmd.params for o in (*p.opts, *getattr(p, "secondary_opts", ()))}
        for opt in task.click_options():
            clash = taken.intersection((*opt.opts, *opt.secondary_opts))
            if clash:  # a test builds every command, so this never reaches a user
                raise RuntimeError(f"{cmd.name}: method option {sorted(clash)[0]} clashes "
                                   "with a command option")
            cmd.params.append(opt)
        inner = cmd.callback

        @functools.wraps(inner)
        def callback(**kwargs):
            given = {k[len(_PREFIX):]: kwargs.pop(k) for k in list(kwargs)
                     if k.startswith(_PREFIX)}
            return inner(**kwargs, params={k: v for k, v in given.items() if v is not None})

        cmd.callback = callback
        return cmd

    return deco
