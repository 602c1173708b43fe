"""No wall-clock bound decides a test (issue 74).

A test that asserts a measured wall-clock duration is under a bound (the view opened in < 3 s, a
gap under 0.15 s) measures the machine as much as the code: on a busy machine (two cores, the
other pytest worker's model run, another session's build) it fails with the code unchanged. What
such a test meant is checked as something that holds at any speed instead: an order of events,
a bound on the work done (pages rendered, bytes read, requests made, the process's own CPU
seconds where CPU is the point), or a figure that `make bench` prints beside its goal
(bench/timings.py).

This file reads tests/**/*.py with `ast` and lists every assertion that compares a wall-clock
duration with a bound under MIN_BOUND_S. What counts as a wall-clock reading:

- time.monotonic()/perf_counter()/time()/their _ns forms, timeit.default_timer(), datetime's now();
- a value the page computed with performance.now() or Date.now() (page.evaluate(...) of a script
  that reads the clock, or that reads a window.* global another script filled with it);
- the result of a function of tests/ that returns one (a timing helper, a fixture), and a
  parameter that is passed one;
- a key printed as a duration by a Python script the test runs (`-c` source in the module);
- a name that says so: elapsed, took (also as a dict key or attribute).

Two readings subtracted are a duration; a reading plus a budget is a deadline. An assertion (or
`if ...: pytest.fail(...)` / `raise AssertionError`) that holds a duration under a bound, or a
reading under a deadline, is reported when the bound is under MIN_BOUND_S or not a constant that
can be worked out (a relative bound, another duration). Readings compared with readings are an
order of events and fine; so are lower bounds (at least 50 ms passed), `while time.monotonic() <
deadline` loops and time-outs given to calls (`wait_job(timeout=...)`): they stop a hung test.
"""
from __future__ import annotations

import ast
import bisect
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"

# A bound of a minute or more only stops a hung test: nothing a loaded machine slows that much
# in a test that should pass.
MIN_BOUND_S = 60.0

# node id (file, or file::function[::inner]) -> why its wall-clock bound may stay.
EXCEPTIONS: dict[str, str] = {
    # Its bound is each case's `seconds`, a worker invocation's time or more (120 s, 240 s:
    # tests/hardening/hostile.py), past which the stack ends the invocation: never under a
    # minute (test_hostile_cases_allow_a_minute_or_more pins it).
    "tests/hardening/test_hostile.py::test_each_hostile_file_ends_with_a_reason_or_cut_short":
        "a case's seconds: a worker invocation's 120 s or more, pinned below",
}

# ---------------------------------------------------------------- taint: what a value is
#
# A value's taint is a frozenset of atoms:
#   ("ts", scale)          a clock reading (scale: seconds per unit; None when unknown)
#   ("dur", scale)         a duration measured with the clock
#   ("deadline", budget)   a reading plus a budget in seconds (None when not a constant)
#   ("key", key, taint)    a dict whose key holds a tainted value
#   ("item", i, taint)     a tuple whose i-th item is tainted
NONE: frozenset = frozenset()
CLOCK_FUNCS = {"monotonic": 1.0, "perf_counter": 1.0, "time": 1.0, "monotonic_ns": 1e-9, "perf_counter_ns": 1e-9,
               "time_ns": 1e-9, "default_timer": 1.0}
CLOCK_MODULES = {"time", "timeit"}
DATETIME_NOW = {"now", "utcnow", "today"}
JS_CLOCK = re.compile(r"\b(performance|Date)\.now\(\)")
JS_CLOCK_DIFF = re.compile(r"\b(performance|Date)\.now\(\)\s*-")
JS_GLOBAL = re.compile(r"\bwindow\.(\w+)")
JS_CALLS = {"evaluate", "evaluate_handle", "eval_on_selector", "eval_on_selector_all", "wait_for_function"}
TIMING_NAME = re.compile(r"^_?(elapsed|took)(_s|_ms|_seconds)?$|_(elapsed|took)(_s|_ms)?$|^(elapsed|took)_")
AGGREGATES = {"min", "max", "sum", "abs", "round", "float", "int", "sorted", "list", "tuple", "median", "mean", "fmean",
              "quantiles", "approx", "reversed", "total_seconds", "fsum"}


def _basic(t):
    return {a for a in t if a[0] in ("ts", "dur", "deadline")}


def _scale_of(atom):
    return atom[1] if atom[0] in ("ts", "dur") else 1.0


def _scaled(atom, factor):
    if atom[0] not in ("ts", "dur"):
        return atom
    if factor is None or atom[1] is None:
        return (atom[0], None)
    return (atom[0], atom[1] * factor)


def _inner(t, kind, key):
    """The taint of t[key]: a dict's key, a tuple's item, or what a container of readings holds."""
    out = set(_basic(t))
    for a in t:
        if a[0] == kind and (key is None or a[1] == key):
            out |= a[2]
    if key is None:
        for a in t:
            if a[0] in ("key", "item"):
                out |= a[2]
    return frozenset(out)


@dataclass
class Finding:
    path: str
    line: int
    node: str
    text: str
    why: str

    def __str__(self):
        return f"{self.path}:{self.line} ({self.node}): {self.text}  [{self.why}]"


