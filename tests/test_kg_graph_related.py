"""Related concerns rank by real evidence: explicit links and specific notes, not a survey of everything."""

import networkx as nx

from kg.graph.view import BROAD_SOURCE, GraphView

ID = "https://w3id.org/mlkg/id/"


def concern(slug: str) -> str:
    return f"{ID}concern/{slug}"


def view_of(edges: list[tuple[str, str, str]]) -> GraphView:
    graph = nx.MultiDiGraph()
    graph.add_edges_from(edges)
    for node in graph.nodes:
        graph.nodes[node]["kind"] = node[len(ID) :].split("/")[0]
    return GraphView(graph)


SECURITY = f"{ID}step/security"
STEALING, INVERSION, POISONING, DRIFT = (concern(s) for s in ("stealing", "inversion", "poisoning", "drift"))
SURVEY = f"{ID}paper/survey"
EVERYTHING = [concern(f"c{i}") for i in range(BROAD_SOURCE)]


def lifecycle() -> list[tuple[str, str, str]]:
    steps = [(c, SECURITY, "step") for c in (STEALING, INVERSION, POISONING)]
    survey = [(SURVEY, c, "discusses") for c in (STEALING, INVERSION, POISONING, DRIFT, *EVERYTHING)]
    return steps + survey


def test_a_survey_of_everything_relates_nothing_and_the_step_alone_is_no_reason():
    assert view_of(lifecycle()).related_concerns(STEALING) == []


def test_a_specific_note_relates_its_concerns_and_the_step_breaks_ties():
    note = f"{ID}note/extraction"
    specific = [(note, STEALING, "discusses"), (note, INVERSION, "discusses"), (note, DRIFT, "discusses")]
    related = view_of(lifecycle() + specific).related_concerns(STEALING)
    assert related == [
        (INVERSION, "discussed together in 1 note or paper"),  # same weight as drift, same step
        (DRIFT, "discussed together in 1 note or paper"),
    ]


def test_two_notes_outweigh_one_and_an_explicit_link_comes_first():
    one, two = f"{ID}note/a", f"{ID}note/b"
    edges = [
        *lifecycle(),
        (one, STEALING, "discusses"),
        (one, DRIFT, "discusses"),
        (two, STEALING, "discusses"),
        (two, DRIFT, "discusses"),
        (one, POISONING, "discusses"),
        (STEALING, INVERSION, "related"),
    ]
    related = view_of(edges).related_concerns(STEALING)
    assert [iri for iri, _ in related] == [INVERSION, DRIFT, POISONING]
    assert related[0][1] == "linked"
    assert related[1][1] == "discussed together in 2 notes or papers"
