"""The quad store behind mlkg and the SPARQL helpers over it."""