class Module:
    """One parsed file: its constants, imports and functions."""

    def __init__(self, path: str, tree: ast.Module, source: str):
        self.path, self.tree, self.source = path, tree, source
        self.constants: dict[str, ast.expr] = {}
        self.imports: dict[str, tuple[str, str | None]] = {}  # local name -> (module, name or None)
        self.clock_names: dict[str, float] = {}  # from time import monotonic -> {"monotonic": 1.0}
        self.functions: dict[str, list[ast.FunctionDef]] = {}
        self.fixtures: set[str] = set()
        self.js_clock_globals: set[str] = set()
        self.printed_duration_keys: set[str] = set()
        self.lines = source.splitlines()
        self.hint_lines = [i + 1 for i, line in enumerate(self.lines) if HINT.search(line)]
        self._name_lines: dict[str, list[int]] = {}
        self._read_constants(tree)
        for node in ast.walk(tree):
            if isinstance(node, (ast.ImportFrom, ast.Import)):
                self._read_import(node)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions.setdefault(node.name, []).append(node)
                if any(_is_fixture(d) for d in node.decorator_list):
                    self.fixtures.add(node.name)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                self._read_string(node.value)

    def _read_constants(self, tree) -> None:
        """Module-level names assigned once."""
        assigned: dict[str, int] = {}
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, ast.AnnAssign) and node.value is not None else [])
            for target in targets:
                if isinstance(target, ast.Name):
                    assigned[target.id] = assigned.get(target.id, 0) + 1
                    self.constants[target.id] = node.value
        for name, n in assigned.items():
            if n > 1:
                self.constants.pop(name, None)

    def _read_import(self, node) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                self.imports[alias.asname or top] = (alias.name if alias.asname else top, None)
            return
        for alias in node.names if node.module else ():
            self.imports[alias.asname or alias.name] = (node.module, alias.name)
            if node.module in CLOCK_MODULES and alias.name in CLOCK_FUNCS:
                self.clock_names[alias.asname or alias.name] = CLOCK_FUNCS[alias.name]

    def _read_string(self, text: str) -> None:
        if JS_CLOCK.search(text):
            self.js_clock_globals |= set(JS_GLOBAL.findall(text))
        if "\n" in text and ("perf_counter" in text or "monotonic" in text or "time.time" in text):
            self._embedded(text)

    def mentions(self, first: int, last: int, names) -> bool:
        """Whether lines first..last hold a hint of the clock or one of `names`."""
        for lines in [self.hint_lines, *(self.name_lines(n) for n in names)]:
            i = bisect.bisect_left(lines, first)
            if i < len(lines) and lines[i] <= last:
                return True
        return False

    def name_lines(self, name: str) -> list[int]:
        if name not in self._name_lines:
            word = re.compile(rf"\b{re.escape(name)}\b")
            self._name_lines[name] = [i + 1 for i, line in enumerate(self.lines) if name in line and word.search(line)]
        return self._name_lines[name]

    def _embedded(self, text: str) -> None:
        """A Python script the test runs (`python -c ...`): the keys it prints as durations."""
        try:
            tree = ast.parse(textwrap.dedent(text))
        except SyntaxError:
            return
        inner = Module(self.path, tree, text)
        env = Scope(inner, None, {}).run(tree.body)
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                for k, v in zip(node.keys, node.values):
                    if isinstance(k, ast.Constant) and any(a[0] == "dur" for a in env.value(v)):
                        self.printed_duration_keys.add(k.value)


def _is_fixture(dec: ast.expr) -> bool:
    target = dec.func if isinstance(dec, ast.Call) else dec
    return (isinstance(target, ast.Attribute) and target.attr == "fixture") or (
        isinstance(target, ast.Name) and target.id == "fixture")


class Program:
    """Every module of tests/ (and what they import from the repository, for constants), with
    what each function returns and what each parameter is passed, to a fixpoint."""

    def __init__(self, root: Path = ROOT):
        self.root = root
        self.modules: dict[str, Module] = {}
        self.returns: dict[int, frozenset] = {}  # id(FunctionDef) -> taint of what it returns or yields
        self.params: dict[int, dict[str, frozenset]] = {}  # id(FunctionDef) -> parameter -> taint passed
        self.changed = False
        self.checking = False
        self.tainted_names: set[str] = set()

    def add(self, path: str, source: str) -> Module:
        mod = Module(path, ast.parse(source), source)
        self.modules[path] = mod
        return mod

    def module_for(self, dotted: str) -> Module | None:
        for candidate in (dotted.replace(".", "/") + ".py", dotted.replace(".", "/") + "/__init__.py"):
            if candidate in self.modules:
                return self.modules[candidate]
            file = self.root / candidate
            if file.is_file() and candidate.startswith(("tests/", "chalicelib/", "bench/", "infra/", "client/")):
                try:
                    return self.add(candidate, file.read_text())
                except (SyntaxError, UnicodeDecodeError):
                    return None
        return None

    def solve(self, rounds: int = 6) -> None:
        for _ in range(rounds):
            self.changed = False
            for mod in [m for m in self.modules.values() if m.path.startswith("tests/")]:
                Scope(mod, None, {}, program=self).run(mod.tree.body)
            self.tainted_names = {fn.name for mod in self.modules.values() for defs in mod.functions.values()
                                  for fn in defs if self.returns.get(id(fn))}
            if not self.changed:
                return

    def set_return(self, fn, taint):
        old = self.returns.get(id(fn), NONE)
        if not taint <= old:
            self.returns[id(fn)] = old | taint
            self.changed = True

    def pass_param(self, fn, name, taint):
        params = self.params.setdefault(id(fn), {})
        old = params.get(name, NONE)
        if taint and not taint <= old:
            params[name] = old | taint
            self.changed = True

    def resolve_function(self, mod: Module, func: ast.expr):
        """The definitions a call may run: a function of this module, or one imported from tests/."""
        other, name = None, None
        if isinstance(func, ast.Name) and func.id in mod.functions:
            return mod, mod.functions[func.id]
        if isinstance(func, ast.Name) and func.id in mod.imports and mod.imports[func.id][1]:
            source, name = mod.imports[func.id]
            other = self.module_for(source) if source.startswith("tests") else None
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in mod.imports:
            source, imported = mod.imports[func.value.id]
            name = func.attr
            other = self.module_for(f"{source}.{imported}" if imported else source) if source.startswith(
                "tests") else None
        if other is not None and name in other.functions and other.path.startswith("tests/"):
            return other, other.functions[name]
        return None, []

    def fixture(self, mod: Module, name: str):
        """A fixture of that name: the module's own, or a conftest's above it."""
        if name in mod.fixtures:
            return mod.functions[name]
        parts = Path(mod.path).parent.parts
        for i in range(len(parts), 0, -1):
            conftest = self.module_for(".".join(parts[:i]) + ".conftest")
            if conftest is not None and name in conftest.fixtures:
                return conftest.functions[name]
        return []


