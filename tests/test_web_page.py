"""The page in a real browser (Debian's Chromium driven by Playwright) against a live server."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from kg.search.encoder import Encoder

from .conftest import ROOT, live_server_for

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SHOTS = os.environ.get("MLKG_SCREENSHOTS")
"""Set to a folder (docs/) to keep one screenshot of each page there."""
CONCERN = "https://w3id.org/mlkg/id/concern/"
HOSTILE = """---
title: Extraction notes <img src=x onerror="window.pwned=1">
---
# Notes
Model extraction through a public API is cheap. <script>window.pwned = 2</script>
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[str]:
    yield from live_server_for(tmp_path_factory.mktemp("web"), ROOT / "notes", encoder)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, tmp_path: Path) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], errors


PREFIX_LINES = (
    "PREFIX mlkg: <https://w3id.org/mlkg/ontology#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX concern: <https://w3id.org/mlkg/id/concern/>\n"
)


def set_query(page: Page, query: str) -> None:
    """Put a query into the SPARQL page's editor (CodeMirror keeps its instance on its element)."""
    page.locator("#yasgui .CodeMirror").wait_for()
    page.evaluate("q => document.querySelector('#yasgui .CodeMirror').CodeMirror.setValue(q)", query)


def run(page: Page, query: str) -> None:
    """Run a query the way a user does: in the editor, with Ctrl+Enter."""
    set_query(page, query)
    page.locator("#yasgui .CodeMirror").click()
    page.keyboard.press("Control+Enter")


def shoot(page: Page, name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(SHOTS) / path.name)


def test_ask_shows_model_stealing_first_with_its_links_and_source_line(site: str, page: Page, tmp_path: Path):
    page.goto(f"{site}/")
    page.get_by_label("Question").fill("someone is copying my model through the API")
    page.get_by_label("Question").press("Enter")
    first = page.locator(".hit").first
    expect(first.locator("h3")).to_contain_text("Model stealing")
    expect(first.locator(".path")).to_have_text("Cross-cutting aspects › Security")
    expect(first.locator(".match")).to_have_text("strong match")
    expect(first.locator(".why")).to_contain_text("Matched definition: Another type of adversarial attack")
    expect(first.locator(".why")).to_contain_text(".md:133")
    # the survey discusses every answer: said once above them, not on each card
    expect(page.locator("#results .common")).to_contain_text("arXiv:2011.09926")
    expect(first.locator("dl.facts")).not_to_contain_text("arXiv:2011.09926")
    shoot(page, "ask", tmp_path)
    source = first.locator("dd a[href*='line=']").first
    label = source.inner_text()
    line = int(label.rsplit(":", 1)[1])
    source.click()
    marked = page.locator("pre.source span.at")
    expect(marked).to_have_attribute("id", f"L{line}")
    seed = next((ROOT / "notes").glob("*.md")).read_text("utf-8").splitlines()
    expect(marked).to_have_text(seed[line - 1])
    expect(marked).to_be_in_viewport()  # the note was scrolled to the line once it was in the page
    note_id = page.url.split("#/note/", 1)[1].split("?", 1)[0]
    title = httpx.get(f"{site}/notes/{note_id}").json()["title"]
    assert title and not title.endswith(".md")
    expect(page.locator("main h1")).to_have_text(title)  # the note's title, not its file name or slug


def test_ask_offers_every_kind_with_a_filter_and_says_when_nothing_matches(site: str, page: Page):
    page.goto(f"{site}/#/?q=data+drift")
    expect(page.locator(".hit > h3 .badge").first).to_be_visible()  # the answer is fetched after the page loads
    kinds = page.locator(".hit > h3 .badge").all_inner_texts()
    assert len(set(kinds)) > 1  # concerns, steps and stages together, best first
    page.get_by_label("Kind").select_option("step")
    page.get_by_role("button", name="Ask").click()
    expect(page.locator(".hit > h3 .badge").first).to_have_text("step")
    assert set(page.locator(".hit > h3 .badge").all_inner_texts()) == {"step"}
    assert "type=step" in page.url
    page.goto(f"{site}/#/?q={quote('how long should I proof sourdough before baking')}")
    expect(page.locator("#results .notice")).to_contain_text("Nothing in the graph matches this question well")
    expect(page.locator(".hit").first.locator(".match")).to_have_text("none match")


