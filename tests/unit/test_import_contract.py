"""The import contract of DESIGN.md: which parts of helsebro may import which.

Read with grimp from the real import graph (every ``import`` in src/helsebro, also those inside functions).
A forbidden import that comes back fails here, naming the importer, the imported module and the line.
``KNOWN`` lists the crossings that still exist, each saying why it stays; it may only shrink (a test below
fails when an entry there is gone, so the list stays true).
"""

from __future__ import annotations

import grimp
import pytest

FAMILIES = ("verktoy", "digitaltaktiv", "personvern", "pts", "svarut")
CORE = ("db", "errors", "identifiers", "settings", "_time", "logs", "family", "_columns", "responses", "unit_of_work")
ASSEMBLY = ("app", "families", "cli", "pytest_plugin", "testdata")
PAGES = ("pages",)
# The app's long-lived objects (settings, engine, keys, guard, each family's state by name), reached from routes.
# DESIGN.md forbids a family reaching "a shared service container that names families": this one names none,
# and a rule below keeps it so, so routes may reach it.
CONTAINER = ("services",)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("helsebro", include_external_packages=False)


def _modules(graph: grimp.ImportGraph, package: str) -> set[str]:
    name = f"helsebro.{package}"
    if name not in graph.modules:
        return set()
    return {name} | graph.find_descendants(name)


def _under(module: str, package: str) -> bool:
    return module == f"helsebro.{package}" or module.startswith(f"helsebro.{package}.")


def _forbidden() -> list[tuple[str, str, str]]:
    """(importer package, imported package, why) for every rule of DESIGN.md."""
    rules: list[tuple[str, str, str]] = []
    for core in CORE:
        for target in ("auth", *FAMILIES, *ASSEMBLY, *CONTAINER, *PAGES, "registries", "jobs", "operator"):
            rules.append((core, target, "core plumbing knows no token service, family or assembly"))
    for target in (*FAMILIES, *PAGES, *ASSEMBLY, "operator", "registries", "jobs"):
        rules.append(("services", target, "the service container names no family, page or part of the assembly"))
    for target in (*FAMILIES, *PAGES, *ASSEMBLY, "operator"):
        rules.append(("auth", target, "auth (token services, guard, inspector) knows no family, page or the assembly"))
    for target in (*FAMILIES, "testdata", *ASSEMBLY, *CONTAINER):
        rules.append(("registries", target, "the registries know no family and no test data"))
    for target in (*FAMILIES, *ASSEMBLY):
        rules.append(("jobs", target, "the job runner knows no family: handlers are registered"))
    for family in FAMILIES:
        for other in FAMILIES:
            if other != family:
                rules.append((family, other, "a family does not import another family"))
        for target in ASSEMBLY:
            rules.append((family, target, "a family does not import the assembly"))
    return rules


# Crossings that still exist: each is (importer module, imported module), with why it stays.
KNOWN = {
    # DigitaltAktiv's status asks PVK through PVK's one published condition (personvern.consent, an SQL EXISTS),
    # put inside DigitaltAktiv's own status queries: one query per check on the hot path (DESIGN.md). The
    # statements are built once at import, before any registration could run, and what it names is a published
    # function, not PVK's tables.
    ("helsebro.digitaltaktiv.status", "helsebro.personvern.consent"),
    # A Verktøy send asks whether the citizen is digitally active (SPEC 2) in the send's single query, from
    # DigitaltAktiv's published conditions (status.aktiv_selv/aktiv_via_andre/parameters). A registration would
    # hand over the same SQL conditions and cost the same coupling to their shape.
    ("helsebro.verktoy.sending", "helsebro.digitaltaktiv.status"),
    # The citizen login page and HelseID's test login page render with the pages' templates, so the login looks
    # like the rest of the citizen and operator pages (one layout, one style sheet).
    ("helsebro.auth.citizen_routes", "helsebro.pages.templating"),
    ("helsebro.auth.helseid_login_routes", "helsebro.pages.templating"),
    # PTS's and SvarUt's default data are written against people of the default population (the seed citizen,
    # adults among the generated ones), which the loader has put in the registries just before.
    ("helsebro.pts.testdata", "helsebro.testdata.people"),
    ("helsebro.svarut.testdata", "helsebro.testdata.people"),
}


def _violations(graph: grimp.ImportGraph) -> list[str]:
    found = []
    for importer_pkg, imported_pkg, why in _forbidden():
        for importer in _modules(graph, importer_pkg):
            for imported in graph.find_modules_directly_imported_by(importer):
                if not _under(imported, imported_pkg) or (importer, imported) in KNOWN:
                    continue
                lines = graph.get_import_details(importer=importer, imported=imported)
                where = ", ".join(f"line {d['line_number']}" for d in lines) or "?"
                found.append(f"{importer} imports {imported} ({where}): {why}")
    return sorted(set(found))


def test_no_forbidden_import(graph):
    assert _violations(graph) == []


def test_the_known_crossings_still_exist(graph):
    """An entry of KNOWN whose import is gone must leave the list, so it only ever shrinks."""
    gone = [pair for pair in KNOWN if pair[0] in graph.modules and not graph.direct_import_exists(importer=pair[0], imported=pair[1])]
    assert gone == []


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("helsebro.jobs.worker", "helsebro.svarut.delivery"),
        # The service container may be reached from routes only while it names no family.
        ("helsebro.services", "helsebro.verktoy.catalog"),
        ("helsebro.registries.admin.citizens", "helsebro.personvern.tables"),
    ],
)
def test_a_forbidden_import_is_caught(importer, imported):
    """The check itself works: an import added to the graph is reported."""
    graph = grimp.build_graph("helsebro", include_external_packages=False)
    graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="import")
    assert any(f"{importer} imports {imported}" in v for v in _violations(graph))