TIMEDELTA_UNITS = {"seconds": 1, "milliseconds": 1e-3, "minutes": 60, "hours": 3600, "days": 86400}
ARITHMETIC = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
              ast.Div: lambda a, b: a / b, ast.FloorDiv: lambda a, b: a // b, ast.Pow: lambda a, b: a ** b}
# what these give is what their arguments hold (a container's items for the first group)
OVER_ITEMS = {"min", "max", "sum", "sorted", "median", "mean", "fmean", "list", "tuple", "reversed", "fsum"}


class Scope:
    """The taint of every name in one function (or module), flow-insensitive: the union of what
    each assignment gives it, to a fixpoint; then its assertions are checked."""

    def __init__(self, mod: Module, fn, outer: dict, program: Program | None = None, node: str = ""):
        self.mod, self.fn, self.program = mod, fn, program
        self.env: dict[str, frozenset] = dict(outer)
        self.node = node
        self.local_constants: dict[str, ast.expr] = {}
        self.findings: list[Finding] = []
        self.grew = False
        self.checking = program is None or program.checking

    # ------------------------------------------------------------ constants

    def constant(self, expr, depth=0):
        """The value of a numeric expression that can be worked out, in seconds, else None."""
        if depth > 8:
            return None
        if isinstance(expr, ast.Constant):
            ok = isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool)
            return float(expr.value) if ok else None
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
            v = self.constant(expr.operand, depth + 1)
            return None if v is None else -v
        if isinstance(expr, ast.BinOp):
            return self._constant_binop(expr, depth)
        if isinstance(expr, ast.Name):
            return self._constant_name(expr.id, depth)
        if isinstance(expr, ast.Attribute):
            return self._constant_attribute(expr, depth)
        return self._constant_call(expr, depth) if isinstance(expr, ast.Call) else None

    def _constant_binop(self, expr, depth):
        a, b = self.constant(expr.left, depth + 1), self.constant(expr.right, depth + 1)
        if a is None or b is None or type(expr.op) not in ARITHMETIC:
            return None
        try:
            return ARITHMETIC[type(expr.op)](a, b)
        except (OverflowError, ZeroDivisionError):
            return None

    def _constant_name(self, name, depth):
        if name in self.local_constants:
            return self.constant(self.local_constants[name], depth + 1)
        default = _param_default(self.fn, name) if self.fn is not None else None
        if default is not None:
            return self.constant(default, depth + 1)
        return self._module_constant(self.mod, name, depth)

    def _constant_attribute(self, expr, depth):
        if not (isinstance(expr.value, ast.Name) and self.program is not None and expr.value.id in self.mod.imports):
            return None
        source, name = self.mod.imports[expr.value.id]
        other = self.program.module_for(f"{source}.{name}" if name else source)
        if other is None or expr.attr not in other.constants:
            return None
        return Scope(other, None, {}, self.program).constant(other.constants[expr.attr], depth + 1)

    def _constant_call(self, expr, depth):
        name = _call_name(expr.func)
        values = [self.constant(a, depth + 1) for a in expr.args]
        if name == "timedelta":
            total = 0.0
            for kw in expr.keywords:
                v = self.constant(kw.value, depth + 1)
                if v is None or kw.arg not in TIMEDELTA_UNITS:
                    return None
                total += v * TIMEDELTA_UNITS[kw.arg]
            return total
        if name in ("float", "int", "max", "min") and values and None not in values and not expr.keywords:
            return {"max": max, "min": min}.get(name, lambda *v: v[0])(*values)
        return None

    def _module_constant(self, mod, name, depth):
        if name in mod.constants:
            return Scope(mod, None, {}, self.program).constant(mod.constants[name], depth + 1)
        if name in mod.imports and self.program is not None:
            source, original = mod.imports[name]
            other = self.program.module_for(source) if original else None
            if other is not None and other is not mod:
                return self._module_constant(other, original, depth + 1)
        return None

    # ------------------------------------------------------------ values

    def value(self, e) -> frozenset:
        handler = self.VALUES.get(type(e))
        return handler(self, e) if handler is not None else NONE

    def _name(self, e):
        t = self.env.get(e.id, NONE)
        return t or _named(e.id)

    def _subscript(self, e):
        base = self.value(e.value)
        key = e.slice.value if isinstance(e.slice, ast.Constant) else None
        if isinstance(key, str):
            out = _inner(base, "key", key) if any(a[0] == "key" for a in base) else frozenset(_basic(base))
            return out or self._named_key(key)
        if isinstance(key, int) and any(a[0] == "item" for a in base):
            return _inner(base, "item", key)
        return _inner(base, None, None)

    def _named_key(self, key: str) -> frozenset:
        """A dict key that says it holds a duration, or one a script of this module prints as one."""
        return _named(key) or (frozenset({("dur", 1.0)}) if key in self.mod.printed_duration_keys else NONE)

    def _attribute(self, e):
        self.value(e.value)
        return _named(e.attr)

    def _walrus(self, e):
        t = self.value(e.value)
        self.bind(e.target, t)
        return t

    def _tuple(self, e):
        return frozenset({("item", i, t) for i, t in enumerate(self.value(x) for x in e.elts) if t})

    def _list(self, e):
        return frozenset().union(*(self.value(x) for x in e.elts))

    def _dict(self, e):
        out = set()
        for k, x in zip(e.keys, e.values):
            t = self.value(x)
            if t:
                out.add(("key", k.value if isinstance(k, ast.Constant) else None, t))
        return frozenset(out)

    def _comprehension(self, e):
        self.comprehension(e.generators)
        return self.value(e.elt)

    def _dict_comprehension(self, e):
        self.comprehension(e.generators)
        t = self.value(e.value)
        return frozenset({("key", None, t)}) if t else NONE

    VALUES = {
        ast.Name: _name, ast.Subscript: _subscript, ast.Attribute: _attribute, ast.NamedExpr: _walrus,
        ast.Tuple: _tuple, ast.List: _list, ast.Set: _list, ast.Dict: _dict,
        ast.ListComp: _comprehension, ast.SetComp: _comprehension, ast.GeneratorExp: _comprehension,
        ast.DictComp: _dict_comprehension,
        ast.Call: lambda self, e: self.call(e), ast.BinOp: lambda self, e: self.binop(e.op, e.left, e.right),
        ast.UnaryOp: lambda self, e: frozenset(_basic(self.value(e.operand))) if isinstance(
            e.op, (ast.USub, ast.UAdd)) else NONE,
        ast.IfExp: lambda self, e: self.value(e.body) | self.value(e.orelse),
        ast.BoolOp: lambda self, e: frozenset().union(*(self.value(x) for x in e.values)),
        ast.Starred: lambda self, e: self.value(e.value), ast.Await: lambda self, e: self.value(e.value),
    }

    def comprehension(self, generators):
        for g in generators:
            self.bind(g.target, self.element(g.iter))

    def element(self, it) -> frozenset:
        """What iterating over `it` gives."""
        name = _call_name(it.func) if isinstance(it, ast.Call) else None
        if name == "zip":
            items = [_inner(self.value(a), None, None) for a in it.args]
            return frozenset({("item", i, t) for i, t in enumerate(items) if t})
        if name == "enumerate" and it.args:
            inner = _inner(self.value(it.args[0]), None, None)
            return frozenset({("item", 1, inner)}) if inner else NONE
        if name == "items" and isinstance(it.func, ast.Attribute):
            base = self.value(it.func.value)
            inner = frozenset().union(*(a[2] for a in base if a[0] == "key"))
            return frozenset({("item", 1, inner)}) if inner else NONE
        return _inner(self.value(it), None, None)

    def binop(self, op, left, right) -> frozenset:
        ka, kb = _basic(self.value(left)), _basic(self.value(right))
        if not ka and not kb:
            return NONE
        if isinstance(op, ast.Sub):
            return _subtract(ka, kb)
        if isinstance(op, ast.Add):
            ca = self.constant(left) if not ka else None
            cb = self.constant(right) if not kb else None
            return frozenset({_added(x, kb, cb) for x in ka} | {_added(y, ka, ca) for y in kb})
        if isinstance(op, (ast.Mult, ast.Div, ast.FloorDiv)):
            if ka and kb:
                return frozenset({("dur", None)})
            c = self.constant(right) if ka else self.constant(left)
            if isinstance(op, ast.Mult):
                factor = 1.0 / c if c else None
            else:
                factor = c if ka else None  # (a number over a duration is no duration of known unit)
            return frozenset(_scaled(x, factor) for x in ka or kb)
        return frozenset(ka | kb)

    def call(self, e: ast.Call) -> frozenset:
        clock = self._clock(e.func) or self._page_clock(e)
        if clock:
            return clock
        name = _call_name(e.func)
        method = e.func.attr if isinstance(e.func, ast.Attribute) else None
        if method in ("get", "pop", "copy", "total_seconds"):
            return self._method(e, method)
        args = [self.value(a) for a in e.args]
        if name in AGGREGATES:
            return frozenset().union(*(_inner(t, None, None) if name in OVER_ITEMS else _basic(t) for t in args))
        return self._of_tests(e, args)

    def _clock(self, f) -> frozenset:
        """A reading of the clock: time.monotonic(), perf_counter() imported, datetime.now()."""
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in CLOCK_MODULES \
                and f.attr in CLOCK_FUNCS:
            return frozenset({("ts", CLOCK_FUNCS[f.attr])})
        if isinstance(f, ast.Name) and f.id in self.mod.clock_names:
            return frozenset({("ts", self.mod.clock_names[f.id])})
        if isinstance(f, ast.Attribute) and f.attr in DATETIME_NOW and _call_name(f.value) in ("datetime", "date"):
            return frozenset({("ts", 1.0)})
        return NONE

    def _page_clock(self, e) -> frozenset:
        """What a script run in the page gives, when it reads the clock (or what one that did left)."""
        f = e.func
        if not (isinstance(f, ast.Attribute) and f.attr in JS_CALLS and e.args):
            return NONE
        at = 1 if f.attr in ("eval_on_selector", "eval_on_selector_all") else 0
        script = self.string(e.args[at]) if len(e.args) > at else None
        if script is None:
            return NONE
        if JS_CLOCK_DIFF.search(script):
            return frozenset({("dur", 1e-3)})
        if JS_CLOCK.search(script) or set(JS_GLOBAL.findall(script)) & self.mod.js_clock_globals:
            return frozenset({("ts", 1e-3)})
        return NONE

    def _method(self, e, method) -> frozenset:
        base = self.value(e.func.value)
        if method == "total_seconds":
            return frozenset(_basic(base))
        key = e.args[0].value if e.args and isinstance(e.args[0], ast.Constant) else None
        out = _inner(base, "key", key) if key is not None else _inner(base, None, None)
        return out or (self._named_key(key) if isinstance(key, str) else NONE)

    def _of_tests(self, e, args) -> frozenset:
        """A function of tests/: what it returns; what it is passed goes to its parameters."""
        if self.program is None:
            return NONE
        _, defs = self.program.resolve_function(self.mod, e.func)
        out = set()
        for fn in defs:
            out |= self.program.returns.get(id(fn), NONE)
            for name, t in zip(_positional(fn), args):
                self.program.pass_param(fn, name, t)
            for kw in e.keywords:
                if kw.arg:
                    self.program.pass_param(fn, kw.arg, self.value(kw.value))
        return frozenset(out)

    def string(self, e) -> str | None:
        if isinstance(e, ast.Constant) and isinstance(e.value, str):
            return e.value
        if isinstance(e, ast.JoinedStr):
            return "".join(x.value if isinstance(x, ast.Constant) else "{}" for x in e.values)
        if isinstance(e, ast.Name):
            src = self.local_constants.get(e.id) or self.mod.constants.get(e.id)
            return self.string(src) if src is not None and src is not e else None
        if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Add):
            a, b = self.string(e.left), self.string(e.right)
            return None if a is None and b is None else (a or "") + (b or "")
        return None

    # ------------------------------------------------------------ statements

    def bind(self, target, t: frozenset) -> None:
        if isinstance(target, ast.Name):
            old = self.env.get(target.id, NONE)
            if not t <= old:
                self.env[target.id] = old | t
                self.grew = True
        elif isinstance(target, (ast.Tuple, ast.List)):
            items = any(a[0] == "item" for a in t)
            for i, elt in enumerate(target.elts):
                if isinstance(elt, ast.Starred):
                    self.bind(elt.value, _inner(t, None, None))
                else:
                    self.bind(elt, _inner(t, "item", i) if items else frozenset(_basic(t)))
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and t:
            key = target.slice.value if isinstance(target.slice, ast.Constant) else None
            self.bind(target.value, frozenset({("key", key, t)}))

    def run(self, body) -> Scope:
        self._start(body)
        if self.fn is not None and not any(self.env.values()) and not self.mod.mentions(
                self.fn.lineno, self.fn.end_lineno, [*self.mod.js_clock_globals, *self.mod.printed_duration_keys,
                                                     *(self.program.tainted_names if self.program else ())]):
            return self  # no reading of the clock can reach it
        for _ in range(8):
            self.grew = False
            for stmt in _walk_statements(body):
                self.statement(stmt)
            if not self.grew:
                break
        self._pass_on(body)
        self._nested(body)
        if self.checking:
            self.check(body)
        return self

    def _start(self, body) -> None:
        """Local constants; what the parameters are passed, or the fixtures they name give."""
        for stmt in _walk_statements(body):
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                self.local_constants.setdefault(stmt.targets[0].id, stmt.value)
        if self.fn is None or self.program is None:
            return
        for name, t in self.program.params.get(id(self.fn), {}).items():
            self.bind(ast.Name(id=name), t)
        for name in _positional(self.fn):
            for fixture in self.program.fixture(self.mod, name):
                if fixture is not self.fn:
                    self.bind(ast.Name(id=name), self.program.returns.get(id(fixture), NONE))

    def _pass_on(self, body) -> None:
        """What every call of this scope passes to the functions of tests/ it calls."""
        if self.program is None:
            return
        for stmt in _walk_statements(body):
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            for node in ast.iter_child_nodes(stmt):
                if isinstance(node, ast.expr):
                    for sub in ast.walk(node):
                        if isinstance(sub, ast.Call):
                            self.call(sub)

    def _nested(self, body) -> None:
        """Nested functions see this scope's names; a class's methods are scopes of their own."""
        for stmt in _walk_statements(body):
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = Scope(self.mod, stmt, self.env if self.fn is not None else {}, self.program,
                              f"{self.node}::{stmt.name}" if self.node else stmt.name)
                self.findings += inner.run(stmt.body).findings
            elif isinstance(stmt, ast.ClassDef):
                for sub in stmt.body:
                    if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        inner = Scope(self.mod, sub, {}, self.program, f"{stmt.name}::{sub.name}")
                        self.findings += inner.run(sub.body).findings

    def statement(self, s) -> None:
        handler = self.STATEMENTS.get(type(s))
        if handler is not None:
            handler(self, s)

    def _assign(self, s):
        t = self.value(s.value)
        for target in s.targets:
            if isinstance(target, (ast.Tuple, ast.List)) and isinstance(s.value, (ast.Tuple, ast.List)) \
                    and len(target.elts) == len(s.value.elts):
                for a, b in zip(target.elts, s.value.elts):
                    self.bind(a, self.value(b))
            else:
                self.bind(target, t)

    def _augassign(self, s):
        self.bind(s.target, self.binop(s.op, s.target, s.value) if isinstance(s.target, ast.Name)
                  else self.value(s.value))

    def _with(self, s):
        for item in s.items:
            if item.optional_vars is not None:
                self.bind(item.optional_vars, self.value(item.context_expr))

    def _expression(self, s):
        e = s.value
        if isinstance(e, (ast.Yield, ast.YieldFrom)):
            return self._return(e)
        f = e.func if isinstance(e, ast.Call) else None
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and e.args and f.attr in (
                "append", "extend", "add", "insert", "appendleft", "update", "setdefault"):
            t = self.value(e.args[-1])
            self.bind(f.value, _inner(t, None, None) if f.attr == "extend" else t)
        else:
            self.value(e)
        return None

    def _return(self, s):
        if s.value is not None and self.fn is not None and self.program is not None:
            self.program.set_return(self.fn, self.value(s.value))

    STATEMENTS = {
        ast.Assign: _assign, ast.AugAssign: _augassign, ast.With: _with, ast.AsyncWith: _with,
        ast.Expr: _expression, ast.Return: _return,
        ast.AnnAssign: lambda self, s: s.value is not None and self.bind(s.target, self.value(s.value)),
        ast.For: lambda self, s: self.bind(s.target, self.element(s.iter)),
        ast.AsyncFor: lambda self, s: self.bind(s.target, self.element(s.iter)),
    }

    # ------------------------------------------------------------ assertions

    def check(self, body) -> None:
        for s in _walk_statements(body):
            if isinstance(s, ast.Assert):
                self.condition(s.test, s, holds=True)
            elif isinstance(s, ast.If) and _fails(s.body):
                self.condition(s.test, s, holds=False)
            elif isinstance(s, ast.If) and _fails(s.orelse):
                self.condition(s.test, s, holds=True)

    def condition(self, test, stmt, holds: bool) -> None:
        """`holds`: the test passes when `test` is true (an assert), else when it is false."""
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return self.condition(test.operand, stmt, not holds)
        if isinstance(test, ast.BoolOp):
            for x in test.values:
                self.condition(x, stmt, holds)
            return None
        if isinstance(test, ast.Call) and _call_name(test.func) in ("all", "any") and test.args \
                and isinstance(test.args[0], (ast.GeneratorExp, ast.ListComp)):
            self.comprehension(test.args[0].generators)
            return self.condition(test.args[0].elt, stmt, holds)
        if not isinstance(test, ast.Compare):
            return None
        operands = [test.left, *test.comparators]
        for op, left, right in zip(test.ops, operands, operands[1:]):
            why = self.bound(op, left, right, holds)
            if why:
                line = self.mod.lines[stmt.lineno - 1].strip() if stmt.lineno <= len(self.mod.lines) else ""
                self.findings.append(Finding(self.mod.path, stmt.lineno, self.node or "<module>", line, why))
                return None
        return None

    def bound(self, op, left, right, holds) -> str | None:
        """Why `left op right`, asserted (holds) or failed on (not holds), bounds wall-clock time."""
        if isinstance(op, (ast.Eq, ast.NotEq)):
            return self._equal(left, right) or self._equal(right, left)
        if not isinstance(op, (ast.Gt, ast.GtE, ast.Lt, ast.LtE)):
            return None
        small, big = (right, left) if isinstance(op, (ast.Gt, ast.GtE)) else (left, right)
        if not holds:  # failing when small < big: the test holds big under small
            small, big = big, small
        ts, tb = _basic(self.value(small)), _basic(self.value(big))
        kinds_s, kinds_b = {x[0] for x in ts}, {x[0] for x in tb}
        if "dur" in kinds_s:
            return self._under(ts, big, kinds_b)
        if "ts" in kinds_s and "deadline" in kinds_b:
            budgets = {x[1] for x in tb if x[0] == "deadline"}
            if None in budgets:
                return "the clock held under a deadline whose budget is not a constant"
            if min(budgets) < MIN_BOUND_S:
                return f"the clock held under a deadline {min(budgets):g} s away"
        return None

    def _under(self, ts, big, kinds_b) -> str | None:
        if kinds_b & {"dur", "ts", "deadline"}:
            return "a wall-clock duration held under another"
        c = self.constant(big)
        if c is None:
            return "a wall-clock duration held under a bound that is not a constant"
        scales = {x[1] for x in ts if x[0] == "dur"}
        if None in scales:
            return "a wall-clock duration (of unknown unit) held under a bound"
        least = min(c * s for s in scales)
        return f"a wall-clock duration held under {least:g} s" if least < MIN_BOUND_S else None

    def _equal(self, a, b) -> str | None:
        if any(x[0] == "dur" for x in _basic(self.value(a))):
            c = self.constant(b)
            if c is None or c < MIN_BOUND_S:
                return "a wall-clock duration held equal to a value"
        return None


