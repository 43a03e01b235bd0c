"""A note keeps one vault path however it is imported: the whole vault, one folder, or the file alone."""

import json
from pathlib import Path

from ingest.reading import collect, collect_changed
from ingest.vault_roots import VaultRoots

from .conftest import kg


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
    roots.remember([roots.root_of(vault / "Topic"), roots.root_of(vault)])
    again = VaultRoots(tmp_path / "data")  # another process reads what this one kept
    assert again.known == [vault / "Topic", vault]
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