OVERLAPS = """box => {
  const nodes = box.cytoscape.nodes(':visible');
  const boxes = nodes.map((n) => n.boundingBox({ includeLabels: true }));
  const pairs = [];
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b, j) => {
    if (a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2) pairs.push([nodes[i].data('label'), nodes[i + 1 + j].data('label')]);
  }));
  return pairs;
}"""
"""Pairs of visible nodes whose boxes (label included) overlap."""


def exported(page: Page, button: str) -> bytes:
    with page.expect_download() as download:
        page.get_by_role("button", name=button).click()
    return Path(download.value.path()).read_bytes()


def svg_texts(svg: bytes) -> tuple[int, str]:
    """Circles (nodes) and all text of an exported SVG, which must be well-formed XML."""
    root = ElementTree.fromstring(svg)
    circles = root.findall(".//{http://www.w3.org/2000/svg}circle")
    return len(circles), " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))


def test_a_concern_page_draws_its_neighbourhood(site: str, page: Page, tmp_path: Path):
    page.goto(f"{site}/#/node/{quote(CONCERN + 'model-stealing', safe='')}")
    expect(page.locator("h1")).to_have_text("Model stealing")
    graph = page.locator("#graph[data-nodes]")
    expect(graph).to_be_visible()
    assert int(graph.get_attribute("data-nodes") or 0) >= 3
    expect(page.locator("#graph canvas").first).to_be_attached()
    neighbours = page.locator("#neighbours")
    expect(neighbours).to_contain_text("Security")
    shoot(page, "concern", tmp_path)
    page.get_by_label("Show nodes up to").select_option("2")
    expect(neighbours).to_contain_text("Model inversion")  # two links away, through the step
    expect(graph).to_have_attribute("data-nodes", "63")
    assert graph.evaluate(OVERLAPS) == []  # ranks laid out by dagre: no label covers another
    ranks = graph.evaluate(
        "b => ['stage', 'step', 'concern'].map(k => b.cytoscape.nodes(`[kind='${k}']`).first().position().x)"
    )
    assert ranks == sorted(ranks)  # the lifecycle reads left to right
    page.get_by_label("Show nodes up to").select_option("3")
    expect(page.locator("#depth-note")).to_contain_text("the graph is the same")
    neighbours.get_by_role("link", name="step Security").click()
    expect(page.locator("h1")).to_have_text("Security")
    expect(page.locator("#neighbours")).to_contain_text("Model inversion")


def test_the_graph_filters_finds_highlights_and_exports(site: str, page: Page):
    page.goto(f"{site}/#/node/{quote(CONCERN + 'model-stealing', safe='')}")
    page.get_by_label("Show nodes up to").select_option("2")
    graph = page.locator("#graph[data-nodes='63']")
    graph.wait_for()
    visible = "b => b.cytoscape.nodes(':visible').length"
    page.locator(".graph-controls label").filter(has_text="concern").locator("input").uncheck()
    assert graph.evaluate(visible) == 63 - 38  # the seed's 38 concerns hidden
    page.locator(".graph-controls label").filter(has_text="concern").locator("input").check()
    assert graph.evaluate(visible) == 63
    page.get_by_label("Find").fill("model inver")
    assert graph.evaluate("b => b.cytoscape.nodes('.found').map(n => n.data('label'))") == ["Model inversion"]
    hover = (
        "b => { const n = b.cytoscape.getElementById('%s'); n.emit('mouseover');"
        " return n.connectedEdges('.named').map(e => e.data('rel')); }"
    )
    named = set(graph.evaluate(hover % (CONCERN + "model-stealing")))
    assert named == {"step", "discusses"}  # its edges named on hover
    assert graph.evaluate("b => b.cytoscape.elements('.faded').length") > 0  # the rest fades
    circles, text = svg_texts(exported(page, "Export SVG"))
    assert circles == 63 and "Model stealing" in text and "Cross-cutting aspects" in text
    png = exported(page, "Export PNG")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000


def test_a_note_not_imported_yet_shows_who_links_to_it(site: str, page: Page):
    # the seed links [[01 Experience/.../A Recipe for Training Neural Networks]]: its IRI keeps the path
    recipe = "01-experience/ai-in-production/lifecycle/3-1-model-training/a-recipe-for-training-neural-networks"
    page.goto(f"{site}/#/note/{quote(recipe, safe='')}")
    expect(page.locator("main")).to_contain_text("has not been imported yet")
    expect(page.locator("#neighbours")).to_contain_text("Challenges in Deploying Machine Learning")