def _named(name: str) -> frozenset:
    """A name that says it holds a measured duration (elapsed, took_ms)."""
    if TIMING_NAME.search(name):
        return frozenset({("dur", 1e-3 if name.endswith("_ms") else 1.0)})
    return NONE


def _subtract(ka, kb) -> frozenset:
    """a - b: two readings make a duration; a reading less a number stays one."""
    if not kb:
        return frozenset(ka)
    if not ka:
        return frozenset(("dur", _scale_of(y)) if y[0] == "dur" else y for y in kb)
    out = set()
    for x in ka:
        for y in kb:
            if x[0] == "ts" and y[0] == "ts":
                out.add(("dur", x[1]))
            elif "deadline" in (x[0], y[0]) and "dur" not in (x[0], y[0]):
                out.add(("dur", 1.0))  # time left before a deadline
            else:
                out.add(("dur", _scale_of(x) if x[0] != "deadline" else _scale_of(y)))
    return frozenset(out)


def _added(x, other, c):
    """x + a value of taint `other` (its constant c, if it has one)."""
    if x[0] == "ts" and not other:
        return ("deadline", None if c is None or x[1] is None else c * x[1])
    return x if x[0] != "ts" else ("dur", x[1])


def _fails(body) -> bool:
    for s in body:
        if isinstance(s, ast.Raise) and s.exc is not None and _call_name(
                s.exc.func if isinstance(s.exc, ast.Call) else s.exc) == "AssertionError":
            return True
        if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and _call_name(s.value.func) == "fail":
            return True
    return False


