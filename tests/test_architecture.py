"""The architecture as a test: no import cycle anywhere, and packages small enough to name.

`make lint` runs import-linter's contracts (pyproject.toml): packages import downward only,
and no two modules of a package import each other. This test adds what those leave out: a
cycle through any path at all, late imports inside functions included, and the size rule.
"""

from __future__ import annotations

from pathlib import Path

import grimp

PIPELINE = Path(__file__).resolve().parent.parent / "pipeline"
MAX_MODULES = 15


def import_cycles(imports: dict[str, set[str]]) -> list[list[str]]:
    """Every group of modules that import each other, directly or through others (Tarjan).

    >>> import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    [['a', 'b', 'c']]
    >>> import_cycles({"a": {"b"}, "b": set()})
    []
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(imports.get(module, ())):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(imports):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_anywhere() -> None:
    # grimp reads every import statement, those inside functions and TYPE_CHECKING too.
    graph = grimp.build_graph("pipeline")
    imports = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert import_cycles(imports) == []


def test_every_module_is_seen_by_the_import_graph() -> None:
    graph = grimp.build_graph("pipeline")
    on_disk = {
        ".".join(("pipeline", *path.relative_to(PIPELINE).with_suffix("").parts)).removesuffix(
            ".__init__"
        )
        for path in PIPELINE.rglob("*.py")
    }
    assert on_disk <= set(graph.modules)


def test_no_package_holds_more_than_fifteen_modules() -> None:
    packages = [PIPELINE, *(p.parent for p in PIPELINE.rglob("*/__init__.py"))]
    sizes = {
        str(package.relative_to(PIPELINE.parent)): len(
            [m for m in package.glob("*.py") if m.name != "__init__.py"]
        )
        for package in packages
    }
    assert {name: size for name, size in sizes.items() if size > MAX_MODULES} == {}
    assert len(sizes) > 5  # the packages were found at all
