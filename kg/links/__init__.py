"""Linking notes to the concepts and notes they discuss, kept current as the vault changes."""
