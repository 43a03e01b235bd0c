"""SPARQL 1.1 Protocol: reading a request into a query or update, and choosing the result format."""

import re
from dataclasses import dataclass, field
from itertools import pairwise
from urllib.parse import parse_qs

import pyoxigraph as ox

from kg.errors import BadRequest, NotAcceptable, UnsupportedEncoding

TABULAR_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdfxml",
}
MEDIA_TYPE = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
FORMAT_ALIASES = {
    "json": "json",
    "xml": "xml",
    "csv": "csv",
    "tsv": "tsv",
    "turtle": "turtle",
    "ttl": "turtle",
    "ntriples": "ntriples",
    "nt": "ntriples",
    "jsonld": "jsonld",
    "rdfxml": "rdfxml",
}


_LITERALS = re.compile(
    r'"""(?:.|\n)*?"""|\'\'\'(?:.|\n)*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>\s]*>|#[^\n]*'
)


def _masked(text: str) -> str:
    """The text with strings, IRIs and comments blanked out, same length, so positions still match."""
    return _LITERALS.sub(lambda m: " " * len(m.group(0)), text)


def _top_level(masked: str, char: str) -> list[int]:
    """Positions of `char` outside any { } block."""
    depth, found = 0, []
    for position, c in enumerate(masked):
        depth += (c == "{") - (c == "}")
        if c == char and depth == 0:
            found.append(position)
    return found


_MODIFY = re.compile(r"(?<![\w?$:-])(INSERT|DELETE)(?![\w:-])(?!\s*(DATA|WHERE)\b)", re.IGNORECASE)
_WHERE = re.compile(r"(?<![\w?$:-])WHERE(?![\w:-])", re.IGNORECASE)
_OWN_DATASET = re.compile(r"(?<![\w?$:-])(USING|WITH)(?![\w:-])", re.IGNORECASE)


def apply_update_dataset(update: str, default_graphs: list[str], named_graphs: list[str]) -> str:
    """Give each INSERT/DELETE ... WHERE operation the protocol's using-graph-uri / using-named-graph-uri."""
    if not default_graphs and not named_graphs:
        return update
    using = " ".join([*(f"USING <{g}>" for g in default_graphs), *(f"USING NAMED <{g}>" for g in named_graphs)])
    masked = _masked(update)
    cuts = [0, *(p + 1 for p in _top_level(masked, ";")), len(update) + 1]
    out, inserts = [], []
    for start, end in pairwise(cuts):
        segment = masked[start : end - 1]
        if not _MODIFY.search(segment):
            continue
        if _OWN_DATASET.search(segment):
            raise BadRequest("the update has its own USING or WITH; it may not also get using-graph-uri parameters")
        wheres = [m.start() for m in _WHERE.finditer(segment) if _depth(segment, m.start()) == 0]
        if wheres:
            inserts.append(start + wheres[0])
    last = 0
    for position in inserts:
        out.extend([update[last:position], f"{using} "])
        last = position
    out.append(update[last:])
    return "".join(out)


def _depth(masked: str, position: int) -> int:
    return masked[:position].count("{") - masked[:position].count("}")


@dataclass
class ProtocolRequest:
    """What a /sparql request asks for."""

    query: str | None = None
    update: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)

    @property
    def has_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise BadRequest(f"the request holds {len(values)} '{name}' parameters; give exactly one")
    return values[0] if values else None


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest(f"the request body is not valid UTF-8 (byte {error.start})") from error


def _check_iri(iri: str) -> None:
    try:
        ox.NamedNode(iri)
    except ValueError as error:
        raise BadRequest(f"dataset graph {iri!r} is not an absolute IRI: {error}") from error


def read_request(method: str, content_type: str, url_params: dict[str, list[str]], body: bytes) -> ProtocolRequest:
    """The operation of a GET or POST to /sparql, checked as the protocol says."""
    media, _, options = (part.strip().lower() for part in content_type.partition(";"))
    charset = options.partition("charset=")[2].split(";")[0].strip().strip('"')
    if charset and charset not in ("utf-8", "utf8"):
        raise UnsupportedEncoding(f"the request body must be UTF-8, not {charset}")
    params = {k: list(v) for k, v in url_params.items()}
    if method == "POST" and media == "application/x-www-form-urlencoded":
        for key, values in parse_qs(_decode(body), keep_blank_values=True).items():
            params.setdefault(key, []).extend(values)
        body_op = None
    elif method == "POST" and media in ("application/sparql-query", "application/sparql-update"):
        body_op = (media.rsplit("-", 1)[1], _decode(body))
    elif method == "POST":
        raise UnsupportedEncoding(
            f"POST /sparql takes application/x-www-form-urlencoded, application/sparql-query or "
            f"application/sparql-update, not {media or 'no content type'!r}"
        )
    else:
        body_op = None
    request = ProtocolRequest(
        query=_one(params, "query"),
        update=_one(params, "update"),
        default_graphs=params.get("default-graph-uri", []) + params.get("using-graph-uri", []),
        named_graphs=params.get("named-graph-uri", []) + params.get("using-named-graph-uri", []),
    )
    for iri in request.default_graphs + request.named_graphs:
        _check_iri(iri)
    if body_op is not None:
        if request.query is not None or request.update is not None:
            raise BadRequest("the operation is in the body; it may not also be a 'query' or 'update' parameter")
        setattr(request, body_op[0], body_op[1])
    if request.query is not None and request.update is not None:
        raise BadRequest("give either 'query' or 'update', not both")
    if request.query is None and request.update is None:
        raise BadRequest("no SPARQL operation: give 'query' (GET or POST) or 'update' (POST)")
    if request.update is not None and method != "POST":
        raise BadRequest("SPARQL updates must be sent with POST")
    return request


def accepted(accept: str) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their quality, best first."""
    ranges = []
    for part in accept.split(","):
        media, *options = (p.strip() for p in part.split(";"))
        quality = 1.0
        for option in options:
            name, _, value = option.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            ranges.append((media.lower(), quality))
    return sorted(ranges, key=lambda r: -r[1])


def choose_format(accept: str, override: str | None, graph_result: bool) -> str:
    """The result format from `format=` or the Accept header; JSON or Turtle when anything goes."""
    offered = GRAPH_TYPES if graph_result else TABULAR_TYPES
    default = "turtle" if graph_result else "json"
    if override:
        fmt = FORMAT_ALIASES.get(override.lower()) or offered.get(override.lower())
        if fmt is None or fmt not in offered.values():
            raise NotAcceptable(
                f"format {override!r} does not fit this query; use one of {sorted(set(offered.values()))}"
            )
        return fmt
    if not accept.strip():
        return default
    for media, quality in accepted(accept):
        if quality <= 0:
            continue
        if media in offered:
            return offered[media]
        if media in ("*/*", "application/*", "text/*"):
            return default
    raise NotAcceptable(f"none of the accepted types ({accept}) is offered; use one of {sorted(offered)}")
