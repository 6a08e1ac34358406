"""The rooms of every service and the direction of the doors between them, kept by reading the source.

Like `test_domain_purity.py`, nothing here imports the code under test: each module is parsed (`ast`)
and its imports — those under `if TYPE_CHECKING:` and inside functions included — are resolved to
the modules they name.

- Layers (cosmicpython): entrypoints → (bootstrap →) service_layer → adapters → domain. The domain
  imports no other room; adapters never import the service layer, the entrypoints or bootstrap;
  the service layer never imports the entrypoints or bootstrap; only entrypoints import bootstrap,
  the composition root. Settings are configuration: they may read the domain's defaults, nothing
  else. A service never imports another service: services talk through the contract.
- SQL only in adapters: the domain and the service layer import no database driver and hold no SQL.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"
SERVICE_NAMES = sorted(p.name for p in SERVICES.iterdir() if (p / "__init__.py").exists())

#: Which rooms of its own service a room may import.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "domain": frozenset({"domain"}),
    "settings": frozenset({"domain", "settings"}),
    "adapters": frozenset({"domain", "settings", "adapters"}),
    "service_layer": frozenset({"domain", "settings", "adapters", "service_layer"}),
    "bootstrap": frozenset({"domain", "settings", "adapters", "service_layer", "bootstrap"}),
    "entrypoints": frozenset({"domain", "settings", "adapters", "service_layer", "bootstrap", "entrypoints"}),
    "package": frozenset(),  # services/<name>/__init__.py: a marker, it imports nothing of its own
}
DRIVERS = {"asyncpg", "psycopg", "psycopg2", "sqlalchemy"}
SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|TRUNCATE|COPY)\s", re.IGNORECASE)


@dataclass(frozen=True)
class Import:
    target: str  # the module named, resolved to an absolute dotted name
    names: tuple[str, ...]  # for `from target import a, b`: a, b (each maybe a submodule)
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, source: str | None = None) -> Iterator[Import]:
    """Every import statement of the module at `path` (or of `source`, as if it were there), relative
    ones resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    text = path.read_text(encoding="utf-8") if source is None else source
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            yield Import(target, tuple(alias.name for alias in node.names), node.lineno)


def room_of(module: str) -> tuple[str, str] | None:
    """(service, room) of a module under services/, None outside."""
    parts = module.split(".")
    if parts[0] != "services" or len(parts) < 2:
        return None
    if len(parts) == 2:
        return parts[1], "package"
    return parts[1], parts[2]


def service_modules(service: str) -> list[Path]:
    return sorted((SERVICES / service).rglob("*.py"))


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_module_sits_in_a_known_room(service: str) -> None:
    for path in service_modules(service):
        where = room_of(module_name(path))
        assert where is not None and where[1] in MAY_IMPORT, f"{path.relative_to(ROOT)} is in no known room"


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_layers_point_inwards(service: str) -> None:
    checked = 0
    wrong: list[str] = []
    for path in service_modules(service):
        service_, room = room_of(module_name(path)) or ("", "")
        for imp in imports_of(path):
            targets = [imp.target, *(f"{imp.target}.{n}" for n in imp.names)] if imp.target == f"services.{service}" \
                else [imp.target]
            for target in targets:
                where = room_of(target)
                if where is None:
                    continue
                checked += 1
                other_service, other_room = where
                at = f"{path.relative_to(ROOT)}:{imp.line}"
                if other_service != service_:
                    wrong.append(f"{at} imports another service: {target}")
                elif other_room != "package" and other_room not in MAY_IMPORT[room]:
                    wrong.append(f"{at} ({room}) imports {target} ({other_room})")
    assert checked > 20, f"{service}: only {checked} imports between rooms found — is the parser broken?"
    assert not wrong, "imports against the layer direction:\n" + "\n".join(wrong)