def test_the_lifecycle_overview_counts_papers_per_concern(site: str, page: Page, tmp_path: Path):
    page.goto(f"{site}/#/lifecycle")
    expect(page.locator(".stage")).to_have_count(5)
    expect(page.locator(".concerns li")).to_have_count(38)
    expect(page.locator(".stage").first.locator("h2")).to_contain_text("Data management")
    expect(page.locator(".concerns li").first.locator(".count")).to_have_text("1 · 1")
    summary = page.locator("main p.muted").first
    expect(summary).to_have_text("5 stages, 16 steps, 38 concerns; every concern has at least one paper.")
    expect(page.locator("main .legend")).to_contain_text("papers · notes")
    shoot(page, "lifecycle", tmp_path)
    page.get_by_text("As a graph (to explore or export)").click()
    graph = page.locator("#lifecycle-graph[data-nodes]")
    expect(graph).to_have_attribute("data-nodes", str(5 + 16 + 38))
    assert graph.evaluate(OVERLAPS) == []
    circles, text = svg_texts(exported(page, "Export SVG"))
    assert circles == 59 and all(stage in text for stage in ("Data management", "Model deployment", "Cross-cutting"))


def test_no_missing_files_or_library_warnings_on_any_page(site: str, browser: Browser):
    context = browser.new_context()
    page = context.new_page()
    missing: list[str] = []
    warnings: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.on("console", lambda m: warnings.append(m.text) if m.type in ("warning", "error") else None)
    for path, ready in PAGES.values():
        page.goto(f"{site}{path}")
        page.locator(ready).first.wait_for()
    page.goto(f"{site}/#/")
    page.get_by_role("link", name="Lifecycle").focus()
    page.keyboard.press("Enter")
    page.locator(".stage").first.wait_for()
    focused = "document.activeElement.tagName + ' ' + getComputedStyle(document.activeElement).outlineStyle"
    assert page.evaluate(focused) == "MAIN none"  # focus moved for screen readers, with no page-wide outline
    page.goto(f"{site}/docs")
    page.locator(".info .title").wait_for()
    assert missing == [] and warnings == []
    context.close()


def test_sparql_shows_construct_triples_and_never_saves_an_error(site: str, page: Page):
    page.goto(f"{site}/#/sparql")
    run(page, PREFIX_LINES + "CONSTRUCT { ?c rdfs:label ?l } WHERE { ?c a mlkg:Concern ; rdfs:label ?l } LIMIT 3")
    expect(page.locator("#yasgui .yasr")).to_contain_text("3 results")
    expect(page.locator("#yasgui .yasr tbody tr").first).to_contain_text("rdfs:label")
    set_query(page, "SELECT WHERE {")
    expect(page.locator("#yasgui .parseErrorIcon")).to_have_count(1)  # the editor marks the syntax error
    downloads: list[object] = []
    page.on("download", lambda download: downloads.append(download))
    page.get_by_role("button", name="Download CSV").click()
    expect(page.locator("#rows .error")).to_contain_text("syntax")
    page.wait_for_timeout(500)
    assert downloads == []


def test_the_coverage_page_shows_where_the_literature_is_thin(site: str, page: Page, tmp_path: Path):
    page.goto(f"{site}/")
    page.get_by_role("link", name="Coverage").click()
    steps = page.locator("table.coverage").first
    expect(steps.locator("caption")).to_have_text("Concerns, notes and papers per step")
    expect(steps.locator("tbody tr")).to_have_count(16)  # the seed's 16 steps
    expect(steps.locator("tbody tr").first).to_contain_text("Data management")
    expect(page.locator("main p.muted")).to_contain_text("0 concerns no paper discusses, 38 only one paper discusses")
    csv_link = page.get_by_role("link", name="CSV")
    with page.expect_download() as download:
        csv_link.click()
    rows = Path(download.value.path()).read_text("utf-8").splitlines()
    assert rows[0] == "stage,step,concerns,notes,papers" and len(rows) == 17
    shoot(page, "coverage", tmp_path)


def test_the_sparql_editor_ranks_by_similarity(site: str, page: Page):
    page.goto(f"{site}/#/sparql")
    run(
        page,
        PREFIX_LINES + "SELECT ?c ?score WHERE { ?c a mlkg:Concern "
        'BIND(mlkg:similarity(?c, "copying a model through its API") AS ?score) } ORDER BY DESC(?score) LIMIT 3',
    )
    expect(page.locator("#yasgui .yasr tbody tr")).to_have_count(3)
    expect(page.locator("#yasgui .yasr tbody tr").first).to_contain_text("concern:model-stealing")