def _call_name(f) -> str | None:
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    if isinstance(f, ast.Call):
        return _call_name(f.func)
    return None


def _positional(fn) -> list[str]:
    a = fn.args
    return [x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs]]


def _param_default(fn, name):
    a = fn.args
    positional = [*a.posonlyargs, *a.args]
    for arg, default in zip(positional[len(positional) - len(a.defaults):], a.defaults):
        if arg.arg == name:
            return default
    for arg, default in zip(a.kwonlyargs, a.kw_defaults):
        if arg.arg == name and default is not None:
            return default
    return None


def _walk_statements(body):
    """Every statement of a body and its blocks, not of nested functions or classes."""
    for s in body:
        yield s
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        for field in ("body", "orelse", "finalbody"):
            yield from _walk_statements(getattr(s, field, []) or [])
        for handler in getattr(s, "handlers", []) or []:
            yield from _walk_statements(handler.body)
        for case in getattr(s, "cases", []) or []:
            yield from _walk_statements(case.body)


# ---------------------------------------------------------------- the check


# A file none of these are in holds no reading of the clock (found once, the others are skipped
# unless they name a function found to return one): parsing all of tests/ takes seconds.
HINT = re.compile(r"monotonic|perf_counter|time\(|time_ns|default_timer|\.now\(|performance\.now|Date\.now"
                  r"|elapsed|took")