def test_nothing_outside_the_services_imports_a_composition_root() -> None:
    """bootstrap is the top: the kit, the contract, the simulator, scripts and benches never import it."""
    wrong = []
    for top in ("minqing_kit", "minqing_contract", "simulator", "scripts", "bench"):
        for path in sorted((ROOT / top).rglob("*.py")):
            for imp in imports_of(path):
                if any(part == "bootstrap" for part in imp.target.split(".")) and imp.target.startswith("services"):
                    wrong.append(f"{path.relative_to(ROOT)}:{imp.line} imports {imp.target}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_sql_only_in_adapters(service: str) -> None:
    wrong = []
    for path in service_modules(service):
        _, room = room_of(module_name(path)) or ("", "")
        if room not in {"domain", "service_layer"}:
            continue
        at = path.relative_to(ROOT)
        for imp in imports_of(path):
            if imp.target.split(".")[0] in DRIVERS:
                wrong.append(f"{at}:{imp.line} imports the database driver {imp.target}")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                      and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings \
                    and SQL.match(node.value):
                wrong.append(f"{at}:{node.lineno} holds SQL: {node.value[:40]!r}")
    assert not wrong, "\n".join(wrong)


def test_the_rules_catch_what_they_forbid(tmp_path: Path) -> None:
    """The parser sees relative, TYPE_CHECKING and in-function imports (else the tests above prove nothing)."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "from ..bootstrap import Deps\n"
        "if TYPE_CHECKING:\n"
        "    from services.petition.entrypoints import api\n"
        "def f():\n"
        "    import asyncpg\n"
    )
    fake = ROOT / "services" / "petition" / "adapters" / "_probe_for_test.py"
    fake_imports = list(imports_of(fake, source))
    targets = {i.target for i in fake_imports}
    assert {"services.petition.bootstrap", "services.petition.entrypoints", "asyncpg"} <= targets
    assert room_of("services.petition.bootstrap") == ("petition", "bootstrap")
    assert "bootstrap" not in MAY_IMPORT["adapters"] and "entrypoints" not in MAY_IMPORT["service_layer"]
    assert SQL.match("  select 1 ") and not SQL.match("selection of teams")



# ----- no import cycles ------------------------------------------------------------------------------

CYCLE_ROOTS = ("services", "minqing_kit")


def import_graph() -> dict[str, set[str]]:
    """Module → the modules of `CYCLE_ROOTS` it imports (type-only and in-function imports too: a cycle
    of type-only imports is still two modules that cannot be understood, or moved, one without the other)."""
    paths = {module_name(p): p for root in CYCLE_ROOTS for p in sorted((ROOT / root).rglob("*.py"))}
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        for imp in imports_of(path):
            candidates = [imp.target, *(f"{imp.target}.{n}" for n in imp.names)]
            graph[name].update(c for c in candidates if c in paths and c != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles() -> None:
    graph = import_graph()
    assert len(graph) > 100 and sum(map(len, graph.values())) > 200, "too few modules or imports: parser broken?"
    found = cycles(graph)
    assert not found, "import cycles (break them with a narrow Protocol, or move the shared part down):\n" + \
        "\n".join(" ↔ ".join(c) for c in found)


def test_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"f"}, "f": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"x": {"y"}, "y": {"x"}}) == [["x", "y"]]


# ----- invariants that survive `python -O` -----------------------------------------------------------

def asserts_in(source: str) -> list[int]:
    return [node.lineno for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Assert)]


def test_no_assert_statements_in_services_or_kit() -> None:
    """`python -O` strips asserts: an invariant raises a domain error (field and rule, Chinese with
    English), `BrokenInvariant` for a state the rules never produce, or a RuntimeError for a wiring bug."""
    paths = [p for root in ("services", "minqing_kit") for p in sorted((ROOT / root).rglob("*.py"))]
    assert len(paths) > 100
    found = [f"{p.relative_to(ROOT)}:{line}" for p in paths for line in asserts_in(p.read_text(encoding="utf-8"))]
    assert not found, "assert statements (stripped by python -O):\n" + "\n".join(found)
    assert asserts_in("def f(x):\n    assert x is not None, 'why'\n") == [2]
