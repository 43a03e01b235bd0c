"""Reading SPARQL protocol requests and negotiating result formats, without a server."""

import pytest

from api.sparql_protocol import choose_format, read_request
from kg.errors import BadRequest, NotAcceptable, UnsupportedEncoding


def test_form_body_direct_body_and_dataset():
    form = read_request("POST", "application/x-www-form-urlencoded", {}, b"query=ASK%7B%7D&default-graph-uri=urn:g")
    assert (form.query, form.default_graphs, form.has_dataset) == ("ASK{}", ["urn:g"], True)
    direct = read_request("POST", "application/sparql-query; charset=utf-8", {"named-graph-uri": ["urn:n"]}, b"ASK {}")
    assert (direct.query, direct.named_graphs) == ("ASK {}", ["urn:n"])
    update = read_request("POST", "application/sparql-update", {}, b"CLEAR ALL")
    assert update.update == "CLEAR ALL" and update.query is None


@pytest.mark.parametrize(
    ("method", "content_type", "params", "body", "error"),
    [
        ("GET", "", {}, b"", BadRequest),
        ("GET", "", {"query": ["ASK {}", "ASK {}"]}, b"", BadRequest),
        ("GET", "", {"update": ["CLEAR ALL"]}, b"", BadRequest),
        ("GET", "", {"query": ["ASK {}"], "update": ["CLEAR ALL"]}, b"", BadRequest),
        ("POST", "text/plain", {}, b"ASK {}", UnsupportedEncoding),
        ("POST", "application/sparql-query", {"query": ["ASK {}"]}, b"ASK {}", BadRequest),
        ("POST", "application/sparql-query", {}, b"ASK { '\xff' }", BadRequest),
        ("GET", "", {"query": ["ASK {}"], "default-graph-uri": [""]}, b"", BadRequest),
        ("GET", "", {"query": ["ASK {}"], "named-graph-uri": ["not an iri"]}, b"", BadRequest),
    ],
)
def test_malformed_requests(method, content_type, params, body, error):
    with pytest.raises(error):
        read_request(method, content_type, params, body)


@pytest.mark.parametrize(
    ("accept", "override", "graph", "expected"),
    [
        ("", None, False, "json"),
        ("", None, True, "turtle"),
        ("text/csv;q=0.5, application/sparql-results+xml", None, False, "xml"),
        ("application/sparql-results+xml;q=0.1, text/tab-separated-values;q=0.9", None, False, "tsv"),
        ("*/*", None, True, "turtle"),
        ("text/html", "csv", False, "csv"),
        ("application/rdf+xml", None, True, "rdfxml"),
    ],
)
def test_content_negotiation(accept, override, graph, expected):
    assert choose_format(accept, override, graph) == expected


def test_nothing_acceptable():
    with pytest.raises(NotAcceptable):
        choose_format("image/png", None, False)
    with pytest.raises(NotAcceptable):
        choose_format("", "turtle", False)
