"""The ontology's namespaces as rdflib terms, for the code that builds graphs with rdflib (the importer,
validation). Apart from kg.iris so that reading the graph (`kg ask`) never imports rdflib (0.08 s)."""

from rdflib import Namespace, URIRef

from kg.iris import ID_BASE

MLKG = Namespace("https://w3id.org/mlkg/ontology#")
PROV = Namespace("http://www.w3.org/ns/prov#")
LIFECYCLE_SCHEME = URIRef(f"{ID_BASE}scheme/lifecycle")
