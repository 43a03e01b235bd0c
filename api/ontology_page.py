"""Human-readable documentation of the mlkg ontology, generated from `ontology/mlkg.ttl` itself."""

from collections.abc import Iterable
from functools import lru_cache
from html import escape

from rdflib import OWL, RDF, RDFS, Graph, URIRef
from rdflib.term import Node

from ontology import ONTOLOGY_GRAPH, ONTOLOGY_TTL

KINDS = [
    (OWL.Class, "Classes", "classes"),
    (OWL.ObjectProperty, "Object properties", "object-properties"),
    (OWL.DatatypeProperty, "Datatype properties", "datatype-properties"),
]


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    """The ontology file, parsed once."""
    return Graph().parse(ONTOLOGY_TTL, format="turtle")


def anchor(term: Node) -> str:
    """The anchor of a term on the page: its local name (`#Concern`, `#hasStep`)."""
    return str(term).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _name(graph: Graph, term: Node) -> str:
    """A term as a link: to its anchor when the ontology defines it, else to its IRI."""
    prefix, _, local = (
        graph.namespace_manager.normalizeUri(term).partition(":") if isinstance(term, URIRef) else ("", "", "")
    )
    label = f"{prefix}:{local}" if local else str(term)
    own = isinstance(term, URIRef) and str(term).startswith(f"{ONTOLOGY_GRAPH}#")
    href = f"#{anchor(term)}" if own else str(term)
    return f'<a href="{escape(href)}"><code>{escape(label)}</code></a>'


def _links(graph: Graph, terms: Iterable[Node]) -> list[str]:
    return [_name(graph, t) for t in sorted(terms, key=str)]


def _row(heading: str, values: list[str]) -> str:
    return f"<dt>{heading}</dt><dd>{', '.join(values)}</dd>" if values else ""


def _term(graph: Graph, term: URIRef) -> str:
    label = graph.value(term, RDFS.label) or anchor(term)
    comment = graph.value(term, RDFS.comment)
    rows = [
        _row("IRI", [f"<code>{escape(str(term))}</code>"]),
        _row("Subclass of", _links(graph, graph.objects(term, RDFS.subClassOf))),
        _row("Domain", _links(graph, graph.objects(term, RDFS.domain))),
        _row("Range", _links(graph, graph.objects(term, RDFS.range))),
        _row(
            "Types",
            _links(graph, (c for c in graph.objects(term, RDF.type) if c not in {k for k, _, _ in KINDS})),
        ),
        _row("Properties with this domain", _links(graph, graph.subjects(RDFS.domain, term))),
    ]
    text = f"<p>{escape(str(comment))}</p>" if comment else ""
    return f'<section id="{escape(anchor(term))}"><h3>{escape(str(label))}</h3>{text}<dl>{"".join(rows)}</dl></section>'


@lru_cache(maxsize=1)
def ontology_html() -> str:
    """The whole page: the ontology's title and comment, a contents list, then every class and property."""
    graph = ontology_graph()
    root = URIRef(ONTOLOGY_GRAPH)
    title = str(graph.value(root, RDFS.label) or "mlkg ontology")
    parts, contents = [], []
    for kind, heading, section in KINDS:
        terms = sorted(t for t in graph.subjects(RDF.type, kind) if isinstance(t, URIRef))
        contents.append(f'<li><a href="#{section}">{heading}</a>: {", ".join(_name(graph, t) for t in terms)}</li>')
        parts.append(f'<section id="{section}"><h2>{heading}</h2>{"".join(_term(graph, t) for t in terms)}</section>')
    comment = escape(str(graph.value(root, RDFS.comment) or ""))
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="stylesheet" href="/static/app.css"></head><body><main class="ontology">'
        f"<h1>{escape(title)}</h1><p><code>{escape(ONTOLOGY_GRAPH)}</code> · version "
        f"{escape(str(graph.value(root, OWL.versionInfo) or ''))} · also as "
        '<a href="?format=turtle">Turtle</a>, <a href="?format=jsonld">JSON-LD</a>, '
        f'<a href="?format=rdfxml">RDF/XML</a></p><p>{comment}</p><ul>{"".join(contents)}</ul>'
        f"{''.join(parts)}</main></body></html>"
    )
