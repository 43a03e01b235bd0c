"""Markdown notes to RDF: parse, map, validate and import into the store."""
