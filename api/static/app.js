// mlkg's page: ask, browse the lifecycle graph, run SPARQL, import notes.
// Every text from the graph is put into the page with textContent (never as HTML).
"use strict";

const ID = "https://w3id.org/mlkg/id/";
const KINDS = ["stage", "step", "concern", "solution", "paper", "note"];
const PLURAL = { stage: "stages", step: "steps", concern: "concerns", paper: "papers", solution: "solutions" };
const COLOURS = { stage: "#5b2c83", step: "#0f5e7a", concern: "#a3340f", paper: "#2f6b1f", note: "#6b5200", solution: "#8a1a5c" };
const PREFIXES = `PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX concern: <https://w3id.org/mlkg/id/concern/>
PREFIX step: <https://w3id.org/mlkg/id/step/>
PREFIX stage: <https://w3id.org/mlkg/id/stage/>
PREFIX paper: <https://w3id.org/mlkg/id/paper/>
PREFIX note: <https://w3id.org/mlkg/id/note/>
`;
const EXAMPLE = `SELECT ?concern ?label ?step WHERE {
  ?concern a mlkg:Concern ; rdfs:label ?label ; mlkg:step/rdfs:label ?step .
} ORDER BY ?step ?label LIMIT 50`;

const main = () => document.getElementById("main");

/** Build an element; string children become text nodes, so nothing is parsed as HTML. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function kindOf(iri) {
  return iri.startsWith(ID) ? iri.slice(ID.length).split("/")[0] : "";
}

function slugOf(iri) {
  return iri.slice(iri.lastIndexOf("/") + 1);
}

/** A note's id is its IRI after `.../note/`: its vault path, slugged, folders included. */
function noteIdOf(iri) {
  return iri.slice(`${ID}note/`.length);
}

/** Where the page shows a node: notes have their own view (with their source), others the node view. */
function href(iri, line) {
  if (kindOf(iri) === "note") return `#/note/${encodeURIComponent(noteIdOf(iri))}` + (line ? `?line=${line}` : "");
  return `#/node/${encodeURIComponent(iri)}`;
}

function link(item, line) {
  const kind = kindOf(item.iri);
  return el("a", { href: href(item.iri, line) }, kind ? el("span", { class: `badge k-${kind}` }, kind) : null,
    item.label || item.title || slugOf(item.iri));
}

