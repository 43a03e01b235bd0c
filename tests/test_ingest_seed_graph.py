"""The seed note, ingested into a real on-disk store, gives the survey's whole lifecycle."""

from rdflib import RDF, Graph

from ingest.mapping import map_note
from ingest.parser import parse_note
from ingest.validation import default_validator
from kg.rdf_terms import MLKG

from .conftest import SEED, select

TABLE = {
    "Data management": {
        "Data collection": ["Data discovery"],
        "Data preprocessing": ["Data dispersion", "Data cleaning"],
        "Data augmentation": [
            "Labeling of large volumes of data",
            "Access to experts",
            "Lack of high-variance data",
        ],
        "Data analysis": ["Data profiling"],
    },
    "Model learning": {
        "Model selection": [
            "Model complexity",
            "Resource-constrained environments",
            "Interpretability of the model",
        ],
        "Training": ["Computational cost", "Environmental impact"],
        "Hyper-parameter selection": ["Resource-heavy techniques", "Hardware-aware optimization"],
    },
    "Model verification": {
        "Requirement encoding": ["Performance metrics", "Business driven metrics"],
        "Formal verification": ["Regulatory frameworks"],
        "Test-based verification": ["Simulation-based testing"],
    },
    "Model deployment": {
        "Integration": [
            "Operational support",
            "Reuse of code and models",
            "Software engineering anti-patterns",
            "Mixed team dynamics",
        ],
        "Monitoring": ["Feedback loops", "Outlier detection", "Custom design tooling"],
        "Updating": ["Concept drift", "Continuous delivery"],
    },
    "Cross-cutting aspects": {
        "Ethics": [
            "Country-level regulations",
            "Focus on technical solution only",
            "Aggravation of biases",
            "Authorship",
            "Decision making",
        ],
        "End users’ trust": ["Involvement of end users", "User experience", "Explainability score"],
        "Security": ["Data poisoning", "Model stealing", "Model inversion"],
    },
}


def test_counts(seeded):
    counts = select(
        seeded,
        """
        SELECT (COUNT(DISTINCT ?stage) AS ?stages) (COUNT(DISTINCT ?step) AS ?steps)
               (COUNT(DISTINCT ?concern) AS ?concerns)
        WHERE { { ?stage a mlkg:Stage } UNION { ?step a mlkg:Step } UNION { ?concern a mlkg:Concern } }""",
    )
    assert counts == [{"stages": "5", "steps": "16", "concerns": "38"}]


def test_the_whole_table(seeded):
    rows = select(
        seeded,
        """
        SELECT ?stage ?step ?concern WHERE {
          ?c a mlkg:Concern ; rdfs:label ?concern ; mlkg:step ?s .
          ?s rdfs:label ?step ; mlkg:stage ?g . ?g rdfs:label ?stage .
          ?g mlkg:hasStep ?s . ?s mlkg:hasConcern ?c .
          ?c skos:broader ?s . ?s skos:broader ?g .
          ?c skos:inScheme <https://w3id.org/mlkg/id/scheme/lifecycle> }""",
    )
    found: dict[str, dict[str, set[str]]] = {}
    for row in rows:
        found.setdefault(row["stage"], {}).setdefault(row["step"], set()).add(row["concern"])
    expected = {stage: {step: set(cs) for step, cs in steps.items()} for stage, steps in TABLE.items()}
    assert found == expected
    assert len(rows) == 38


def test_the_survey_paper(seeded):
    rows = select(
        seeded,
        """
        SELECT ?paper ?title ?note WHERE {
          ?paper a mlkg:Paper ; dcterms:identifier "arXiv:2011.09926" ; dcterms:title ?title .
          ?note dcterms:references ?paper ; mlkg:aboutPaper ?paper ; mlkg:path ?path .
          ?paper mlkg:discusses <https://w3id.org/mlkg/id/concern/model-stealing> }""",
    )
    assert len(rows) == 1
    assert rows[0]["title"] == "Challenges in Deploying Machine Learning: a Survey of Case Studies"
    assert rows[0]["paper"] == "https://w3id.org/mlkg/id/paper/arxiv-2011.09926"


def test_related_notes_are_title_only_placeholders(seeded):
    rows = select(
        seeded,
        """
        SELECT ?title (COUNT(?p) AS ?n) WHERE {
          ?seed mlkg:path ?path ; mlkg:relatedNote ?other .
          ?other a mlkg:Note ; dcterms:title ?title ; ?p ?o .
          FILTER NOT EXISTS { ?other mlkg:path ?anything } } GROUP BY ?title ORDER BY ?title""",
    )
    assert [r["title"] for r in rows] == [
        "A Recipe for Training Neural Networks",
        "Assuring the Machine Learning Life cycle_Desiderata, Methods, and Challenges",
    ]
    assert all(r["n"] == "3" for r in rows)  # type, title, relatedNote back to the seed


