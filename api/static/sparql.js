// The SPARQL page: YASGUI (vendored) against this server's /sparql, loaded only when the page is opened.
// Uses the helpers of app.js (el, href, kindOf, authorization, failure, showError).
"use strict";

const RECENT_KEY = "mlkg-recent-queries";
const RECENT_MAX = 10;

function recentQueries() {
  try {
    const kept = JSON.parse(localStorage.getItem(RECENT_KEY) || "[]");
    return Array.isArray(kept) ? kept.filter((q) => typeof q === "string") : [];
  } catch (error) {
    return [];  // a damaged entry is forgotten, not fatal
  }
}

function remember(query) {
  const kept = [query, ...recentQueries().filter((q) => q !== query)].slice(0, RECENT_MAX);
  localStorage.setItem(RECENT_KEY, JSON.stringify(kept));
}

/** Table cells link IRIs to the IRI itself; ours open their node view in the page instead. */
function linkIrisToNodes(root) {
  const rewrite = () => {
    for (const a of root.querySelectorAll("a.iri")) {
      const iri = a.getAttribute("href") || "";
      if (kindOf(iri)) {
        a.setAttribute("href", href(iri));
        a.removeAttribute("target");
      }
    }
  };
  new MutationObserver(rewrite).observe(root, { childList: true, subtree: true });
  rewrite();
}

/** Fields YASGUI leaves unnamed, named for screen readers. */
function nameControls(root) {
  const names = [
    ["input.autocomplete", "SPARQL endpoint"],
    [".tab input", "Tab name"],
    ["textarea", "SPARQL query"],
    ["select", "Accepted result format"],
    [".yasqe_sharePopup input", "Link to this query"],
    ["input", "Filter"],
  ];
  const apply = () => {
    for (const [selector, name] of names) {
      for (const node of root.querySelectorAll(selector)) if (!node.getAttribute("aria-label")) node.setAttribute("aria-label", name);
    }
  };
  new MutationObserver(apply).observe(root, { childList: true, subtree: true });
  apply();
}

/** The page's token goes on each query request only: in YASGUI's own settings it would be written into
share links and kept in localStorage. */
function sendToken(yasqe) {
  if (yasqe.mlkgToken) return;
  yasqe.mlkgToken = true;
  yasqe.on("query", (_yasqe, request) => {
    for (const [name, value] of Object.entries(authorization())) request.headers.set(name, value);
  });
}

function yasguiConfig(prefixes) {
  return {
    persistenceId: "mlkg-sparql",
    populateFromUrl: false,
    copyEndpointOnNewTab: true,
    requestConfig: {
      endpoint: `${location.origin}/sparql`,
      method: "POST",
      acceptHeaderSelect: "application/sparql-results+json,*/*;q=0.9",
      acceptHeaderGraph: "text/turtle,*/*;q=0.9",
    },
    yasqe: {
      value: `${PREFIXES}\n${EXAMPLE}`,
      prefixCcApi: "/prefixes",
      autocompleters: ["prefixes", "variables"],
      consumeShareLink: null,
      editorHeight: "260px",
    },
    yasr: { prefixes, pluginOrder: ["table", "response"], defaultPlugin: "table" },
  };
}

async function downloadResults(yasgui, accept, name, output) {
  const query = yasgui.getTab().getYasqe().getValue();
  const response = await fetch("/sparql", { method: "POST", body: new URLSearchParams({ query }), headers: { Accept: accept, ...authorization() } });
  output.replaceChildren();
  if (!response.ok) return showError(output, await failure(response));  // an error is shown, never saved as results
  const url = URL.createObjectURL(await response.blob());
  el("a", { href: url, download: name }).click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function recentList(yasgui) {
  const box = el("details", { id: "recent" });
  const draw = () => {
    const kept = recentQueries();
    box.replaceChildren(el("summary", {}, `Recent queries (${kept.length})`), el("ol", {}, kept.map((query) => el("li", {},
      el("button", { type: "button", class: "link", onclick: () => yasgui.getTab().getYasqe().setValue(query) },
        query.replace(/^PREFIX[^\n]*\n/gm, "").trim().slice(0, 120))))));
  };
  draw();
  return { box, draw };
}

/** Build the editor in `target`; `initial` (a shared link's query) replaces the current tab's query. */
async function mountSparql(target, initial, prefixes) {
  const Yasgui = window.Yasgui.default || window.Yasgui;
  Yasgui.Yasr.plugins.table.defaults.openIriInNewWindow = false;
  const editor = el("div", { id: "yasgui" });
  const output = el("section", { id: "rows", "aria-label": "Downloads" });
  target.append(editor);
  const yasgui = new Yasgui(editor, yasguiConfig(prefixes));
  if (initial) yasgui.getTab().getYasqe().setValue(initial);
  sendToken(yasgui.getTab().getYasqe());
  yasgui.on("queryBefore", (_yasgui, tab) => sendToken(tab.getYasqe()));
  const recent = recentList(yasgui);
  yasgui.on("query", (_yasgui, tab) => { remember(tab.getYasqe().getValue()); recent.draw(); });
  linkIrisToNodes(editor);
  nameControls(editor);
  // YASGUI's own "+" sits inside the tablist, where only tabs may be (hidden by app.css): this one stands in
  target.append(el("p", { class: "row" },
    el("button", { type: "button", class: "secondary", onclick: () => yasgui.addTab(true) }, "New query tab"),
    el("button", { type: "button", class: "secondary", onclick: () => downloadResults(yasgui, "text/csv", "results.csv", output) }, "Download CSV"),
    el("button", { type: "button", class: "secondary", onclick: () => downloadResults(yasgui, "application/sparql-results+json", "results.json", output) }, "Download JSON")),
  output, recent.box);
  return yasgui;
}

window.mountSparql = mountSparql;
