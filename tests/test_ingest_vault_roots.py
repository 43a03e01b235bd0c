"""A note keeps one vault path however it is imported: the whole vault, one folder, or the file alone."""

import json
from pathlib import Path

from ingest.reading import collect, collect_changed
from ingest.vault_roots import VaultRoots

from .conftest import ROOT, SEED, kg


def _vault(tmp_path: Path) -> Path:
    vault = tmp_path / "vault"
    (vault / "Topic" / "deep").mkdir(parents=True)
    (vault / "Topic" / "index.md").write_text("# Topic\n", "utf-8")
    (vault / "Topic" / "deep" / "x.md").write_text("# X\n", "utf-8")
    (vault / "top.md").write_text("# Top\n", "utf-8")
    return vault


def _paths(files: list) -> list[str]:
    return sorted(file.relative for file in files)


def test_an_obsidian_folder_marks_the_root_whatever_part_is_imported(tmp_path: Path):
    vault = _vault(tmp_path)
    (vault / ".obsidian").mkdir()
    roots = VaultRoots(tmp_path / "data")
    assert roots.root_of(vault / "Topic" / "deep") == vault
    assert _paths(collect([vault / "Topic"], roots.root_of)) == ["Topic/deep/x.md", "Topic/index.md"]
    assert _paths(collect([vault / "Topic" / "deep" / "x.md"], roots.root_of)) == ["Topic/deep/x.md"]


def test_a_folder_imported_before_is_the_root_of_its_parts_and_is_kept(tmp_path: Path):
    vault = _vault(tmp_path)
    roots = VaultRoots(tmp_path / "data")
    assert _paths(collect([vault / "Topic"], roots.root_of)) == ["deep/x.md", "index.md"]  # nothing known yet
    roots.remember([roots.root_of(vault / "Topic"), roots.root_of(vault)], {vault: {"Topic/index.md"}})
    again = VaultRoots(tmp_path / "data")  # another process reads what this one kept
    assert again.known == [vault / "Topic", vault] and again.found == {str(vault): {"Topic/index.md"}}
    assert again.root_of(vault / "Topic" / "deep") == vault  # the outermost known folder holding it
    assert _paths(collect([vault / "Topic" / "deep" / "x.md"], again.root_of)) == ["Topic/deep/x.md"]
    assert again.root_of(tmp_path) == tmp_path  # above every known root: the folder itself
    assert collect_changed([vault / "Topic" / "deep" / "x.md"], [vault])[0].relative == "Topic/deep/x.md"


def test_an_unreadable_list_of_roots_is_ignored(tmp_path: Path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "vaults.json").write_text("{not json", "utf-8")
    assert VaultRoots(tmp_path / "data").known == []


def test_importing_a_folder_or_a_file_again_updates_its_notes_instead_of_adding_copies(tmp_path: Path, cli_models):
    vault, data = _vault(tmp_path), tmp_path / "data"
    assert "3 added" in kg(data, "ingest", "--no-index", str(vault)).stdout
    (vault / "Topic" / "deep" / "x.md").write_text("# X\nedited\n", "utf-8")
    folder = json.loads(kg(data, "ingest", "--no-index", "--json", str(vault / "Topic")).stdout)
    assert {note["id"]: note["status"] for note in folder["notes"]} == {
        "topic/deep/x": "updated",
        "topic/index": "unchanged",
    }
    (vault / "top.md").write_text("# Top\nedited\n", "utf-8")
    alone = json.loads(kg(data, "ingest", "--no-index", "--json", str(vault / "top.md")).stdout)
    assert [(note["id"], note["status"]) for note in alone["notes"]] == [("top", "updated")]
    stats = json.loads(kg(data, "stats", "--json").stdout)
    assert stats["imported_notes"] == 3
    gone = kg(data, "delete", str(vault / "Topic" / "deep" / "x.md"))  # the file on disk names its note
    assert gone.returncode == 0 and "deleted https://w3id.org/mlkg/id/note/topic/deep/x" in gone.stdout
    missing = kg(data, "delete", str(vault / "Topic" / "nothing.md"))
    assert missing.returncode == 1 and "no imported note matches 'Topic/nothing.md'" in missing.stderr


def test_prune_deletes_the_notes_whose_files_are_gone_and_nothing_imported_from_elsewhere(tmp_path: Path, cli_models):
    vault, data = _vault(tmp_path), tmp_path / "data"
    (vault / "Other").mkdir()
    (vault / "Other" / "x.md").write_text("# Another x\n", "utf-8")
    (vault / "Other" / "bad.md").write_bytes(b"\x00\x01 binary")  # found, refused, never stored
    (vault / "Topic" / "bad.md").write_text("# A good note named like the refused one\n", "utf-8")
    assert kg(data, "ingest", "--no-index", str(ROOT / "notes")).returncode == 0  # another vault root
    assert kg(data, "ingest", "--no-index", str(vault)).returncode == 1  # Other/bad.md fails
    (vault / "Topic" / "deep" / "x.md").rename(vault / "Topic" / "moved.md")
    (vault / "top.md").unlink()
    (vault / "Other" / "bad.md").unlink()
    scoped = json.loads(kg(data, "ingest", "--no-index", "--json", "--prune", str(vault / "Topic")).stdout)
    assert {n["path"]: n["status"] for n in scoped["notes"] if n["status"] != "unchanged"} == {
        str(vault / "Topic" / "moved.md"): "added",
        "Topic/deep/x.md": "deleted",
    }  # top.md is outside the folder pruned: kept for now
    assert scoped["summary"]["deleted"] == 1
    whole = kg(data, "ingest", "--no-index", "--prune", str(vault))
    assert "deleted top.md" in whole.stdout and "1 deleted" in whole.stdout
    query = "SELECT ?p WHERE { ?n <https://w3id.org/mlkg/ontology#path> ?p }"
    rows = json.loads(kg(data, "sparql", "--format", "json", query).stdout)["results"]["bindings"]
    assert sorted(row["p"]["value"] for row in rows) == [
        SEED.name,  # imported from notes/, another root: never a candidate
        "Other/x.md",
        "Topic/bad.md",  # named like the refused Other/bad.md, whose file went: not deleted in its place
        "Topic/index.md",
        "Topic/moved.md",
    ]