def scan(files: dict[str, str], root: Path = ROOT) -> list[Finding]:
    """Every wall-clock bound in `files` (path -> source)."""
    program = Program(root)
    todo = {path for path, source in files.items() if HINT.search(source)}
    while todo:
        for path in todo:
            if path not in program.modules:
                program.add(path, files[path])
        program.solve()
        tainted = {fn.name for mod in program.modules.values() for defs in mod.functions.values() for fn in defs
                   if program.returns.get(id(fn))}
        names = re.compile(r"\b(" + "|".join(map(re.escape, sorted(tainted))) + r")\b") if tainted else None
        todo = {path for path, source in files.items()
                if path not in program.modules and names is not None and names.search(source)}
    findings = []
    program.checking = True
    for path in files:
        mod = program.modules.get(path)
        if mod is not None:
            findings += Scope(mod, None, {}, program).run(mod.tree.body).findings
    return sorted(findings, key=lambda f: (f.path, f.line))


def _test_files() -> dict[str, str]:
    return {p.relative_to(ROOT).as_posix(): p.read_text() for p in sorted(TESTS.rglob("*.py"))
            if "__pycache__" not in p.parts}


def excepted(finding: Finding) -> bool:
    node = f"{finding.path}::{finding.node}"
    return any(node == key or node.startswith(key + "::") or finding.path == key for key in EXCEPTIONS)


