"""Compiled plans: a run's steps, a backward pass and an optimizer step turned into one
straight-line Python function each — once per graph version, when they have run often enough
to pay the compiling back (:func:`due`) — so that a run pays no per-node dispatch. A source
compiled once is kept (:func:`_code`): new sessions of the same graph compile nothing again.

The code is generated from slot numbers and the registry's functions only: every function is
bound by index (``f0``, ``f1``, … in the function's globals; an op's attributes passed by
the registry's names, their values bound as ``f0_axis``), values are ``v[slot]`` and locals
named after their slot, and a comment names the op type (an identifier from the registry) —
never a node's name or any text from a file. Each line computes one step, so an exception's
line number says which step failed. :func:`show` prints the code.
"""

from __future__ import annotations

import functools
import itertools
import linecache
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from types import CodeType, TracebackType
from typing import Any

QUICK = 256
"""Up to this many steps, code is compiled from its second run: compiling a step costs about
as much as a hundred runs' dispatch of it, which for a few steps is well under a millisecond."""
PAYBACK = 100
"""Runs after which code of more steps is compiled (by then compiling it has paid back)."""
COMPILE_LIMIT = 50_000
"""Plans of more steps than this stay interpreted (their code would take much memory)."""


def due(steps: int, runs: int) -> bool:
    """Whether code of ``steps`` steps that has run ``runs`` times is to be compiled now."""
    return steps <= COMPILE_LIMIT and runs >= (2 if steps <= QUICK else PAYBACK)


class WhenDue:
    """Code compiled once it has run often enough: :meth:`run` counts a run and gives the code
    (made by ``make``, a plan of ``steps`` steps) from the run :func:`due` names on; ``None``
    before, and always when ``make`` is ``None`` (nothing is compiled)."""

    __slots__ = ("steps", "make", "runs", "code")

    def __init__(self, steps: int, make: Callable[[], Compiled] | None) -> None:
        self.steps = steps
        self.make = make
        self.runs = 0
        self.code: Compiled | None = None

    def now(self) -> None:
        """Compile the code now, due or not (for a caller that will run it many times)."""
        if self.code is None and self.make is not None and self.steps <= COMPILE_LIMIT:
            self.code = self.make()

    def run(self) -> Compiled | None:
        """Count a run: the code, compiled now if it has just become due."""
        if self.code is None and self.make is not None:
            self.runs += 1
            if due(self.steps, self.runs):
                self.code = self.make()
        return self.code


_serial = itertools.count()


@dataclass(frozen=True)
class Compiled:
    """A generated function, its source, and which step each line of it computes."""

    function: Callable[..., Any]
    source: str
    filename: str
    step_of_line: dict[int, int]

    def failed_step(self, traceback: TracebackType | None) -> int | None:
        """The index of the step whose line raised, from an exception's traceback."""
        line = None
        while traceback is not None:
            if traceback.tb_frame.f_code.co_filename == self.filename:
                line = traceback.tb_lineno
            traceback = traceback.tb_next
        return None if line is None else self.step_of_line.get(line)


def _label(opdef: Any) -> str:
    """An op type for a comment: the registry's type name when it is a plain identifier."""
    name = getattr(opdef, "type", "")
    return name if isinstance(name, str) and name.isidentifier() else "op"


def build(kind: str, head: str, lines: Sequence[tuple[str, int | None]], tail: str,
          namespace: dict[str, Any]) -> Compiled:
    """Compile ``def {kind}(v):`` with ``head`` lines, then ``lines`` (code, step index), then
    ``tail``; ``namespace`` holds the functions the code calls (it becomes the function's
    globals)."""
    filename = f"<compiled {kind} {next(_serial)}>"
    heads = head.splitlines()
    first = 2 + len(heads)  # the line number of lines[0] (after the def and the head)
    step_of_line = {first + i: step for i, (_, step) in enumerate(lines) if step is not None}
    source = _NEXT_LINE.join([f"def {kind}(v):", *heads, *[code for code, _ in lines],
                              *tail.splitlines()]) + "\n"
    program, filename = _code(source, filename)
    exec(program, namespace)  # noqa: S102 — generated from indices only
    # (taken out of its globals: no cycle between them, freed without a collection)
    return Compiled(namespace.pop(kind), source, filename, step_of_line)


_NEXT_LINE = "\n    "
"""Between the lines of a function's body (one join makes its source)."""