def test_sparql_runs_in_the_editor_and_pages_a_thousand_rows(site: str, page: Page, tmp_path: Path):
    page.goto(f"{site}/#/sparql")
    editor = page.locator("#yasgui .CodeMirror")
    expect(editor).to_contain_text("PREFIX mlkg: <https://w3id.org/mlkg/ontology#>")
    editor.click()
    page.keyboard.press("Control+Enter")
    rows = page.locator("#yasgui .yasr tbody tr")
    expect(rows).to_have_count(38)
    expect(page.locator("#yasgui .yasr")).to_contain_text("Model stealing")
    expect(rows.first).to_contain_text("Data profiling")  # the query's order: by step, then label
    page.locator("#yasgui .yasr thead th", has_text="label").click()  # sorted by the label column instead
    expect(rows.first).to_contain_text("Access to experts")
    shoot(page, "sparql", tmp_path)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    lines = Path(download.value.path()).read_text("utf-8").splitlines()
    assert lines[0].split(",") == ["concern", "label", "step"] and len(lines) == 39
    page.get_by_role("link", name="concern:model-stealing").click()  # an IRI of the graph opens its node
    expect(page.locator("h1")).to_have_text("Model stealing")
    page.go_back()
    run(page, "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 1000")
    info = page.locator("#yasgui .dt-info")
    expect(info).to_have_text("Showing 1 to 50 of 1,000 entries")
    expect(rows).to_have_count(50)
    page.locator("#yasgui .dt-paging-button.next").click()
    expect(info).to_have_text("Showing 51 to 100 of 1,000 entries")
    expect(page.locator("#recent summary")).to_have_text("Recent queries (2)")
    page.get_by_role("button", name="New query tab").click()
    expect(page.get_by_role("tab")).to_have_count(2)
    page.get_by_role("tab").first.click()  # back to the first tab, still on this page, its rows kept
    expect(page.locator("h1")).to_have_text("SPARQL")
    expect(info).to_have_text("Showing 1 to 50 of 1,000 entries")


def test_sparql_completes_the_schema_prefixes_and_opens_shared_links(site: str, page: Page):
    page.goto(f"{site}/#/sparql")
    set_query(page, "")
    page.locator("#yasgui .CodeMirror").click()
    page.keyboard.type("PREFIX con")
    expect(page.locator(".CodeMirror-hints")).to_contain_text("concern: <https://w3id.org/mlkg/id/concern/>")
    shared = PREFIX_LINES + "SELECT ?l WHERE { concern:model-stealing rdfs:label ?l }"
    set_query(page, shared)
    page.get_by_role("button", name="Share query").click()
    link = page.locator("#yasgui .yasqe_sharePopup input").input_value()
    assert link.startswith(f"{site}/#query=PREFIX")
    page.goto("about:blank")
    page.goto(link)
    expect(page.locator("#yasgui .CodeMirror")).to_contain_text("concern:model-stealing rdfs:label ?l")


def test_import_a_note_then_find_it_with_its_text_escaped(site: str, page: Page, tmp_path: Path):
    note = tmp_path / "Extraction notes.md"
    note.write_text(HOSTILE, "utf-8")
    page.goto(f"{site}/#/import")
    page.get_by_label("Markdown file").set_input_files(str(note))
    expect(page.locator("#outcome .error")).to_contain_text("Enter the write token")  # asked, nothing sent
    token = page.get_by_label("Write token (printed by kg serve; kept in api-token in its data folder)")
    expect(token).to_be_focused()
    token.fill("wrong-token")
    page.get_by_label("Markdown file").set_input_files(str(note))
    expect(page.locator("#outcome .error")).to_contain_text("Authorization: Bearer")  # refused, nothing stored
    token.fill("secret-token")
    page.get_by_label("Markdown file").set_input_files(str(note))
    outcome = page.locator("#outcome")
    expect(outcome.locator("h2")).to_contain_text("added")
    expect(outcome).to_contain_text("Model stealing")
    shoot(page, "import", tmp_path)
    outcome.locator("h2 a").click()
    source = page.locator("pre.source")
    expect(source).to_contain_text("<script>window.pwned = 2</script>")
    expect(page.locator("main")).to_contain_text("Model extraction through a public API is cheap.")
    assert page.evaluate("window.pwned") is None
    assert page.locator("main script, main img").count() == 0
    page.goto(f"{site}/")
    page.get_by_label("Question").fill("stealing a model through a prediction API")
    page.get_by_label("Question").press("Enter")
    expect(page.locator(".hit").first).to_contain_text("Extraction notes <img")
    assert page.evaluate("window.pwned") is None


