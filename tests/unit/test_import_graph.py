"""Issue 17: the house's import rules, checked on the source. Among agent/, api/ and evals/ (module-level
imports, the ones that run when a module is loaded; imports inside functions and under TYPE_CHECKING are
deferred by design): no import cycle, and no layer importing one above it (agent < api < evals, as
README's Layout section orders them). Imports inside functions in agent/ are deferred, not exempt: they keep
the same order, with no exception. The command line (agent/cli.py) is the one place that names a higher
layer at all, as strings in its command registry (uvicorn's app factory, the evaluator commands), loaded
only when that command is run; no other module in agent/ may name one. Within agent/,
`agent.tools` sits below `agent.engine`: the engine builds the tools' scope and hands them what they need."""
from __future__ import annotations

import ast
from pathlib import Path

from agent.paths import ROOT

PACKAGES = ("agent", "api", "evals")
LAYER = {"agent": 0, "api": 1, "evals": 2}
# Packages below another inside agent/: (lower, upper). Checked on module-level and function-level imports.
BELOW = (("agent.tools", "agent.engine"),)
# The composition root: the only module in agent/ whose strings may name a module of a higher layer.
ENTRY_POINT = "agent.cli"


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:  # Alembic's scripts are loaded by Alembic, not imported
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _loaded_imports(path: Path, known: dict[str, Path]) -> set[str]:
    """What importing the module imports at once: module-level statements, not function bodies and not
    `if TYPE_CHECKING:` blocks."""
    names: set[str] = set()
    for statement in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(statement, ast.If) and "TYPE_CHECKING" in ast.unparse(statement.test):
            continue
        names |= _imported(statement)
    return {name for name in names if name in known}


def _imported(tree: ast.AST) -> set[str]:
    """Every absolute import under `tree`, as modules and module.attribute (either may be a module)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _deferred_imports(path: Path, known: dict[str, Path]) -> set[str]:
    """Imports inside function bodies (run when the function is called)."""
    names: set[str] = set()
    for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names |= _imported(function)
    return {name for name in names if name in known}


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _upward(module: str, imported: str) -> bool:
    if LAYER[imported.split(".")[0]] > LAYER[module.split(".")[0]]:
        return True
    return any(_within(module, lower) and _within(imported, upper) for lower, upper in BELOW)


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: _loaded_imports(path, known) for name, path in known.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
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


def test_the_graph_is_read() -> None:
    graph = _graph()
    assert len(graph) > 150
    assert "agent.store.columns" in graph["agent.store.models"]  # a module-level import is seen
    assert "agent.engine.turn" not in graph["agent.engine.delivery"]  # a TYPE_CHECKING one is not


def test_no_import_cycle() -> None:
    assert _cycles(_graph()) == []


def test_no_layer_imports_one_above_it() -> None:
    upward = [f"{module} -> {imported}" for module, imports in sorted(_graph().items()) for imported in sorted(imports)
              if _upward(module, imported)]
    assert upward == []


def test_no_deferred_import_in_agent_reaches_up() -> None:
    known = _modules()
    deferred = {f"{module} -> {imported}" for module, path in known.items() if module.startswith("agent.")
                for imported in _deferred_imports(path, known) if _upward(module, imported)}
    assert sorted(deferred) == []


def _named_upper_modules(path: Path, known: dict[str, Path]) -> set[str]:
    """Modules of api/ or evals/ a module of agent/ names in a string ("api.app:create_app", "evals.cli")."""
    named = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            candidate = node.value.split(":")[0].strip()
            if candidate in known and candidate.split(".")[0] != "agent":
                named.add(candidate)
    return named


def test_only_the_command_line_names_a_higher_layer() -> None:
    known = _modules()
    naming = {module: sorted(_named_upper_modules(path, known)) for module, path in known.items()
              if module.startswith("agent.")}
    assert {module: names for module, names in naming.items() if names and module != ENTRY_POINT} == {}
    # What the command line loads by name: the app factory for `serve`, the evaluator commands.
    assert naming[ENTRY_POINT] == ["api.app", "evals.bench.cli", "evals.cli", "evals.nlu_cli"]


def test_the_deferred_reader_sees_function_bodies() -> None:
    known = _modules()
    assert "agent.proxies" in _deferred_imports(known["agent.cli"], known)
    assert _upward("agent.tools", "agent.engine.consent") and not _upward("agent.engine.turn", "agent.tools")


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