CACHED_CODES = 256
"""How many compiled sources :func:`_code` keeps (the oldest goes first)."""
CACHED_SOURCE = 65_536
"""Sources longer than this are not kept (their code compiles once per many runs anyway)."""

_codes: dict[str, tuple[CodeType, str]] = {}


def _code(source: str, filename: str) -> tuple[CodeType, str]:
    """``source`` compiled, and the file name its tracebacks show it under (in
    :mod:`linecache` while the code may run). Code is generated from slot numbers only, so a
    new session of the same graph generates the same sources: compiled once (a session per
    training run paid about a millisecond each time)."""
    found = _codes.get(source)
    if found is not None:
        return found
    code = compile(source, filename, "exec")
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    if len(source) > CACHED_SOURCE:
        weakref.finalize(code, linecache.cache.pop, filename, None)
        return code, filename
    if len(_codes) >= CACHED_CODES:
        _, dropped = _codes.pop(next(iter(_codes)))
        linecache.cache.pop(dropped, None)
    _codes[source] = code, filename
    return code, filename


def _call(name: str, function: Callable[..., Any], args: Sequence[str], opdef: Any,
          namespace: dict[str, Any]) -> str:
    """``name(args)`` with ``namespace[name]`` set to ``function`` — or, for a partial whose
    keywords are all attributes the registry declares for ``opdef``, its function called with
    the bound arguments directly (``name_0``, ``attr=name_attr``): the same call without the
    partial's copy of its keywords on every step."""
    if isinstance(function, partial) and _declared(function.keywords, opdef):
        namespace[name] = function.func
        bound = []
        for i, value in enumerate(function.args):
            namespace[f"{name}_{i}"] = value
            bound.append(f"{name}_{i}")
        keywords = []
        for key, value in function.keywords.items():
            namespace[f"{name}_{key}"] = value
            keywords.append(f"{key}={name}_{key}")
        return f"{name}({', '.join([*bound, *args, *keywords])})"
    namespace[name] = function
    return f"{name}({', '.join(args)})"


def _declared(keywords: Mapping[str, Any], opdef: Any) -> bool:
    """Whether every keyword is an attribute ``opdef`` declares, named by an identifier."""
    declared = getattr(opdef, "attrs", {})
    for key in keywords:  # (a loop: a generator's all() cost more)
        if key not in declared or not key.isidentifier():
            return False
    return True


UNARY, NARY = -1, -2
"""A step's ``b`` field: one input (in ``a``), or a tuple of input slots in ``a`` (as in
:mod:`engine.session`)."""


def forward(steps: Sequence[tuple[int, Callable[..., Any], Any, int]],
            ops: Sequence[Any]) -> Compiled:
    """``forward(v)``: each step's ``v[slot] = compute(inputs)``, in order; ``ops`` are the
    steps' op definitions (for comments)."""
    computed: set[int] = set()
    loads: list[str] = []
    lines: list[tuple[str, int | None]] = []
    namespace: dict[str, Any] = {}
    for index, (slot, compute, a, b) in enumerate(steps):
        inputs = list(a) if b == NARY else [a] if b == UNARY else [a, b]
        for i in inputs:
            if i not in computed:
                computed.add(i)
                loads.append(f"v{i} = v[{i}]")
        call = _call(f"f{index}", compute, [f"v{i}" for i in inputs], ops[index], namespace)
        lines.append((f"v{slot} = v[{slot}] = {call}  # {_label(ops[index])}", index))
        computed.add(slot)
    return build("forward", "\n".join(loads), lines, "", namespace)


@dataclass(frozen=True)
class BackwardStep:
    """A node of a backward pass: its index in reverse topological order, its slot, its
    inputs' slots, ``(rule, index of the input)`` per input on a path to ``y``, its op and
    attributes."""

    index: int
    slot: int
    input_slots: tuple[int, ...]
    edges: tuple[tuple[Callable[..., Any], int], ...]
    op: Any
    attrs: Mapping[str, Any]
    note: str = ""
    """What a rewrite made of the step (see :mod:`engine.fusion`), for its comment."""


