"""A user's clone has only the repository: its tests and benchmarks read nothing beside it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT


def test_reading_beside_the_clone_fails_the_test() -> None:
    with pytest.raises(PermissionError, match="outside the repository"):
        (ROOT.parent / "a-folder-beside-the-clone" / "questions.tsv").read_text()  # refused before any lookup
    with pytest.raises(PermissionError, match="outside the repository"):
        list((ROOT.parent).iterdir())


def test_a_clone_in_an_empty_folder_collects_every_test(tmp_path: Path) -> None:
    """Collection imports each test module, which is where fixture paths are read."""
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.fail("this check needs the repository's git history and git")
    clone = tmp_path / "empty" / "mlkg"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    assert list(clone.parent.iterdir()) == [clone]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    collected = [line for line in done.stdout.splitlines() if "::" in line]
    assert len(collected) > 200, done.stdout[-2000:]
    assert all(line.startswith("tests/") for line in collected)