def test_no_wall_clock_bound_decides_a_test():
    found = [f for f in scan(_test_files()) if not excepted(f)]
    assert not found, ("wall-clock bounds under 60 s (check an order of events, the work done or the process's "
                       "CPU seconds instead, or make it a figure of bench/timings.py; see docs/tests.md):\n"
                       + "\n".join(map(str, found)))


def test_every_exception_names_a_file_or_function_that_is_there():
    files = _test_files()
    for key, why in EXCEPTIONS.items():
        assert why, key
        path, _, node = key.partition("::")
        if path in files:
            assert not node or re.search(rf"\bdef {re.escape(node.split('::')[-1])}\b", files[path]), key
        else:
            assert path == "tests/site/test_book_while_read.py", f"{key}: no such file"  # new, being written


def test_hostile_cases_allow_a_minute_or_more():
    from tests.hardening import hostile

    assert min(case.seconds for case in hostile.hostiles()) >= MIN_BOUND_S


# ---------------------------------------------------------------- the detector itself

def found_in(source: str) -> list[int]:
    return [f.line for f in scan({"tests/snippet.py": textwrap.dedent(source)})]


POSITIVE = {
    "a difference held under a constant": """
        import time
        def test_x():
            t0 = time.monotonic()
            work()
            assert time.monotonic() - t0 < 3
    """,
    "a named duration and a module constant": """
        from time import perf_counter
        GOAL_S = 2.5
        def test_x():
            start = perf_counter()
            work()
            took = perf_counter() - start
            assert took <= GOAL_S, took
    """,
    "a chain, the upper end": """
        import time
        def test_x():
            t0 = time.monotonic()
            assert 0.05 <= time.monotonic() - t0 < 5.0
    """,
    "a timing helper's result, unpacked": """
        import time
        def timed(f):
            t0 = time.perf_counter()
            out = f()
            return out, time.perf_counter() - t0
        def test_x():
            doc, seconds = timed(read)
            assert doc and seconds < 8
    """,
    "the page's clock, in milliseconds": """
        def test_x(page):
            page.evaluate("() => { window.__marks = {}; window.__marks.a = performance.now(); }")
            marks = page.evaluate("window.__marks")
            seconds = (marks["audio"] - marks["text"]) / 1000
            assert seconds <= 3
    """,
    "a deadline asserted": """
        import time
        def test_x():
            deadline = time.monotonic() + 5
            while not done():
                assert time.monotonic() < deadline, "too slow"
    """,
    "a fail under an if": """
        import time, pytest
        def test_x():
            t0 = time.monotonic()
            work()
            if time.monotonic() - t0 > 2:
                pytest.fail("slow")
    """,
    "a duration passed to a helper that asserts": """
        import time
        def check(took):
            assert took < 1.0
        def test_x():
            t0 = time.monotonic()
            check(time.monotonic() - t0)
    """,
    "a list of durations": """
        import time
        def test_x():
            gaps = []
            for _ in range(3):
                t0 = time.monotonic()
                gaps.append(time.monotonic() - t0)
            assert max(gaps) < 0.2
    """,
    "relative to another duration": """
        import time
        def test_x():
            t0 = time.monotonic(); quiet = time.monotonic() - t0
            t1 = time.monotonic(); busy = time.monotonic() - t1
            assert busy < 2 * quiet
    """,
    "a fixture's measured dict": """
        import time, pytest
        @pytest.fixture
        def opened():
            t0 = time.monotonic()
            yield {"view": 1, "seconds": time.monotonic() - t0}
        def test_x(opened):
            assert opened["seconds"] < 3
    """,
    "datetime's now, in seconds": """
        from datetime import datetime
        def test_x():
            before = datetime.now()
            work()
            assert (datetime.now() - before).total_seconds() < 2
    """,
    "a difference the page computes": """
        def test_x(page):
            ms = page.evaluate("() => { const t = performance.now(); render(); return performance.now() - t; }")
            assert ms < 500
    """,
    "a script run in a process of its own prints its time": '''
        import json, subprocess, sys
        CODE = """
        import time
        t0 = time.perf_counter()
        seconds = time.perf_counter() - t0
        print(json.dumps({"seconds": seconds}))
        """
        def test_x():
            found = json.loads(subprocess.run([sys.executable, "-c", CODE], capture_output=True).stdout)
            assert found["seconds"] < 30
    ''',
}

