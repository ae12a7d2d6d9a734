"""Report the shape of the package: module sizes, the longest functions and import cycles.

Used for the refactor notes: ``python scripts/code_shape.py [--top N]`` prints lines per module (largest
first), functions over the limit, and every cycle in the import graph between relvec modules (none expected).
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "relvec"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def function_lengths(tree: ast.AST) -> list[tuple[int, str]]:
    """Lines from ``def`` to the last line of the body, for every function and method."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append((node.end_lineno - node.lineno + 1, node.name))
    return found


def imports(tree: ast.AST, name: str, is_package: bool, *, deferred: bool) -> set[str]:
    """relvec modules the module imports: at load time (module level, ``TYPE_CHECKING`` blocks excluded), or
    with ``deferred`` also those imported inside functions on first use."""
    found = set()
    if deferred:
        nodes = ast.walk(tree)
    else:
        nodes = [n for n in tree.body if not (isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test))]
        nodes = [inner for n in nodes for inner in ast.walk(n) if not isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("relvec"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("relvec"):
                found.add(target)
                found.update(f"{target}.{a.name}" for a in node.names)
    return found


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, result = {}, {}, [], set(), []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--top", type=int, default=15, help="how many modules and functions to list (default: 15)")
    parser.add_argument("--limit", type=int, default=60, help="function length to flag (default: 60)")
    args = parser.parse_args()
    sizes, lengths, graph, deferred = {}, [], {}, {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        text = path.read_text()
        tree = ast.parse(text)
        sizes[name] = len(text.splitlines())
        lengths += [(n, f"{name}.{f}") for n, f in function_lengths(tree)]
        graph[name] = imports(tree, name, path.name == "__init__.py", deferred=False)
        deferred[name] = imports(tree, name, path.name == "__init__.py", deferred=True)
    # Imports of a package's __init__ from its own submodules are not edges of the pipeline: keep only
    # targets that are modules, and drop a package's edge to its parent package.
    for edges in (graph, deferred):
        for name in edges:
            edges[name] = {t for t in edges[name] if t in sizes and t != name and not name.startswith(t + ".")}
    print(f"modules: {len(sizes)}, lines: {sum(sizes.values())}")
    print(f"modules over 300 lines: {sum(s > 300 for s in sizes.values())}")
    for name, size in sorted(sizes.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"  {size:5d}  {name}")
    lengths.sort(reverse=True)
    print(f"functions over {args.limit} lines: {sum(n > args.limit for n, _ in lengths)}")
    for n, f in lengths[: args.top]:
        print(f"  {n:5d}  {f}")
    for label, edges in (("at load time", graph), ("counting imports deferred into functions", deferred)):
        cycles = find_cycles(edges)
        print(f"import cycles {label}: {len(cycles)}")
        for cycle in cycles:
            print("  " + " <-> ".join(cycle))


if __name__ == "__main__":
    main()