def test_the_note_list_pages_and_filters_by_path(site: str, page: Page):
    auth = {"Authorization": "Bearer secret-token"}
    added = httpx.post(
        f"{site}/notes",
        params={"name": "Kitchen/Starter log.md"},
        content=b"# Starter log\n\nFed it rye.\n",
        headers=auth,
    )
    assert added.status_code == 201
    try:
        total = int(httpx.get(f"{site}/notes").headers["x-total-count"])
        page.goto(f"{site}/#/notes?size=1")
        pager = page.get_by_role("navigation", name="Pages of notes")
        expect(pager).to_contain_text(f"Notes 1–1 of {total}")
        expect(page.locator("table.coverage tbody tr")).to_have_count(1)
        expect(pager.get_by_role("button", name="Previous")).to_be_disabled()
        pager.get_by_role("button", name="Next").click()
        expect(pager).to_contain_text(f"Notes 2–2 of {total}")
        expect(pager.get_by_role("button", name="Previous")).to_be_enabled()
        page.get_by_label("Vault path contains").fill("kitchen/")
        page.get_by_role("button", name="Filter").click()
        expect(page.locator("main")).to_contain_text("1 imported note whose path holds “kitchen/”")
        expect(page.locator("table.coverage tbody")).to_contain_text("Kitchen/Starter log.md")
        expect(pager.get_by_role("button", name="Next")).to_be_disabled()
        assert "path=kitchen" in page.url and "offset=0" in page.url
    finally:
        assert httpx.delete(f"{site}/notes/kitchen/starter-log", headers=auth).status_code == 204


def test_phone_width_and_keyboard(site: str, browser: Browser):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{site}/#/?q=data+drift")
    expect(page.locator(".hit").first).to_be_visible()
    overflow = page.evaluate("document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth")
    assert overflow <= 0
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "mlkg"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("The lifecycle")
    context.close()


