"""The remote store against a real Oxigraph server: the same answers and marker as the embedded store."""

import time

import pyoxigraph as ox
import pytest

from api.service.change_feed import ChangeFeed
from kg.errors import BadRequest, QuerySyntaxError, StoreUnavailable
from kg.settings import Settings
from kg.store.change_log import touched_since
from kg.store.open_store import open_store
from kg.store.quad_store import CHANGES, STATE, OxigraphStore, Store
from kg.store.remote_store import Endpoint, RemoteStore

from .conftest import OxigraphServer, free_port

NOTE = "https://w3id.org/mlkg/id/note/a"
NT = f'<{NOTE}> <https://w3id.org/mlkg/ontology#contentHash> "h1" .\n<{NOTE}> <urn:p> "one" .'


@pytest.fixture
def remote(sparql_server: OxigraphServer, tmp_path) -> RemoteStore:
    store = open_store(Settings(data_dir=tmp_path / "data", **sparql_server.settings))
    assert isinstance(store, RemoteStore)
    return store


def _count(store: Store, query: str) -> int:
    rows = store.query(query)
    assert isinstance(rows, ox.QuerySolutions)
    return int(next(iter(rows))["n"].value)


def test_writes_and_reads_match_the_embedded_store(remote: RemoteStore, tmp_path) -> None:
    embedded = OxigraphStore(tmp_path / "embedded")
    for store in (remote, embedded):
        store.replace_graphs({NOTE: NT, "urn:other": '<urn:other> <urn:p> "x" .'})
        store.drop_graphs(["urn:other"])
    assert remote.note_hashes([NOTE]) == embedded.note_hashes([NOTE]) == {NOTE: "h1"}
    assert remote.graph_triples(NOTE) == embedded.graph_triples(NOTE)
    assert remote.triple_count() == embedded.triple_count()
    assert remote.dump(ox.RdfFormat.N_QUADS).count(b"\n") == embedded.dump(ox.RdfFormat.N_QUADS).count(b"\n")
    assert f"<{STATE}>".encode() not in remote.dump(ox.RdfFormat.N_QUADS)
    # the marker moved with each write, in the write's own request
    assert remote.change_marker().generation == embedded.change_marker().generation >= 3


def test_dataset_rules_hold_on_the_remote_store(remote: RemoteStore) -> None:
    remote.replace_graphs({NOTE: NT})
    everything = "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:p> ?o }"
    assert _count(remote, everything) == 1  # no dataset named: the union of the graphs
    assert _count(remote, "SELECT (COUNT(*) AS ?n) FROM <urn:none> WHERE { ?s <urn:p> ?o }") == 0
    assert _count(remote, f"SELECT (COUNT(*) AS ?n) FROM <{NOTE}> WHERE {{ ?s <urn:p> ?o }}") == 1
    rows = remote.query(everything, default_graphs=[])
    assert isinstance(rows, ox.QuerySolutions) and next(iter(rows))["n"].value == "0"


def test_user_updates_move_the_raw_marker_and_errors_are_the_users(remote: RemoteStore) -> None:
    before = remote.change_marker()
    remote.update("INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:p> 1 } }")
    after = remote.change_marker()
    assert after.generation == before.generation + 1 and after.raw_generation == after.generation
    with pytest.raises(QuerySyntaxError, match="1:19"):  # located in the user's own text
        remote.update("INSERT DATA { oops")
    with pytest.raises(QuerySyntaxError, match="refused the query"):
        remote.query("SELECT * WHERE { oops")
    assert remote.change_marker() == after  # refused updates wrote nothing
    with pytest.raises(BadRequest, match="embedded store only"):
        remote.query("SELECT * {}", functions={ox.NamedNode("urn:f"): lambda: None})