def test_security_concerns_have_their_sections_as_definitions(seeded):
    rows = select(
        seeded,
        """
        SELECT ?label ?definition ?line WHERE {
          ?c mlkg:step/rdfs:label "Security" ; rdfs:label ?label ; skos:definition ?definition ;
             prov:qualifiedDerivation ?d . ?d mlkg:field skos:definition ; mlkg:line ?line }""",
    )
    by_label = {r["label"]: r for r in rows}
    assert set(by_label) == {"Data poisoning", "Model stealing", "Model inversion"}
    assert by_label["Model stealing"]["definition"].startswith("Another type of adversarial attack")
    assert "public prediction API" in by_label["Model stealing"]["definition"]
    assert by_label["Model inversion"]["definition"].startswith("The goal of the model inversion")
    assert by_label["Data poisoning"]["line"] == "130"


def test_stage_and_step_descriptions(seeded):
    rows = select(
        seeded,
        """
        SELECT ?label ?definition WHERE {
          VALUES ?label { "Model learning" "Data analysis" "Hyper-parameter selection" }
          ?n rdfs:label ?label ; skos:definition ?definition }""",
    )
    by_label = {r["label"]: r["definition"] for r in rows}
    assert by_label["Model learning"].startswith("Model learning is the stage")
    assert by_label["Data analysis"].startswith("uncover potential biases or unexpected distributions")
    assert by_label["Hyper-parameter selection"] == "This technique is very expensive and resource-heavy in practice."


def test_four_solutions(seeded):
    rows = select(
        seeded,
        """
        SELECT ?s ?label (GROUP_CONCAT(?alt; separator="|") AS ?alts) WHERE {
          ?s a mlkg:Solution ; rdfs:label ?label ; prov:wasDerivedFrom ?note .
          OPTIONAL { ?s skos:altLabel ?alt } } GROUP BY ?s ?label""",
    )
    names = {r["label"]: set(r.get("alts", "").split("|")) for r in rows}
    assert set(names) == {
        "ML platforms",
        "Weak supervision",
        "Data Oriented Architectures",
        "Technology Readiness Levels for ML",
    }
    assert "TRL4ML" in names["Technology Readiness Levels for ML"]
    assert "DOA" in names["Data Oriented Architectures"]


def test_every_node_has_its_note_and_line(seeded):
    rows = select(
        seeded,
        """
        SELECT ?n ?line WHERE {
          VALUES ?class { mlkg:Stage mlkg:Step mlkg:Concern mlkg:Paper mlkg:Solution }
          ?n a ?class ; prov:wasDerivedFrom ?note ; prov:qualifiedDerivation ?d .
          ?d prov:entity ?note ; mlkg:line ?line . ?note a mlkg:Note ; mlkg:path ?path .
          FILTER NOT EXISTS { ?d mlkg:field ?f } }""",
    )
    lines = {r["n"].rsplit("/", 1)[1]: int(r["line"]) for r in rows}
    assert len(lines) == 5 + 16 + 38 + 1 + 4
    assert lines["model-stealing"] == 41
    assert lines["data-management"] == 5
    assert lines["arxiv-2011.09926"] == 163


def test_tags_status_and_the_ontology_graph(seeded):
    rows = select(seeded, "SELECT ?tag ?status WHERE { ?n mlkg:tag ?tag ; mlkg:status ?status }")
    assert rows == [{"tag": "ai_lifecycle", "status": "done"}]
    labels = select(seeded, "SELECT ?l WHERE { mlkg:Concern rdfs:label ?l }")
    assert labels == [{"l": "Concern"}]
    synonyms = select(seeded, "SELECT ?a WHERE { ?c rdfs:label 'Model stealing' ; skos:altLabel ?a }")
    assert {"model extraction"} <= {r["a"] for r in synonyms}


def test_seed_graph_passes_shacl_and_broken_graphs_fail_readably():
    validator = default_validator()
    mapped = map_note(parse_note(SEED.read_text("utf-8"), "seed.md"))
    graph = mapped.graph()
    assert validator.check(graph, "seed.md") == []

    stealing = next(s for s in graph.subjects(MLKG.step, None) if str(s).endswith("/model-stealing"))
    broken = Graph() + graph
    broken.remove((stealing, MLKG.step, None))
    (problem,) = validator.check(broken, "seed.md")
    assert str(problem) == "seed.md:41: Model stealing: a concern belongs to exactly one step"

    paper = next(iter(graph.subjects(RDF.type, MLKG.Paper)))
    broken = Graph() + graph
    broken.remove((paper, None, None))
    broken.add((paper, RDF.type, MLKG.Paper))
    messages = {p.message for p in validator.check(broken, "seed.md")}
    assert f"{paper}: a paper needs a title or an identifier (arXiv id, DOI or URL)" in messages
    assert f"{paper}: must say which note it was derived from (prov:wasDerivedFrom a mlkg:Note)" in messages
