"""How sure an answer is: a hit's `match` from its cosine, with thresholds calibrated for the bundled encoder.

Calibrated on the tune halves of `bench/eval` (on-topic `questions.tsv`, off-topic `offtopic.tsv`
split=tune), then checked once on the held-out halves; figures in bench/README.md. `NONE_BELOW`
is the largest threshold that flags no on-topic tune question (their lowest top cosine is 0.315);
`STRONG_FROM` is the lower quartile of the on-topic tune questions' top cosines.
"""

from typing import Literal

Match = Literal["strong", "weak", "none"]
NONE_BELOW = 0.31
STRONG_FROM = 0.46
NOTHING_MATCHES = "nothing in the graph matches this question well; these are only the closest nodes"


def match_of(cosine: float) -> Match:
    """`strong`, `weak` or `none` for a hit's dense (cosine) score."""
    if cosine >= STRONG_FROM:
        return "strong"
    return "weak" if cosine >= NONE_BELOW else "none"