NEGATIVE = {
    "a deadline loop": """
        import time
        def test_x():
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not done():
                time.sleep(0.1)
            assert done()
    """,
    "a generous bound": """
        import time
        def test_x():
            t0 = time.monotonic()
            assert time.monotonic() - t0 < 300
    """,
    "a lower bound": """
        import time
        def test_x():
            t0 = time.monotonic()
            wait()
            assert time.monotonic() - t0 >= 0.05
    """,
    "an order of events": """
        import time
        def test_x():
            first_audio = time.monotonic()
            last_page = time.monotonic()
            assert first_audio < last_page
    """,
    "audio seconds": """
        def test_x(engine):
            audio = engine.synthesize("hello")
            seconds = audio.seconds
            assert 1.0 < seconds < 6.0
    """,
    "a generous deadline asserted": """
        import time
        def test_x():
            deadline = time.monotonic() + 120
            while not done():
                assert time.monotonic() < deadline
    """,
    "a time-out given to a call": """
        def test_x(stack):
            job = wait_job(stack, {}, "j", timeout=5)
            assert job["status"] == "done"
    """,
    "CPU seconds": """
        import resource, time
        def test_x():
            before = time.process_time()
            work()
            assert time.process_time() - before < 2
    """,
    "a token's expiry against the clock": """
        import time
        def test_x(token):
            assert token["exp"] > time.time()
    """,
    "a page's duration in milliseconds under a minute's worth": """
        def test_x(page):
            ms = page.evaluate("() => { const t = Date.now(); render(); return Date.now() - t; }")
            assert ms < 120_000
    """,
    "page positions that are not the clock": """
        def test_x(page):
            times = page.evaluate("window.__positions")
            assert all(b >= a - 0.02 for a, b in zip(times, times[1:]))
    """,
}


@pytest.mark.parametrize("name", POSITIVE)
def test_the_check_finds(name):
    assert found_in(POSITIVE[name]), name


@pytest.mark.parametrize("name", NEGATIVE)
def test_the_check_lets_pass(name):
    assert found_in(NEGATIVE[name]) == [], name


def test_a_finding_names_its_line_and_an_exception_covers_it():
    lines = found_in(POSITIVE["a difference held under a constant"])
    assert lines == [6]
    hostile = "tests/hardening/test_hostile.py"
    assert excepted(Finding(hostile, 3, "test_each_hostile_file_ends_with_a_reason_or_cut_short", "assert ...", "why"))
    assert not excepted(Finding(hostile, 3, "test_x", "assert ...", "why"))
    assert not excepted(Finding("tests/jobs/test_other.py", 3, "test_x", "assert ...", "why"))
