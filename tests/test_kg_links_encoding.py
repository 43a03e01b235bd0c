"""What semantic linking encodes: nothing without concerns to link to, never formulae, table rows or
the note's own definitions, each distinct passage once (real encoder, real store)."""

from pathlib import Path

from api.service import writes
from api.service.core import build_services
from kg.search.encoder import Encoder
from kg.settings import Settings

from .conftest import SEED, RememberingEncoder

MATH_NOTE = """---
title: Derivations
---
# Loss

$$ \\mathcal{L}(\\theta) = \\sum_i \\log p_\\theta(y_i \\mid x_i) $$

The gradient $\\nabla_\\theta \\mathcal{L}$ vanishes at the optimum of the objective.

Attackers copy a deployed model by querying its prediction API many times.

| model | accuracy | latency |
|---|---|---|
| resnet attackers copy a deployed model | 0.91 | 12 ms |
"""


def _vault(root: Path, notes: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    for name, text in notes.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, "utf-8")
    return root


def test_without_concerns_no_passage_is_encoded(tmp_path: Path, encoder: Encoder):
    remembering = RememberingEncoder(encoder)
    services = build_services(Settings(data_dir=tmp_path / "data", ingest_workers=1), encoder=remembering)  # type: ignore[arg-type]
    try:
        vault = _vault(tmp_path / "vault", {"a/Derivations.md": MATH_NOTE, "b/Derivations.md": MATH_NOTE})
        result = writes.import_paths(services, [vault])
        assert result.summary.added == 2
        passages = [t for t in remembering.encoded if "querying its prediction API" in t]
        assert passages == []  # the vault defines no concern: nothing to compare passages with
    finally:
        services.close()


def test_only_prose_is_encoded_and_each_distinct_passage_once(tmp_path: Path, encoder: Encoder):
    remembering = RememberingEncoder(encoder)
    services = build_services(Settings(data_dir=tmp_path / "data", ingest_workers=1), encoder=remembering)  # type: ignore[arg-type]
    try:
        vault = _vault(
            tmp_path / "vault",
            {"seed.md": SEED.read_text("utf-8"), "a/Derivations.md": MATH_NOTE, "b/Derivations.md": MATH_NOTE},
        )
        remembering.memo.clear()  # count every text the import asks for, not only new ones
        writes.import_paths(services, [vault])
        asked = remembering.encoded
        assert asked.count("Attackers copy a deployed model by querying its prediction API many times.") == 1
        assert not any("mathcal" in text or "nabla" in text for text in asked)  # formulae are not evidence
        assert not any(text.startswith("resnet attackers") for text in asked)  # table rows are searched for names only
        # the seed's sections that define its own concerns are not compared by meaning
        first_sentence = (
            "Another type of adversarial attack is reverse engineering a deployed model by querying its inputs "
            "(e.g. via a public prediction API) and monitoring the outputs."
        )
        assert first_sentence not in asked
    finally:
        services.close()


def test_keyword_evidence_raises_the_score_of_concerns_whose_words_a_passage_uses(tmp_path: Path, encoder: Encoder):
    note = "# Copies\n\nAttackers copy a deployed model by querying its prediction API many times.\n"
    scores = []
    for weight in (0.0, 0.1):
        settings = Settings(data_dir=tmp_path / f"data-{weight}", ingest_workers=1, link_keyword_weight=weight)
        services = build_services(settings, encoder=encoder)
        writes.import_paths(services, [SEED])
        result = writes.import_note(services, "copies.md", note.encode())
        found = {d.iri.rsplit("/", 1)[-1]: d for d in result.notes[0].discusses}
        assert found["model-stealing"].method == "semantic"
        scores.append(found["model-stealing"].score)
        services.close()
    assert 0 < round(scores[1] - scores[0], 3) <= 0.1  # the passage's best concern by keywords gets the whole weight