def backward(y_slot: int, seed: Callable[[Any], Any], steps: Sequence[BackwardStep],
             targets: Sequence[int | None]) -> Compiled:
    """``backward(v)``: the targets' gradients of sum(y) from the run's values ``v`` — the
    seed at index 0, then each step's rules, a second contribution to an input added to the
    first (the order of the interpreted pass)."""
    namespace: dict[str, Any] = {"seed": seed}
    lines: list[tuple[str, int | None]] = []
    has_grad = {0}
    loaded: set[int] = set()
    rule_index = 0
    for step_index, step in enumerate(steps):
        if step.index not in has_grad:  # no consumer on the way passed a gradient back
            continue
        for slot in (step.slot, *step.input_slots):
            if slot not in loaded:
                loaded.add(slot)
                lines.append((f"v{slot} = v[{slot}]", None))
        args = [f"g{step.index}", *[f"v{s}" for s in (step.slot, *step.input_slots)]]
        label = f"{_label(step.op)}, {step.note}" if step.note else _label(step.op)
        for rule, target in step.edges:
            call = _call(f"r{rule_index}", rule, args, step.op, namespace)
            total = f"g{target} + {call}" if target in has_grad else call
            lines.append((f"g{target} = {total}  # {label}", step_index))
            has_grad.add(target)
            rule_index += 1
    found = [f"g{t}" if t is not None and t in has_grad else "None" for t in targets]
    return build("backward", f"g0 = seed(v[{y_slot}])", lines, f"return [{', '.join(found)}]",
                 namespace)


def update(variables: Sequence[Any], keys: Sequence[Sequence[str]], rule: Callable[..., Any],
           params: Sequence[str], refuse: Callable[[int], None], kept: Callable[[Any, Any], Any],
           zeros: Callable[[Any, Any], Any], step_type: Callable[[int], Any]) -> Compiled:
    """``update((grads, state, step, values))``: an optimizer step over ``variables`` — each
    one's new value by ``rule(value, grad, slots, step, **params)`` (its slots read from
    ``state`` under ``keys``; the parameters' ``values`` are given per step, in the order of
    ``params``, as a decaying learning rate changes them), cast back to the value's dtype —
    returned as ``(variable, new value)`` pairs and the new state. ``refuse(i)`` raises for a
    variable that is not float."""
    namespace: dict[str, Any] = {"rule": rule, "refuse": refuse, "kept": kept, "zeros": zeros,
                                 "step_type": step_type}
    for i, (variable, names) in enumerate(zip(variables, keys, strict=True)):
        namespace[f"x{i}"] = variable
        for j, key in enumerate(names):
            namespace[f"k{i}_{j}"] = key
    head, lines, tail = _update_code(tuple(map(len, keys)), tuple(params))
    return build("update", head, lines, tail, namespace)


@functools.lru_cache(maxsize=64)
def _update_code(slots: tuple[int, ...], params: tuple[str, ...]
                 ) -> tuple[str, tuple[tuple[str, int | None], ...], str]:
    """The head, lines and tail of :func:`update`'s code for variables with ``slots`` slots
    each and these ``params``: a template made once (every graph that trains as many
    variables with the same optimizer has the same code; only its namespace differs)."""
    lines: list[tuple[str, int | None]] = []
    named = "".join(f", {param}=p_{param}" for param in params)  # (the registry's names)
    unpack = "".join(f"p_{param}, " for param in params)
    pairs, state = [], ['"step": step_type(step)']
    for i, count in enumerate(slots):
        lines += [(f"w{i} = x{i}._value", None),
                  (f"d{i} = w{i}.dtype", None),
                  (f'if d{i}.kind not in "fc": refuse({i})', i),
                  (f"g{i} = grads[{i}]", None),
                  (f"if g{i} is None: g{i} = zeros(g{i}, w{i})", i)]
        kept = "".join(f"kept(state.get(k{i}_{j}), w{i}), " for j in range(count))
        lines += [(f"n{i}, s{i} = rule(w{i}, g{i}, ({kept}), step{named})", i),
                  (f"if n{i}.dtype != d{i}: n{i} = n{i}.astype(d{i})", i)]
        pairs.append(f"(x{i}, n{i})")
        state += [f"k{i}_{j}: s{i}[{j}]" for j in range(count)]
    head = "grads, state, step, values = v" + (f"\n({unpack}) = values" if params else "")
    return head, tuple(lines), f"return [{', '.join(pairs)}], {{{', '.join(state)}}}"


def show(compiled: Sequence[Compiled]) -> str:
    """The generated code of compiled functions, for reading."""
    return "\n".join(c.source for c in compiled)