def test_phone_width_keeps_iris_tables_and_graphs_readable(site: str, browser: Browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    overflow = "document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    page.goto(f"{site}/#/node/{quote(CONCERN + 'model-stealing', safe='')}")
    page.locator("#graph[data-nodes]").wait_for(state="attached")
    assert page.evaluate(overflow) <= 0
    expect(page.locator("#graph")).to_be_hidden()
    expect(page.get_by_role("heading", name="linked nodes")).to_be_visible()
    page.goto(f"{site}/#/sparql")
    run(page, PREFIX_LINES + "SELECT ?c ?label WHERE { ?c a mlkg:Concern ; rdfs:label ?label } LIMIT 20")
    expect(page.locator("#yasgui .yasr tbody tr")).to_have_count(20)
    box = page.locator("#yasgui .yasr table").bounding_box()
    assert box is not None and box["height"] < 20 * 80  # rows of a line or two, not IRIs broken letter by letter
    assert page.evaluate(overflow) <= 0  # the table scrolls inside its wrapper, not the page
    page.goto(f"{site}/#/notes")
    expect(page.locator("#notes-table tbody tr").first).to_be_visible()
    expect(page.get_by_role("columnheader", name="Path")).to_be_hidden()  # on the note's own page instead
    expect(page.get_by_role("button", name="Delete").first).to_be_visible()
    assert page.evaluate(overflow) <= 0
    context.close()


AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PAGES = {
    "ask": ("/#/?q=data+drift", ".hit"),
    "concern": (f"/#/node/{quote(CONCERN + 'concept-drift', safe='')}", "#graph[data-nodes]"),
    "lifecycle": ("/#/lifecycle", ".stage"),
    "coverage": ("/#/coverage", "table.coverage"),
    "notes": ("/#/notes", "table.coverage"),
    "sparql": ("/#/sparql", "#yasgui .yasqe"),
    "import": ("/#/import", "#drop"),
}


@pytest.mark.parametrize("name", PAGES)
def test_pages_pass_axe_wcag_aa_checks(site: str, browser: Browser, name: str):
    """axe-core (vendored for the tests) finds no serious or critical WCAG 2 A/AA violation."""
    context = browser.new_context(bypass_csp=True)  # to inject axe; the page itself allows only its own scripts
    page = context.new_page()
    path, ready = PAGES[name]
    page.goto(f"{site}{path}")
    page.locator(ready).first.wait_for()
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
    serious = [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    context.close()
    assert serious == []
    assert len(result["passes"]) > 10  # axe really ran


def test_the_api_docs_work_offline_under_the_page_policy(site: str, browser: Browser):
    context = browser.new_context(offline=False)
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    remote: list[str] = []
    page.on("request", lambda request: remote.append(request.url) if not request.url.startswith(site) else None)
    page.goto(f"{site}/docs")
    expect(page.locator(".opblock-summary-path").filter(has_text="/ask").first).to_be_visible()
    expect(page.locator(".info .title")).to_contain_text("mlkg")
    assert violations == [] and remote == []
    context.close()


@pytest.fixture(scope="module")
def private_site(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[str]:
    yield from live_server_for(
        tmp_path_factory.mktemp("private-web"), ROOT / "notes", encoder, read_token="reader-token"
    )


def test_a_private_server_asks_for_its_read_token_once(private_site: str, browser: Browser):
    context = browser.new_context()
    page = context.new_page()
    asked: list[str] = []

    def answer(dialog):  # type: ignore[no-untyped-def]
        asked.append(dialog.message)
        dialog.accept("reader-token")

    page.on("dialog", answer)
    page.goto(f"{private_site}/#/?q=someone+is+copying+my+model+through+the+API")
    expect(page.locator(".hit").first.locator("h3")).to_contain_text("Model stealing")
    page.goto(f"{private_site}/#/lifecycle")
    expect(page.locator("main")).to_contain_text("Security")
    assert len(asked) == 1 and "read token" in asked[0]
    context.close()


def test_the_sparql_editor_sends_the_token_but_never_puts_it_in_a_link_or_storage(private_site: str, browser: Browser):
    context = browser.new_context()
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept("reader-token"))
    page.goto(f"{private_site}/#/sparql")  # the page asks for the token once, for /prefixes' neighbours
    page.evaluate("sessionStorage.setItem('mlkg-token', 'reader-token')")
    run(page, PREFIX_LINES + "SELECT ?c WHERE { ?c a mlkg:Concern } LIMIT 5")
    expect(page.locator("#yasgui .yasr tbody tr")).to_have_count(5)  # the private server answered
    page.get_by_role("button", name="Share query").click()
    link = page.locator("#yasgui .yasqe_sharePopup input").input_value()
    stored = page.evaluate("JSON.stringify(Object.entries(localStorage))")
    assert "reader-token" not in link and "reader-token" not in stored
    context.close()


def test_the_notes_page_lists_imports_and_deletes_with_confirmation(site: str, page: Page, tmp_path: Path):
    first, second = tmp_path / "Extraction one.md", tmp_path / "Extraction two.md"
    first.write_text("# Extraction one\n\nModel stealing through a public prediction API.\n", "utf-8")
    second.write_text("# Extraction two\n\nData poisoning of a crowd-sourced training set.\n", "utf-8")
    page.goto(f"{site}/#/import")
    page.get_by_label("Write token (printed by kg serve; kept in api-token in its data folder)").fill("secret-token")
    page.get_by_label("Markdown file").set_input_files([str(first), str(second)])
    outcome = page.locator("#outcome")
    expect(outcome.locator("h2")).to_have_text("2 of 2 notes imported")
    expect(outcome.locator("tbody tr")).to_have_count(2)
    expect(outcome.locator("tbody tr").first).to_contain_text("Model stealing")
    page.get_by_role("link", name="Notes").click()
    rows = page.locator("table.coverage tbody tr")
    seed = rows.filter(has_text="Challenges in Deploying Machine Learning")
    expect(seed).to_have_count(1)
    assert int(seed.locator("td").nth(3).inner_text()) >= 38  # its own lifecycle table
    expect(rows.filter(has_text="Extraction one.md").locator("td").nth(4)).to_contain_text("UTC")
    asked: list[str] = []

    def confirm(dialog):  # type: ignore[no-untyped-def]
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", confirm)
    page.get_by_role("button", name="Delete Extraction one.md").click()
    expect(rows.filter(has_text="Extraction one.md")).to_have_count(0)
    assert len(asked) == 1 and "Delete Extraction one.md?" in asked[0]
    assert httpx.get(f"{site}/notes/extraction-one").status_code == 404
    assert (
        httpx.delete(f"{site}/notes/extraction-two", headers={"Authorization": "Bearer secret-token"}).status_code
        == 204
    )