// The token the user gave (write token, or the read token of a private server), sent with every call.
function authorization() {
  const token = (sessionStorage.getItem("mlkg-token") || "").trim();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function getJSON(url, options = {}) {
  const sent = sessionStorage.getItem("mlkg-token") || "";
  const response = await fetch(url, { ...options, headers: { Accept: "application/json", ...authorization(), ...(options.headers || {}) } });
  if (response.status === 401) return askForToken(url, options, sent);
  if (!response.ok) throw await failure(response);
  if (response.status === 204) return null;
  const body = await response.json().catch(() => null);
  // a paged list says how long the whole list is in a header
  return options.counted ? { body, total: Number(response.headers.get("X-Total-Count")) } : body;
}

// A private server (KG_READ_TOKEN) answers 401 until the page has a token: ask once, then try again.
async function askForToken(url, options, sent) {
  // a call refused with an older token than the one now kept (another call asked meanwhile) just goes again
  if ((sessionStorage.getItem("mlkg-token") || "") !== sent) return getJSON(url, options);
  const given = window.prompt("This mlkg server is private. Enter its read token (or the write token):");
  if (!given || !given.trim()) throw Object.assign(new Error("This server needs its read token."), { problems: [], status: 401 });
  sessionStorage.setItem("mlkg-token", given.trim());
  return getJSON(url, options);
}

// An error answer (the one error shape) as an Error for showError.
async function failure(response) {
  const body = await response.json().catch(() => null);
  const error = body && body.error ? body.error : { message: `${response.status} ${response.statusText}` };
  return Object.assign(new Error(error.message), { problems: error.problems || [], status: response.status });
}

function showError(target, error) {
  target.append(el("p", { class: "error", role: "alert" }, error.message,
    ...(error.problems || []).map((p) => el("span", { class: "problem" }, `${p.path || ""}:${p.line || ""} ${p.message}`))));
}

function setView(title, ...content) {
  const target = main();
  target.replaceChildren(el("h1", {}, title), ...content);
  document.title = `${title} · mlkg`;
  for (const a of document.querySelectorAll("nav a")) {
    const here = location.hash || "#/";
    a.toggleAttribute("aria-current", a.getAttribute("href") === here.split("?")[0]);
    if (a.hasAttribute("aria-current")) a.setAttribute("aria-current", "page");
  }
  return target;
}

function list(items, render = (x) => link(x)) {
  if (!items || !items.length) return el("span", { class: "muted" }, "none");
  return el("ul", {}, items.map((item) => el("li", {}, render(item))));
}

function facts(rows) {
  const dl = el("dl", { class: "facts" });
  for (const [name, value] of rows) {
    if (value === null || value === undefined) continue;
    dl.append(el("dt", {}, name), el("dd", {}, value));
  }
  return dl;
}

function sourceLink(source) {
  const note = { iri: source.note, label: `${source.path}:${source.line}` };
  return link(note, source.line);
}

function paperName(p) {
  return el("span", {}, link({ iri: p.iri, label: p.title || p.identifier || p.label }),
    p.identifier && p.title ? el("span", { class: "muted" }, ` ${p.identifier}`) : null);
}

// `common`: papers and notes already said once above the answers, left out of each card
function contextFacts(hit, common = new Set()) {
  // all of them said above: the row goes; none at all: the row says so
  const own = (items, render) => {
    const left = (items || []).filter((item) => !common.has(item.iri));
    return left.length || !(items || []).length ? list(left, render) : null;
  };
  return facts([
    ["Stage", hit.stage ? link(hit.stage) : null],
    ["Step", hit.step ? link(hit.step) : null],
    ["Definition", hit.definition || null],
    ["Papers", own(hit.papers, paperName)],
    ["Notes", own(hit.notes)],
    ["Solutions", list(hit.solutions)],
    ["Related", hit.related && hit.related.length ? list(hit.related, (r) => el("span", {}, link(r), ` (${r.reason})`)) : null],
    ["Sources", list(hit.sources, sourceLink)],
  ]);
}

// ---------------------------------------------------------------- ask

function askView(params) {
  const question = params.get("q") || "";
  const kind = KINDS.includes(params.get("type")) ? params.get("type") : "";
  const input = el("input", { type: "search", id: "q", name: "q", value: question, required: true,
    placeholder: "someone is copying my model through the API", autocomplete: "off" });
  const select = el("select", { id: "kind", name: "type" }, el("option", { value: "" }, "All kinds"),
    KINDS.map((k) => el("option", { value: k, selected: k === kind }, `${k}s`)));
  const form = el("form", { class: "row", role: "search", onsubmit: (event) => {
    event.preventDefault();
    location.hash = `#/?q=${encodeURIComponent(input.value)}${select.value ? `&type=${select.value}` : ""}`;
  } }, el("div", { class: "field" }, el("label", { for: "q" }, "Question"), input),
    el("div", { class: "field narrow" }, el("label", { for: "kind" }, "Kind"), select), el("button", { type: "submit" }, "Ask"));
  const results = el("section", { id: "results", "aria-label": "Answers" });
  setView("Ask the graph", form, results);
  if (question) runAsk(question, kind, results);
  else input.focus();
}

// Papers and notes that discuss every answer say nothing about any one of them: said once, above.
function commonToAll(hits) {
  if (hits.length < 2) return [];
  const sets = hits.map((h) => new Set([...(h.papers || []), ...(h.notes || [])].map((x) => x.iri)));
  const first = [...(hits[0].papers || []), ...(hits[0].notes || [])];
  return first.filter((item) => sets.every((set) => set.has(item.iri)));
}

function why(hit) {
  const matched = hit.matched || { field: "label", text: hit.why };
  const source = matched.note ? { note: matched.note, path: matched.path, line: matched.line } : null;
  return el("p", { class: "why" }, el("span", { class: "muted" }, `Matched ${matched.field}: `), matched.text,
    source ? el("span", { class: "muted" }, " — ", sourceLink(source)) : null);
}

async function runAsk(question, kind, results) {
  results.replaceChildren(el("p", { class: "muted" }, "Searching…"));
  try {
    const answer = await getJSON(`/ask?q=${encodeURIComponent(question)}&k=5${kind ? `&type=${kind}` : ""}`);
    const began = performance.now();
    const common = commonToAll(answer.hits);
    const shared = new Set(common.map((c) => c.iri));
    const hits = el("ol", { class: "hits" }, answer.hits.map((hit) => el("li", { class: `hit match-${hit.match}` },
      el("h3", {}, link(hit), el("span", { class: "muted" }, ` ${hit.score.toFixed(3)}`),
        el("span", { class: "match" }, `${hit.match} match`)),
      hit.stage || hit.step ? el("div", { class: "path" }, [hit.stage && hit.stage.label, hit.step && hit.step.label].filter(Boolean).join(" › ")) : null,
      why(hit), contextFacts(hit, shared))));
    const together = common.length ? el("div", { class: "common" }, el("p", {}, "Every answer below is discussed by:"),
      list(common, (c) => c.iri.includes("/paper/") ? paperName(c) : link(c))) : null;
    const notice = answer.message ? el("p", { class: "notice", role: "status" }, `Nothing in the graph matches this question well. These are only the closest concerns.`) : null;
    results.replaceChildren(el("p", { class: "muted" }, `${answer.hits.length} answers in ${answer.took_ms} ms`),
      ...[notice, together].filter(Boolean), hits);
    results.dataset.renderMs = (performance.now() - began).toFixed(1);
  } catch (error) {
    results.replaceChildren();
    showError(results, error);
  }
}

// ---------------------------------------------------------------- graph

const loading = {};
/** Load one of the page's own scripts once (the vendored libraries load only on the views that use them). */
function loadScript(src) {
  loading[src] = loading[src] || new Promise((resolve, reject) => {
    const script = el("script", { src });
    script.onload = () => resolve();
    script.onerror = () => { delete loading[src]; reject(new Error(`${src} did not load`)); };
    document.head.append(script);
  });
  return loading[src];
}

function loadStyle(url) {
  if (!document.querySelector(`link[href="${url}"]`)) document.head.append(el("link", { rel: "stylesheet", href: url }));
}

/** A node's neighbourhood (graph.js, which loads cytoscape and the layout only where a graph is drawn). */
async function graphSection(iri) {
  await loadScript("/static/graph.js");
  return window.neighbourhoodSection(iri);
}

// ---------------------------------------------------------------- node and note views

async function nodeView(iri) {
  const kind = kindOf(iri);
  const target = setView(slugOf(iri), el("p", { class: "muted" }, "Loading…"));
  if (!PLURAL[kind]) return showError(target, new Error(`${iri} is not a stage, step, concern, paper or solution`));
  try {
    const node = await getJSON(`/${PLURAL[kind]}/${encodeURIComponent(slugOf(iri))}`);
    setView(node.label || slugOf(iri), el("p", {}, el("span", { class: `badge k-${kind}` }, kind), el("code", {}, iri)),
      contextFacts(node), await graphSection(iri));
  } catch (error) {
    target.replaceChildren(el("h1", {}, slugOf(iri)));
    showError(target, error);
  }
}

function sourceView(markdown, line) {
  if (markdown === null || markdown === undefined) return el("p", { class: "muted" }, "The markdown of this note was not kept.");
  const pre = el("pre", { class: "source", "aria-label": "Source" },
    markdown.split("\n").map((text, i) => el("span", { id: `L${i + 1}`, "data-n": i + 1, class: i + 1 === line ? "at" : null }, text)));
  return pre;
}

function discussion(d) {
  const how = d.method === "table" ? "in its table" : `${d.method}, ${Number(d.score).toFixed(2)}`;
  return el("span", {}, link(d, d.line), ` (${how})`, d.evidence ? el("span", { class: "muted" }, ` — “${d.evidence}”`) : null);
}

async function noteView(id, params) {
  const line = Number(params.get("line")) || 0;
  const target = setView(id, el("p", { class: "muted" }, "Loading…"));
  try {
    const note = await getJSON(`/notes/${encodeURIComponent(id)}`);
    const graph = await graphSection(note.iri);
    setView(note.title || note.path, el("p", {}, el("span", { class: "badge k-note" }, "note"), el("code", {}, note.path)),
      el("h2", {}, "Discusses"), list(note.discusses, discussion),
      el("h2", {}, "Source"), sourceView(note.markdown, line), graph);
    // only now is the source in the page: scrolling a detached line does nothing
    if (line) document.getElementById(`L${line}`)?.scrollIntoView({ block: "center" });
  } catch (error) {
    if (error.status === 404) {
      // a wikilink target not imported yet: other notes link to it, so it has a neighbourhood
      setView(id, el("p", {}, "This note is linked from other notes but has not been imported yet."),
        await graphSection(`${ID}note/${id}`));
      return;
    }
    target.replaceChildren(el("h1", {}, id));
    showError(target, error);
  }
}

// ---------------------------------------------------------------- lifecycle overview

async function lifecycleView() {
  const target = setView("The lifecycle", el("p", { class: "muted" }, "Loading…"));
  try {
    const stages = await getJSON("/lifecycle");
    const concerns = stages.flatMap((s) => s.steps.flatMap((st) => st.concerns));
    const gaps = concerns.filter((c) => c.papers === 0).length;
    const steps = stages.reduce((n, s) => n + s.steps.length, 0);
    const missing = gaps === 0 ? "every concern has at least one paper" : `${gaps} with no paper yet (highlighted)`;
    const graph = await lifecycleGraph(stages);
    setView("The lifecycle",
      el("p", { class: "muted" }, `${stages.length} stages, ${steps} steps, ${concerns.length} concerns; ${missing}.`), graph,
      el("p", { class: "legend" }, "Beside each concern: ", el("span", { class: "count" }, "papers · notes"), " that discuss it."),
      el("div", { class: "lifecycle" }, stages.map((stage) => el("section", { class: "stage", "aria-label": stage.label },
        el("h2", {}, link(stage)),
        stage.steps.map((step) => el("div", { class: "step" }, el("h3", {}, link(step)),
          el("ul", { class: "concerns" }, step.concerns.map((c) => el("li", { class: c.papers === 0 ? "gap" : null },
            el("a", { href: href(c.iri) }, c.label),
            el("span", { class: "count", title: `${c.papers} papers, ${c.notes} notes` }, `${c.papers} · ${c.notes}`))))))))));
  } catch (error) {
    target.replaceChildren(el("h1", {}, "The lifecycle"));
    showError(target, error);
  }
}

async function lifecycleGraph(stages) {
  await loadScript("/static/graph.js");
  return window.lifecycleGraphSection(stages);
}

// ---------------------------------------------------------------- coverage

function table(caption, header, rows) {
  return el("table", { class: "coverage" }, el("caption", {}, caption),
    el("thead", {}, el("tr", {}, header.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, rows.length ? rows.map((row) => el("tr", {}, row.map((c) => el("td", {}, c))))
      : el("tr", {}, el("td", { colspan: header.length, class: "muted" }, "None."))));
}

async function coverageView() {
  const target = setView("Coverage of the literature", el("p", { class: "muted" }, "Loading…"));
  try {
    const report = await getJSON("/coverage");
    const steps = report.stages.flatMap((stage) => stage.steps.map((step) =>
      [stage.label, link(step), String(step.concerns), String(step.notes), String(step.papers)]));
    const placed = (c) => [link(c), c.stage, c.step];
    setView("Coverage of the literature",
      el("p", { class: "muted" }, `${report.concerns_without_papers.length} concerns no paper discusses, `
        + `${report.concerns_with_one_paper.length} only one paper discusses. Download as `,
        el("a", { href: "/coverage?format=csv", download: "coverage.csv" }, "CSV"), " or ",
        el("a", { href: "/coverage?format=markdown", download: "coverage.md" }, "markdown"), "."),
      table("Concerns, notes and papers per step", ["Stage", "Step", "Concerns", "Notes", "Papers"], steps),
      table("Concerns no paper discusses", ["Concern", "Stage", "Step"], report.concerns_without_papers.map(placed)),
      table("Most central concerns (PageRank over concerns, papers and notes)", ["Concern", "Step", "Score", "Papers", "Notes"],
        report.central_concerns.map((c) => [link(c), c.step, c.score.toFixed(4), String(c.papers), String(c.notes)])),
      table("Notes that link no concern", ["Note"], report.notes_without_concerns.map((n) => [link({ iri: n.iri, label: n.path })])),
      table("Concerns only one paper discusses", ["Concern", "Stage", "Step"], report.concerns_with_one_paper.map(placed)));
  } catch (error) {
    target.replaceChildren(el("h1", {}, "Coverage of the literature"));
    showError(target, error);
  }
}

// ---------------------------------------------------------------- notes

function when(iso) {
  return iso ? iso.replace("T", " ").replace("+00:00", " UTC") : "";
}

const NOTES_PER_PAGE = 100;

async function notesView(params) {
  const size = Math.max(1, Math.floor(Number(params.get("size"))) || NOTES_PER_PAGE);
  const offset = Math.max(0, Math.floor(Number(params.get("offset"))) || 0);
  const filter = params.get("path") || "";
  const go = (changes) => {
    const next = new URLSearchParams({ path: filter, offset, size, ...changes });
    if (!next.get("path")) next.delete("path");
    if (Number(next.get("size")) === NOTES_PER_PAGE) next.delete("size");
    location.hash = `#/notes?${next}`;
  };
  const target = setView("Notes", el("p", { class: "muted" }, "Loading…"));
  try {
    const asked = new URLSearchParams({ offset, limit: size });
    if (filter) asked.set("path", filter);
    const { body: notes, total } = await getJSON(`/notes?${asked}`, { counted: true });
    const outcome = el("section", { id: "notes-outcome", "aria-label": "Deletion" });
    const remove = async (note) => {
      if (!window.confirm(`Delete ${note.path}? What only this note asserted disappears from the graph.`)) return;
      const token = (sessionStorage.getItem("mlkg-token") || window.prompt("Write token (printed by kg serve):") || "").trim();
      if (!token) return;
      sessionStorage.setItem("mlkg-token", token);
      try {
        await getJSON(`/notes/${note.id}`, { method: "DELETE", headers: { Authorization: `Bearer ${token}` } });
        showHealth();
        notesView(params);
      } catch (error) {
        outcome.replaceChildren();
        showError(outcome, error);
      }
    };
    const rows = notes.map((n) => [
      el("a", { href: `#/note/${n.id}` }, n.title || n.path), el("code", {}, n.path),
      n.paper ? link({ iri: n.paper, label: slugOf(n.paper) }) : "", String(n.concepts), when(n.imported),
      el("button", { type: "button", class: "secondary", "aria-label": `Delete ${n.path}`, onclick: () => remove(n) }, "Delete")]);
    const input = el("input", { type: "search", id: "note-path", name: "path", value: filter, autocomplete: "off",
      placeholder: "Security/" });
    const search = el("form", { class: "row", role: "search", onsubmit: (event) => {
      event.preventDefault();
      go({ path: input.value.trim(), offset: 0 });
    } }, el("div", { class: "field" }, el("label", { for: "note-path" }, "Vault path contains"), input),
      el("button", { type: "submit" }, "Filter"));
    const shown = notes.length ? `${offset + 1}–${offset + notes.length} of ${total}` : `none of ${total}`;
    const pager = el("nav", { class: "row pager", "aria-label": "Pages of notes" },
      el("button", { type: "button", class: "secondary", disabled: offset === 0, onclick: () => go({ offset: Math.max(offset - size, 0) }) }, "Previous"),
      el("span", { class: "muted", "aria-live": "polite" }, `Notes ${shown}`),
      el("button", { type: "button", class: "secondary", disabled: offset + size >= total, onclick: () => go({ offset: offset + size }) }, "Next"));
    setView("Notes", el("p", { class: "muted" }, `${total} imported note${total === 1 ? "" : "s"}${filter ? ` whose path holds “${filter}”` : ""}. `,
      el("a", { href: "#/import" }, "Import notes")), search, outcome, pager,
      Object.assign(table("Imported notes", ["Note", "Path", "Paper", "Concepts", "Imported", ""], rows), { id: "notes-table" }));
  } catch (error) {
    target.replaceChildren(el("h1", {}, "Notes"));
    showError(target, error);
  }
}

// ---------------------------------------------------------------- SPARQL

async function sparqlView(params) {
  const opened = location.hash;
  const target = setView("SPARQL", el("p", { class: "muted" }, "Type PREFIX and a name to complete the schema's ",
    el("a", { href: "/prefixes" }, "prefixes"), ". Ctrl+Enter runs the query, the share button links to it, "
    + "and the graph's IRIs in the results open their page."));
  loadStyle("/static/vendor/yasgui.min.css");
  try {
    const [prefixes] = await Promise.all([getJSON("/prefixes"), loadScript("/static/vendor/yasgui.min.js"), loadScript("/static/sparql.js")]);
    if (location.hash !== opened) return;  // the user went elsewhere meanwhile
    window.mountSparql(target, params.get("query") || "", prefixes);
  } catch (error) {
    showError(target, error);
  }
}

// ---------------------------------------------------------------- import

function importView() {
  const file = el("input", { type: "file", id: "file", accept: ".md,.markdown,text/markdown", multiple: true });
  const token = el("input", { type: "password", id: "token", autocomplete: "off", value: sessionStorage.getItem("mlkg-token") || "" });
  const outcome = el("section", { id: "outcome", "aria-label": "Import result" });
  const drop = el("div", { class: "drop", role: "button", tabindex: "0", id: "drop" }, "Drop a markdown note here, or press to choose one");
  drop.addEventListener("click", () => file.click());
  drop.addEventListener("keydown", (event) => { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); file.click(); } });
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => { event.preventDefault(); drop.classList.remove("over"); sendAll([...event.dataTransfer.files]); });
  file.addEventListener("change", () => { sendAll([...file.files]); file.value = ""; });  // the same file may be sent again

  async function sendAll(chosen) {
    if (chosen.length <= 1) return send(chosen[0]);
    if (!token.value.trim()) return send(chosen[0]);  // asks for the token first
    sessionStorage.setItem("mlkg-token", token.value);
    const rows = [];
    for (const [i, one] of chosen.entries()) {
      outcome.replaceChildren(el("p", { class: "muted" }, `Importing ${i + 1} of ${chosen.length}: ${one.name}…`));
      const form = new FormData();
      form.append("file", one, one.name);
      try {
        const result = await getJSON("/notes", { method: "POST", body: form, headers: { Authorization: `Bearer ${token.value.trim()}` } });
        const saved = result.notes[0];
        const linked = saved.discusses.filter((d) => d.method !== "table").map((d) => d.label).join(", ");
        rows.push([link({ iri: saved.iri, label: one.name }), saved.status, linked || "nothing", String(saved.warnings.length)]);
      } catch (error) {
        rows.push([one.name, "failed", error.message, ""]);
      }
    }
    showHealth();
    const added = rows.filter((r) => r[1] !== "failed").length;
    outcome.replaceChildren(el("h2", {}, `${added} of ${chosen.length} notes imported`),
      table("Import report", ["File", "Status", "Linked to", "Warnings"], rows));
  }

  async function send(chosen) {
    if (!chosen) return;
    if (!token.value.trim()) {
      outcome.replaceChildren(el("p", { class: "error", role: "alert" },
        "Enter the write token first: kg serve printed it when it first started, and keeps it in api-token in its data folder."));
      token.focus();
      return;
    }
    sessionStorage.setItem("mlkg-token", token.value);
    outcome.replaceChildren(el("p", { class: "muted" }, `Importing ${chosen.name}…`));
    const form = new FormData();
    form.append("file", chosen, chosen.name);
    try {
      const headers = { Authorization: `Bearer ${token.value.trim()}` };
      const result = await getJSON("/notes", { method: "POST", body: form, headers });
      const saved = result.notes[0];
      showHealth();
      const inferred = saved.discusses.filter((d) => d.method !== "table");
      outcome.replaceChildren(el("h2", {}, `${saved.status}: `, link({ iri: saved.iri, label: chosen.name })),
        facts([
          ["Triples", `${saved.triples_added} added, ${saved.triples_removed} removed`],
          ["Defines", String(saved.discusses.length - inferred.length) + " stages, steps and concerns from its tables"],
          ["Linked to", list(inferred, discussion)],
          ["Search index", `${result.index.encoded} texts encoded`],
          ...saved.warnings.map((w) => ["Warning", `line ${w.line}: ${w.message}`]),
        ]));
    } catch (error) {
      outcome.replaceChildren();
      showError(outcome, error);
    }
  }

  setView("Import a note",
    el("div", { class: "field" }, el("label", { for: "token" }, "Write token (printed by kg serve; kept in api-token in its data folder)"), token),
    el("p", {}, el("label", { for: "file" }, "Markdown file"), file), drop, outcome);
}

// ---------------------------------------------------------------- routing

function route() {
  const [path, query] = (location.hash.slice(1) || "/").split("?");
  const params = new URLSearchParams(query || "");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (path.startsWith("query=")) return sparqlView(new URLSearchParams(location.hash.slice(1)));  // YASGUI's share links
  if (parts[0] === "lifecycle") return lifecycleView();
  if (parts[0] === "coverage") return coverageView();
  if (parts[0] === "notes") return notesView(params);
  if (parts[0] === "sparql") return sparqlView(params);
  if (parts[0] === "import") return importView();
  if (parts[0] === "node" && parts[1]) return nodeView(parts.slice(1).join("/"));
  if (parts[0] === "note" && parts[1]) return noteView(parts.slice(1).join("/"), params);
  return askView(params);
}

window.addEventListener("hashchange", () => { route(); main().focus({ preventScroll: true }); });
document.addEventListener("DOMContentLoaded", () => {
  route();
  showHealth();
});

function showHealth() {
  getJSON("/health").then((h) => { document.getElementById("health").textContent = `${h.notes} notes · ${h.triples} triples · ${h.model}`; })
    .catch(() => {});
}
