"""The mlkg ontology, its SHACL shapes and its vocabulary of synonyms, shipped as data."""

from importlib.resources import files
from pathlib import Path

_HERE = Path(str(files(__name__)))

ONTOLOGY_TTL = _HERE / "mlkg.ttl"
SHAPES_TTL = _HERE / "shapes.ttl"
VOCABULARY_TTL = _HERE / "vocabulary.ttl"

ONTOLOGY_GRAPH = "https://w3id.org/mlkg/ontology"
"""Named graph that holds the ontology and the vocabulary in the store."""
