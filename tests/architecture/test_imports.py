"""The direction of dependencies, computed from the code's own imports (AST).

Layers, from the bottom: the shared vocabulary (events, config, clock, gctuning); the pure
decisions (models); the world (sim), the brain's dataflow (stream) and the analysis of
logs (analysis), which do not import each other; the application layer (app) that wires
them; and the entry points (ui, api, cli). A module may import its own layer's package
and any layer below; nothing imports ``cli``, and only ``cli`` imports ``ui`` (to launch
it). Every import counts, inside functions and under ``TYPE_CHECKING`` too, and no two
modules may import each other, directly or through others.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "twin"

LAYER = {
    "events": 0,
    "config": 0,
    "clock": 0,
    "gctuning": 0,
    "models": 1,
    "sim": 2,
    "stream": 2,
    "analysis": 2,
    "app": 3,
    "ui": 4,
    "api": 4,
    "cli": 5,
}
# packages of one layer that must not know each other
APART = {("sim", "stream"), ("stream", "sim"), ("analysis", "sim"), ("analysis", "stream")}
ONLY_FROM = {"ui": {"ui", "cli"}, "cli": {"cli"}}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every import of ``twin`` in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "twin":
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = (
                    here.split(".")[: -node.level]
                    if path.name != "__init__.py"
                    else here.split(".")[: len(here.split(".")) - node.level + 1]
                )
                base = ".".join([*pkg, base] if base else pkg)
            if base.split(".")[0] != "twin":
                continue
            for alias in node.names:  # `from twin.x import y` may name a module y
                candidate = f"{base}.{alias.name}"
                yield node.lineno, candidate if _is_module(candidate) else base


def _is_module(name: str) -> bool:
    path = ROOT / name.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def graph() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path in sources():
        here = module_name(path)
        out.setdefault(here, set())
        for _, target in imports(path):
            if target != here and _is_module(target):
                out[here].add(target)
    return out


def test_every_package_has_a_layer() -> None:
    tops = {top(module_name(p)) for p in sources()} - {""}
    assert tops <= set(LAYER), f"packages without a layer: {sorted(tops - set(LAYER))}"


def arrow_problem(here: str, target: str) -> str | None:
    """Why ``here`` may not import ``target``, or None when the arrow is allowed."""
    src, dst = top(here), top(target)
    if not dst or dst == src:
        return None
    if LAYER.get(dst, 0) > LAYER.get(src, 0):
        return f"up: {src} is below {dst}"
    if (src, dst) in APART:
        return f"{src} must not know {dst}"
    if dst in ONLY_FROM and src not in ONLY_FROM[dst]:
        return f"only {sorted(ONLY_FROM[dst])} may import {dst}"
    return None


def test_dependencies_point_one_way() -> None:
    wrong = []
    for path in sources():
        here = module_name(path)
        for line, target in imports(path):
            why = arrow_problem(here, target)
            if why is not None:
                wrong.append(f"{path.relative_to(ROOT)}:{line} {here} -> {target} ({why})")
    assert not wrong, "imports against the direction:\n" + "\n".join(wrong)


def test_no_import_cycles() -> None:
    cycles = find_cycles(graph())
    assert not cycles, "modules that import each other: " + "; ".join(map(" <-> ".join, cycles))


def find_cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return cycles


def test_the_checker_sees_wrong_arrows_and_cycles() -> None:
    assert arrow_problem("twin.stream.connectors.bridge", "twin.sim.world") is not None
    assert arrow_problem("twin.models.company", "twin.app.wiring") is not None
    assert arrow_problem("twin.app.run", "twin.ui.app") is not None
    assert arrow_problem("twin.analysis.report.brain", "twin.stream.messages") is not None
    assert arrow_problem("twin.app.run", "twin.sim.world") is None
    assert arrow_problem("twin.cli.ui", "twin.ui.app") is None
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(g) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []
    # imports inside functions and under TYPE_CHECKING are read too
    found = {t for _, t in imports(PACKAGE / "app" / "run.py")}
    assert "twin.analysis.quality" in found  # imported inside run_scenario
