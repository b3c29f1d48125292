"""The domains under services/ (campaigns, sends, messages, links, merchants, twilio,
events, limits, submissions...) depend on each other one way: a cycle between two of them
means code lives with the wrong owner. Built with grimp, the import graph import-linter
reads; the modules beside the packages (errors, settings...) count as nodes too."""

import itertools

import grimp

PACKAGE = "services"


def domain_edges(graph: grimp.ImportGraph, package: str) -> dict[str, set[str]]:
    """For each direct child of `package`, the other children it imports (anything inside
    one child counts as the child)."""
    children = sorted(graph.find_children(package))
    return {
        importer: {
            imported
            for imported in children
            if imported != importer
            and graph.direct_import_exists(importer=importer, imported=imported, as_packages=True)
        }
        for importer in children
    }


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as its nodes, the first repeated at the end; None if none."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for target in sorted(edges.get(node, ())):
            cycle = visit(target, [*path, node])
            if cycle is not None:
                return cycle
        done.add(node)
        return None

    for start in sorted(edges):
        cycle = visit(start, [])
        if cycle is not None:
            return cycle
    return None


def test_no_import_cycle_between_the_domains_of_services() -> None:
    graph = grimp.build_graph(PACKAGE, cache_dir=None)
    edges = domain_edges(graph, PACKAGE)
    assert {"services.campaigns", "services.sends", "services.messages"} <= edges.keys()
    cycle = find_cycle(edges)
    if cycle is not None:
        steps = itertools.pairwise(cycle)
        details = [line for a, b in steps for line in _imports_between(graph, a, b)]
        raise AssertionError("import cycle: " + " -> ".join(cycle) + "\n" + "\n".join(details))


def _imports_between(graph: grimp.ImportGraph, importer: str, imported: str) -> list[str]:
    """The import statements that make `importer` (a package) import `imported`."""
    lines = []
    for module in sorted({importer, *graph.find_descendants(importer)}):
        for target in sorted(graph.find_modules_directly_imported_by(module)):
            if target == imported or target.startswith(imported + "."):
                for detail in graph.get_import_details(importer=module, imported=target):
                    lines.append(f"  {module}:{detail['line_number']} imports {target}")
    return lines


def test_the_check_finds_a_cycle_through_three_domains() -> None:
    graph = grimp.ImportGraph()
    for module in ("app", "app.a", "app.a.x", "app.b", "app.c", "app.d"):
        graph.add_module(module)
    graph.add_import(importer="app.a.x", imported="app.b")
    graph.add_import(importer="app.b", imported="app.c")
    graph.add_import(importer="app.d", imported="app.a")
    edges = domain_edges(graph, "app")
    assert find_cycle(edges) is None
    graph.add_import(importer="app.c", imported="app.a.x")
    assert find_cycle(domain_edges(graph, "app")) == ["app.a", "app.b", "app.c", "app.a"]
