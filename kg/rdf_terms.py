"""The ontology's namespaces as rdflib terms, for the code that builds graphs with rdflib (the importer,
validation). Apart from kg.iris so that reading the graph (`kg ask`) never imports rdflib (0.08 s)."""

from rdflib import Namespace, URIRef

from kg.iris import ID_BASE
from kg.store.quad_store import PREFIXES

MLKG = Namespace(PREFIXES["mlkg"])
PROV = Namespace(PREFIXES["prov"])
LIFECYCLE_SCHEME = URIRef(f"{ID_BASE}scheme/lifecycle")
