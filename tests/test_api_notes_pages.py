"""`GET /notes` a page at a time on a real server: `offset`, `limit`, `path`, `X-Total-Count` and `Link`."""

import shutil
from collections.abc import Iterator

import httpx
import pytest

from kg.search.encoder import Encoder

from .conftest import FIXTURES, SEED, live_server_for


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[str]:
    vault = tmp_path_factory.mktemp("vault")
    shutil.copy(SEED, vault / SEED.name)
    shutil.copytree(FIXTURES / "literature", vault / "Literature", ignore=shutil.ignore_patterns("*.tsv"))
    yield from live_server_for(tmp_path_factory.mktemp("data"), vault, encoder, max_semantic_links=0)


def _links(answer: httpx.Response) -> dict[str, str]:
    """rel -> URL of each RFC 8288 link."""
    found = {}
    for part in filter(None, answer.headers.get("link", "").split(",")):
        url, rel = part.split(";")
        found[rel.strip().removeprefix('rel="').removesuffix('"')] = url.strip()[1:-1]
    return found


def test_pages_follow_their_links_to_the_whole_list(site: str) -> None:
    whole = httpx.get(f"{site}/notes")
    every = [note["iri"] for note in whole.json()]
    assert every == sorted(every) and len(every) == int(whole.headers["x-total-count"]) > 10
    assert "link" not in whole.headers  # no limit, no pages

    seen: list[str] = []
    url: str | None = f"{site}/notes?limit=4"
    while url is not None:
        page = httpx.get(url)
        assert page.status_code == 200 and int(page.headers["x-total-count"]) == len(every)
        assert len(page.json()) == min(4, len(every) - len(seen))
        seen += [note["iri"] for note in page.json()]
        links = _links(page)
        assert ("prev" in links) == (len(seen) > 4)
        url = links.get("next")
    assert seen == every


def test_a_path_filter_counts_what_it_keeps_and_bad_pages_are_refused(site: str) -> None:
    papers = httpx.get(f"{site}/notes", params={"path": "literature/PAPERS", "limit": 10})
    assert [note["path"] for note in papers.json()] == ["Literature/papers/Tramer 2016 - Model Extraction.md"]
    assert papers.headers["x-total-count"] == "1" and "link" not in papers.headers
    last = httpx.get(f"{site}/notes", params={"offset": 10_000, "limit": 5})
    assert last.json() == [] and int(last.headers["x-total-count"]) > 10
    assert dict(httpx.URL(_links(last)["prev"]).params) == {"offset": "9995", "limit": "5"}
    for bad in ({"limit": 0}, {"offset": -1}, {"limit": "many"}):
        refused = httpx.get(f"{site}/notes", params=bad)
        assert refused.status_code == 422 and refused.json()["error"]["message"], bad


def test_a_notes_page_tells_what_its_entry_in_the_list_tells(site: str) -> None:
    listed = {note["id"]: note for note in httpx.get(f"{site}/notes").json()}
    seed = next(note for note in listed.values() if note["path"] == SEED.name)
    assert seed["paper"] and seed["concepts"] > 30 and seed["imported"]
    for entry in listed.values():
        detail = httpx.get(f"{site}/notes/{entry['id']}").json()
        assert {key: detail[key] for key in entry} == entry
        assert len(detail["discusses"]) >= entry["concepts"]
