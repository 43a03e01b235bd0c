"""The kinds of node that search ranks (no imports, for fast command-line help)."""

KINDS = ("concern", "step", "stage", "paper", "solution", "note")
