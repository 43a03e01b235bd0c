// Graphs on the page: a node's neighbourhood and the lifecycle overview, laid out in ranks by dagre
// (stage -> step -> concern -> solution, paper -> note), with filters, search, hover and SVG/PNG export.
// Uses the helpers of app.js (el, list, link, href, slugOf, getJSON, showError, loadScript, KINDS, COLOURS).
"use strict";

const RANK = { stage: 0, step: 1, concern: 2, solution: 3, paper: 3, note: 4 };

async function loadLayout() {
  await loadScript("/static/vendor/cytoscape.min.js");
  await loadScript("/static/vendor/cytoscape-dagre.min.js");
  if (!window.cytoscape.__dagre) {
    window.cytoscape.use(window.cytoscapeDagre);
    window.cytoscape.__dagre = true;
  }
  return window.cytoscape;
}

function kindOfNode(node) {
  return KINDS.includes(node.kind) ? node.kind : "note";
}

/** Edges point along the lifecycle for the layout (stage first); an edge turned round keeps its arrow. */
function elements(nodes, edges) {
  const kind = new Map(nodes.map((n) => [n.iri, kindOfNode(n)]));
  return [
    ...nodes.map((n) => ({ data: { id: n.iri, label: n.label || slugOf(n.iri), kind: kindOfNode(n) } })),
    ...edges.filter((e) => kind.has(e.from) && kind.has(e.to)).map((e, i) => {
      const turned = RANK[kind.get(e.from)] > RANK[kind.get(e.to)];
      const rel = e.rel.split(/[#/]/).pop();
      return { data: { id: `e${i}`, source: turned ? e.to : e.from, target: turned ? e.from : e.to, rel, turned } };
    }),
  ];
}

const STYLE = [
  { selector: "node", style: { label: "data(label)", "font-size": 13, "text-wrap": "wrap", "text-max-width": 140,
    "background-color": (n) => COLOURS[n.data("kind")] || "#555", color: "#1b1f24", "text-valign": "bottom",
    "text-margin-y": 3, width: 16, height: 16 } },
  { selector: "node.center", style: { width: 26, height: 26, "border-width": 3, "border-color": "#f2a900" } },
  { selector: "edge", style: { width: 1.2, "line-color": "#9aa3af", "target-arrow-shape": "triangle",
    "target-arrow-color": "#9aa3af", "source-arrow-color": "#9aa3af", "curve-style": "bezier", "font-size": 11,
    "text-background-color": "#fff", "text-background-opacity": 1, "text-background-padding": 2 } },
  { selector: "edge[?turned]", style: { "target-arrow-shape": "none", "source-arrow-shape": "triangle" } },
  { selector: "edge.named", style: { label: "data(rel)", "line-color": "#4a5563", width: 2 } },
  { selector: ".faded", style: { opacity: 0.15 } },
  { selector: "node.found", style: { "border-width": 4, "border-color": "#0b57a3" } },
];

const READABLE_ZOOM = 0.8;

/** Draw and lay out; a graph too big to read once fitted is shown at a readable zoom around `focus`. */
function draw(cytoscape, box, nodes, edges, focus) {
  box.replaceChildren();
  const cy = cytoscape({ container: box, elements: elements(nodes, edges), style: STYLE, minZoom: 0.1, maxZoom: 3 });
  cy.layout({ name: "dagre", rankDir: "LR", nodeSep: 8, rankSep: 90, edgeSep: 4, nodeDimensionsIncludeLabels: true,
    fit: true, padding: 24 }).run();
  const center = focus ? cy.getElementById(focus) : cy.collection();
  center.addClass("center");
  if (cy.zoom() < READABLE_ZOOM) cy.zoom({ level: READABLE_ZOOM, position: (center.nonempty() ? center : cy.nodes()[0]).position() });
  cy.on("mouseover", "node", (event) => {
    const near = event.target.closedNeighborhood();
    cy.elements().not(near).addClass("faded");
    near.edges().addClass("named");
  });
  cy.on("mouseout", "node", () => cy.elements().removeClass("faded named"));
  cy.on("mouseover", "edge", (event) => event.target.addClass("named"));
  cy.on("mouseout", "edge", (event) => event.target.removeClass("named"));
  cy.on("tap", "node", (event) => { location.hash = href(event.target.id()); });
  box.cytoscape = cy;  // for scripts and tests: the live graph behind the picture
  box.dataset.nodes = String(nodes.length);
  return cy;
}

function escapeXml(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

function wrap(label, width = 24) {
  const lines = [];
  for (const word of label.split(/\s+/)) {
    const last = lines[lines.length - 1];
    if (last !== undefined && (last + " " + word).length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** The visible graph as a standalone SVG document: lines with arrowheads, coloured circles, wrapped labels. */
function toSvg(cy) {
  const shown = cy.elements(":visible");
  const box = shown.boundingBox({ includeLabels: true });
  const pad = 16;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${box.x1 - pad} ${box.y1 - pad} ${box.w + 2 * pad} ${box.h + 2 * pad}" `
      + `width="${Math.round(box.w + 2 * pad)}" height="${Math.round(box.h + 2 * pad)}" font-family="sans-serif" font-size="12">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
      + '<path d="M0,0 L10,5 L0,10 z" fill="#9aa3af"/></marker></defs>',
    `<rect x="${box.x1 - pad}" y="${box.y1 - pad}" width="${box.w + 2 * pad}" height="${box.h + 2 * pad}" fill="#fff"/>`,
  ];
  shown.edges().forEach((edge) => {
    const [a, b] = [edge.sourceEndpoint(), edge.targetEndpoint()];
    const arrow = edge.data("turned") ? 'marker-start="url(#arrow)"' : 'marker-end="url(#arrow)"';
    parts.push(`<line x1="${a.x}" y1="${a.y}" x2="${b.x}" y2="${b.y}" stroke="#9aa3af" stroke-width="1.2" ${arrow}>`
      + `<title>${escapeXml(edge.data("rel"))}</title></line>`);
  });
  shown.nodes().forEach((node) => {
    const { x, y } = node.position();
    const r = node.width() / 2;
    parts.push(`<circle cx="${x}" cy="${y}" r="${r}" fill="${COLOURS[node.data("kind")] || "#555"}"><title>${escapeXml(node.id())}</title></circle>`);
    wrap(node.data("label")).forEach((line, i) => {
      parts.push(`<text x="${x}" y="${y + r + 14 + i * 14}" text-anchor="middle" fill="#1b1f24">${escapeXml(line)}</text>`);
    });
  });
  parts.push("</svg>");
  return parts.join("\n");
}

function save(blob, name) {
  const url = URL.createObjectURL(blob);
  el("a", { href: url, download: name }).click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Filter by kind, find a node by name, export: the controls above a graph (`current` gives its cytoscape). */
function graphControls(current, name) {
  const hidden = new Set();
  const kinds = el("fieldset", { class: "kinds" }, el("legend", {}, "Show"), KINDS.map((k) => el("label", {},
    el("input", { type: "checkbox", checked: true, onchange: (event) => {
      if (event.target.checked) hidden.delete(k); else hidden.add(k);
      apply();
    } }), " ", el("span", { class: `badge k-${k}` }, k))));
  const find = el("input", { type: "search", id: `${name}-find`, placeholder: "a node's name", autocomplete: "off" });
  const apply = () => {
    const cy = current();
    if (!cy) return;
    cy.nodes().forEach((n) => n.style("display", hidden.has(n.data("kind")) ? "none" : "element"));
    const words = find.value.trim().toLowerCase();
    cy.nodes().removeClass("found");
    const found = words ? cy.nodes(":visible").filter((n) => n.data("label").toLowerCase().includes(words)) : cy.collection();
    found.addClass("found");
    if (found.nonempty()) cy.animate({ center: { eles: found.first() }, zoom: Math.max(cy.zoom(), 1) }, { duration: 200 });
    find.setAttribute("aria-description", words ? `${found.length} found` : "");
  };
  find.addEventListener("input", apply);
  const exportAs = (format) => () => {
    const cy = current();
    if (!cy) return;
    if (format === "svg") save(new Blob([toSvg(cy)], { type: "image/svg+xml" }), `${name}.svg`);
    else save(cy.png({ full: true, scale: 2, bg: "#ffffff", output: "blob" }), `${name}.png`);
  };
  return { apply, box: el("div", { class: "graph-controls" }, kinds,
    el("p", { class: "row" }, el("label", { for: `${name}-find` }, "Find"), find,
      el("button", { type: "button", class: "secondary", onclick: exportAs("svg") }, "Export SVG"),
      el("button", { type: "button", class: "secondary", onclick: exportAs("png") }, "Export PNG"))) };
}

function wide(box) {
  return getComputedStyle(box).display !== "none";  // phones get the list only (app.css hides the box)
}

/** A node's neighbourhood: depth 1 to 3, the graph (wide screens) and the same nodes as a list. */
function neighbourhoodSection(iri) {
  const box = el("div", { id: "graph", role: "img", "aria-label": "Neighbourhood graph; the same links are listed below" });
  const linked = el("div", { id: "neighbours" });
  const note = el("p", { class: "muted", id: "depth-note", role: "status" });
  const counts = new Map();
  let cy = null;
  const controls = graphControls(() => cy, "neighbourhood");
  const depth = el("select", { id: "depth" }, [1, 2, 3].map((d) => el("option", { value: d }, `${d} link${d > 1 ? "s" : ""} away`)));
  const nodesAt = async (d) => {
    if (!counts.has(d)) counts.set(d, await getJSON(`/graph/neighbours?iri=${encodeURIComponent(iri)}&depth=${d}`));
    return counts.get(d);
  };
  const show = async (d) => {
    try {
      const graph = await nodesAt(d);
      const before = d > 1 ? await nodesAt(d - 1) : null;
      note.textContent = before && before.nodes.length === graph.nodes.length
        ? `Nothing lies ${d} links away that is not already ${d - 1} away: the graph is the same.` : "";
      if (wide(box)) {
        cy = draw(await loadLayout(), box, graph.nodes, graph.edges, iri);
        controls.apply();
      } else {
        box.dataset.nodes = String(graph.nodes.length);
      }
      linked.replaceChildren(el("h3", {}, `${graph.nodes.length - 1} linked nodes`),
        list(graph.nodes.filter((n) => n.iri !== iri).map((n) => ({ iri: n.iri, label: n.label }))));
    } catch (error) {
      linked.replaceChildren();
      showError(linked, error);
    }
  };
  depth.addEventListener("change", () => show(Number(depth.value)));
  queueMicrotask(() => show(1));
  return el("section", { "aria-label": "Neighbourhood" }, el("h2", {}, "Neighbourhood"),
    el("p", { class: "row" }, el("label", { for: "depth" }, "Show nodes up to"), depth), note, controls.box, box, linked);
}

/** The lifecycle as one graph (stage -> step -> concern), drawn when asked for, to read or export. */
function lifecycleGraphSection(stages) {
  const box = el("div", { id: "lifecycle-graph", class: "graph-box", role: "img",
    "aria-label": "The lifecycle as a graph; the same stages, steps and concerns are listed below" });
  let cy = null;
  const controls = graphControls(() => cy, "lifecycle");
  const nodes = [];
  const edges = [];
  for (const stage of stages) {
    nodes.push({ iri: stage.iri, label: stage.label, kind: "stage" });
    for (const step of stage.steps) {
      nodes.push({ iri: step.iri, label: step.label, kind: "step" });
      edges.push({ from: step.iri, to: stage.iri, rel: "stage" });
      for (const concern of step.concerns) {
        nodes.push({ iri: concern.iri, label: concern.label, kind: "concern" });
        edges.push({ from: concern.iri, to: step.iri, rel: "step" });
      }
    }
  }
  const section = el("details", { class: "lifecycle-graph" }, el("summary", {}, "As a graph (to explore or export)"));
  section.addEventListener("toggle", async () => {
    if (!section.open || cy) return;
    try {
      cy = draw(await loadLayout(), box, nodes, edges, null);
      controls.apply();
    } catch (error) {
      showError(section, error);
    }
  });
  section.append(controls.box, box);
  return section;
}

window.neighbourhoodSection = neighbourhoodSection;
window.lifecycleGraphSection = lifecycleGraphSection;