def test_construct_answers_triples(remote: RemoteStore) -> None:
    remote.replace_graphs({NOTE: NT})
    triples = remote.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{NOTE}> {{ ?s ?p ?o }} }}")
    assert isinstance(triples, ox.QueryTriples)
    assert {t.object.value for t in triples} == {"h1", "one"}


def test_an_unreachable_store_is_a_clear_503_after_retries(tmp_path) -> None:
    port = free_port()
    nowhere = RemoteStore(Endpoint(f"http://127.0.0.1:{port}/query", f"http://127.0.0.1:{port}/update"), True)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match=f"127.0.0.1:{port}/query cannot be reached") as error:
        nowhere.change_marker()
    assert error.value.status == 503 and error.value.headers["Retry-After"] == "1"
    assert time.monotonic() - started >= 0.5  # reads were tried again with backoff before giving up
    with pytest.raises(StoreUnavailable, match="may or may not have been applied"):
        nowhere.replace_graphs({NOTE: NT})


def test_the_store_must_be_configured(tmp_path) -> None:
    with pytest.raises(BadRequest, match="KG_STORE_QUERY_URL"):
        open_store(Settings(data_dir=tmp_path, store="sparql"))


def test_credentials_reach_a_store_that_asks_for_them(virtuoso_server: OxigraphServer, tmp_path) -> None:
    """Oxigraph's server has no authentication; Virtuoso's /sparql-auth asks for HTTP digest."""
    endpoint = virtuoso_server.settings["store_query_url"] + "-auth"
    settings = {"store": "sparql", "store_query_url": endpoint, "store_user": "dba", "store_auth": "digest"}
    store = open_store(Settings(data_dir=tmp_path, store_password="dba", **settings))
    store.replace_graphs({NOTE: NT})
    assert store.note_hashes([NOTE]) == {NOTE: "h1"}
    with pytest.raises(StoreUnavailable, match="refused mlkg's credentials"):
        open_store(Settings(data_dir=tmp_path, store_password="wrong", **settings))


def _touched(store: RemoteStore, after: int, upto: int) -> set[str]:
    logged = touched_since(store, after, upto)
    assert logged is not None
    return logged.touched


def test_each_write_logs_what_it_touched_before_and_after(remote: RemoteStore) -> None:
    def links_to(target: str) -> dict[str, str]:
        return {NOTE: f'<{NOTE}> <urn:p> <{target}> .\n<{NOTE}> <urn:label> "_:not a blank node" .'}

    remote.replace_graphs(links_to("urn:old"))
    first = remote.change_marker().generation
    remote.replace_graphs(links_to("urn:new"))
    second = remote.change_marker().generation
    assert _touched(remote, first, second) == {NOTE, "urn:old", "urn:new"}  # what it held, what it holds
    remote.drop_graphs([NOTE])
    third = remote.change_marker().generation
    assert _touched(remote, second, third) == {NOTE, "urn:new"}
    assert _touched(remote, first, third) == {NOTE, "urn:old", "urn:new"}
    remote.update("INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:p> 1 } }")  # a user's update logs nothing
    assert touched_since(remote, third, remote.change_marker().generation) is None
    assert f"<{CHANGES}>".encode() not in remote.dump(ox.RdfFormat.N_QUADS)


def test_the_log_tells_this_clients_writes_from_another_ones(remote: RemoteStore, sparql_server, tmp_path) -> None:
    other = open_store(Settings(data_dir=tmp_path / "other", **sparql_server.settings))
    feed = ChangeFeed()
    feed.start(remote)
    remote.replace_graphs({NOTE: NT})
    mine = feed.look(remote)
    assert mine is not None and not mine.theirs and NOTE in (mine.touched or set())
    assert remote.own_entries == set()  # read, so forgotten
    remote.drop_graphs([NOTE])
    other.replace_graphs({"urn:other": '<urn:other> <urn:p> "x" .'})  # lands before this client looks
    both = feed.look(remote)
    assert both is not None and both.theirs and {NOTE, "urn:other"} <= (both.touched or set())
