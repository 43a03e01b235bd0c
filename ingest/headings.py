"""Heading normalisation: 'Data analysis: uncover biases:' -> ('Data analysis', 'uncover biases')."""

import re

_NUMBERING = re.compile(r"^(?:\d+(?:[._]\d+)*[._)]?\s+|\d+(?:_\d+)+_)")
_TRAILING = " \t:;.,-–—"


def normalise_heading(raw: str) -> tuple[str, str]:
    """Split a heading into its title and the explanatory text after its first colon."""
    text = raw.strip().strip("*_`").strip()
    text = _NUMBERING.sub("", text)
    title, sep, rest = text.partition(":")
    if not sep:
        return text.rstrip(_TRAILING), ""
    return title.rstrip(_TRAILING).strip(), rest.strip().rstrip(_TRAILING).strip()
