"""A new concept name moves the link basis: every note is compared, only the notes whose links
differ are written, and a restart (or a pass cut short) compares again without rewriting."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from api.service import writes
from api.service.core import Services, build_services
from kg.iris import ID_BASE, links_graph_iri
from kg.links.linker import BASIS_GRAPH
from kg.search.encoder import Encoder
from kg.settings import Settings
from kg.store.quad_store import select

from .conftest import SEED

NOTE, CONCERN = f"{ID_BASE}note/", f"{ID_BASE}concern/"
MLKG = "https://w3id.org/mlkg/ontology#"
STATE = f"SELECT ?g ?s WHERE {{ GRAPH ?g {{ ?g <{MLKG}linkState> ?s }} }}"
NOTES = {
    "lag/first.md": "# Shadow launch\n\nOur shadow launch hid the label lag for weeks in production.\n",
    "lag/second.md": "# Retraining cadence\n\nRetraining waits on label lag: ground truth arrives late.\n",
    "other/stealing.md": "# API copies\n\nModel stealing through the prediction API is cheap for an attacker.\n",
    "other/fairness.md": "# Bias audit\n\nWe audited the classifier for bias across age groups.\n",
    "other/cost.md": "# Hosting bill\n\nThe GPU hosting bill doubled after launch, with no change in traffic.\n",
}
DISCUSSING = f"SELECT ?n WHERE {{ ?n <{MLKG}discusses> <{CONCERN}label-lag> }}"
NEW_CONCERN = b"| Stage | Step | Concern |\n|---|---|---|\n| Deployment | Monitoring | Label lag |\n"


def states(services: Services) -> dict[str, str]:
    return {row["g"]: row["s"] for row in select(services.store, STATE)}


def dump(services: Services) -> set[str]:
    """The quads, less the ontology's blank nodes (named afresh by each load)."""
    data = services.store.dump(ox.RdfFormat.N_QUADS).decode("utf-8")
    return {line for line in data.splitlines() if line and "_:" not in line}


@pytest.fixture
def data_and_vault(tmp_path: Path) -> tuple[Path, Path]:
    vault = tmp_path / "vault"
    for name, text in NOTES.items():
        (vault / name).parent.mkdir(parents=True, exist_ok=True)
        (vault / name).write_text(text)
    (vault / SEED.name).write_bytes(SEED.read_bytes())
    return tmp_path / "data", vault


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[list[str], Callable[[Services], None]]]:
    """Graph IRIs the linker of a spied service writes, in order."""
    graphs: list[str] = []

    def spy(services: Services) -> None:
        store = services.linker.store
        original = store.replace_graphs

        def replace_graphs(found: dict[str, str]) -> None:
            graphs.extend(found)
            original(found)

        monkeypatch.setattr(store, "replace_graphs", replace_graphs)

    yield graphs, spy


def test_a_new_concept_rewrites_only_the_notes_whose_links_it_changes(
    data_and_vault: tuple[Path, Path], encoder: Encoder, written: tuple[list[str], Callable[[Services], None]]
) -> None:
    data, vault = data_and_vault
    graphs, spy = written
    services = build_services(Settings(data_dir=data, ingest_workers=1), encoder=encoder)
    try:
        writes.import_paths(services, [vault])
        before = states(services)
        spy(services)
        result = writes.import_note(services, "New concern.md", NEW_CONCERN)
        after = states(services)
        discussing = {row["n"] for row in select(services.store, DISCUSSING)}
    finally:
        services.close()

    assert {f"{NOTE}lag/first", f"{NOTE}lag/second"} <= set(result.relinked) <= discussing
    # the new note's links and those of notes whose links changed; no note rewritten with the links it had
    rewritten = {g for g in graphs if g.startswith(f"{ID_BASE}links/")}
    assert rewritten == {links_graph_iri(n) for n in [f"{NOTE}new-concern", *result.relinked]}
    assert graphs[-1] == BASIS_GRAPH  # recorded last, once every note was compared
    untouched = [links_graph_iri(f"{NOTE}other/{name}") for name in ("stealing", "fairness", "cost")]
    assert all(before[g] == after[g] for g in untouched)
    assert len(before) == len(NOTES) + 1 and len(after) == len(before) + 1


def test_a_restart_or_a_pass_cut_short_compares_again_and_writes_nothing_new(
    data_and_vault: tuple[Path, Path], encoder: Encoder, written: tuple[list[str], Callable[[Services], None]]
) -> None:
    data, vault = data_and_vault
    graphs, spy = written
    settings = Settings(data_dir=data, ingest_workers=1)
    services = build_services(settings, encoder=encoder)
    try:
        writes.import_paths(services, [vault])
        writes.import_note(services, "New concern.md", NEW_CONCERN)
        whole = dump(services)
        # a pass cut short before its last write leaves the links it wrote and no record of the new basis
        services.store.update(f"DROP GRAPH <{BASIS_GRAPH}>")
    finally:
        services.close()

    again = build_services(settings, encoder=encoder)
    try:
        spy(again)
        writes.import_paths(again, [])  # every note compared with the stored basis missing
        assert graphs == [BASIS_GRAPH] and dump(again) == whole  # no note's links rewritten
        graphs.clear()
        again.linker.forget()  # as after a restart: the basis is read back, so nothing is compared again
        writes.import_paths(again, [])
        assert graphs == []
    finally:
        again.close()

    fresh = build_services(Settings(data_dir=data.parent / "fresh", ingest_workers=1), encoder=encoder)
    try:
        (vault / "New concern.md").write_bytes(NEW_CONCERN)
        writes.import_paths(fresh, [vault])  # everything at once gives the same quads
        assert dump(fresh) == whole
    finally:
        fresh.close()


def test_notes_a_new_concern_cannot_move_are_not_scored_again_and_the_links_match_a_fresh_import(
    tmp_path: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only notes whose passages a changed concern is as close to as their closest one are scored again;
    the links equal those of importing everything at once."""
    from kg.links.note_links import ConceptVectors

    from .test_ingest_links import make_vault

    vault = make_vault(tmp_path / "vault")
    for name, text in NOTES.items():
        (vault / name).parent.mkdir(parents=True, exist_ok=True)
        (vault / name).write_text(text)
    theft = b"| Stage | Step | Concern |\n|---|---|---|\n| Deployment | Monitoring | Model theft through an API |\n"
    scored: list[int] = []
    original = ConceptVectors.closest

    def counted(self: ConceptVectors, *args: object, **kwargs: object) -> object:
        scored.append(1)
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    stepwise = build_services(Settings(data_dir=tmp_path / "stepwise", ingest_workers=1), encoder=encoder)
    try:
        writes.import_paths(stepwise, [vault])
        monkeypatch.setattr(ConceptVectors, "closest", counted)
        notes, rescored = len(stepwise.store.note_paths()), []
        for name, body in (("New concern.md", NEW_CONCERN), ("Theft.md", theft)):
            scored.clear()
            writes.import_note(stepwise, name, body)
            rescored.append(len(scored))
        # every note was compared after each new concern; few were scored again in full, but some were
        assert max(rescored) < notes // 2 and sum(rescored) > 0, (rescored, notes)
        monkeypatch.undo()
        (vault / "New concern.md").write_bytes(NEW_CONCERN)
        (vault / "Theft.md").write_bytes(theft)
        at_once = build_services(Settings(data_dir=tmp_path / "at-once", ingest_workers=1), encoder=encoder)
        try:
            writes.import_paths(at_once, [vault])
            assert dump(stepwise) == dump(at_once)
        finally:
            at_once.close()
    finally:
        stepwise.close()
