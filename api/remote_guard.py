"""Refuse SPARQL that would make the server fetch URLs (SERVICE, LOAD), decided on the parsed query.

Only text that could hold such an operation is parsed: one without the words "service" or "load"
and without codepoint escapes (which SPARQL expands before parsing) cannot. What the parser
cannot read is refused, since the guard cannot tell what it would do.
"""

import re
from typing import Any

from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from kg.errors import BadRequest, Forbidden

_MAY_FETCH = re.compile(r"service|load|\\u|\\U", re.IGNORECASE)
_FETCHING = {"ServiceGraphPattern": "SERVICE", "Load": "LOAD"}


def refuse_remote(operation: str, update: bool = False) -> None:
    """Raise Forbidden when `operation` holds SERVICE or LOAD; BadRequest when it cannot be checked."""
    if not _MAY_FETCH.search(operation):
        return
    try:
        tree = parseUpdate(operation) if update else parseQuery(operation)
    except (ParseBaseException, ValueError, TypeError) as error:
        raise BadRequest(
            f"the {'update' if update else 'query'} mentions SERVICE or LOAD (or uses \\u escapes) and could not "
            f"be checked, so it is refused: {error}"
        ) from error
    if found := _fetching(tree):
        raise Forbidden(f"{found} is disabled on this endpoint (it would fetch remote URLs; see KG_ALLOW_REMOTE)")


def _fetching(node: Any) -> str | None:
    """The first fetching operation anywhere in a parse tree, by its keyword."""
    if isinstance(node, CompValue):
        if node.name in _FETCHING:
            return _FETCHING[node.name]
        children: Any = node.values()
    elif isinstance(node, list | tuple | ParseResults):
        children = node
    else:
        return None
    for child in children:
        if found := _fetching(child):
            return found
    return None
