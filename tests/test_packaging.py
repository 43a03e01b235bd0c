"""`pip install .` (not editable) gives a working `kg`: the wheel carries the ontology, the page and its assets."""

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from .conftest import MODELS, ROOT


def _run(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the repository's files (so the build leaves nothing in the clone)."""
    source = tmp_path_factory.mktemp("source")
    files = _run("git", "ls-files", "--cached", "--others", "--exclude-standard", cwd=ROOT).stdout.splitlines()
    for name in files:
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((ROOT / name).read_bytes())
    out = tmp_path_factory.mktemp("wheel")
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(source))
    return next(out.glob("mlkg-*.whl"))


def test_the_wheel_carries_data_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "ontology/mlkg.ttl",
        "ontology/shapes.ttl",
        "ontology/vocabulary.ttl",
        "api/static/index.html",
        "api/static/app.js",
        "api/static/vendor/cytoscape.min.js",
        "api/static/vendor/cytoscape.LICENSE",
        "kg/search/kinds.py",
    ):
        assert needed in names, needed
    assert not any(name.startswith(("tests/", "bench/")) for name in names)
    listed = subprocess.run(
        ["git", "ls-files", "kg", "ingest", "api", "ontology"], cwd=ROOT, capture_output=True, text=True
    )
    modules = {name for name in listed.stdout.splitlines() if name.endswith(".py")}
    assert modules and modules <= names, sorted(modules - names)


def test_an_installed_wheel_ingests_and_answers(wheel: Path, tmp_path: Path, cli_models: Path) -> None:
    """A new virtual environment holds only the wheel; the dependencies come from this one's site-packages."""
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", str(venv))
    target = next((venv / "lib").glob("python3*/site-packages"))
    # a plain path line: this environment's .pth files (the editable install of the clone) are not run
    (target / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(
        sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--no-deps", "-q", str(wheel)
    )
    kg = str(venv / "bin" / "kg")
    env = {**os.environ, "KG_DATA_DIR": str(tmp_path / "data"), "KG_MODEL_CACHE": str(MODELS[-1]), "PYTHONPATH": ""}
    where = _run(
        str(venv / "bin" / "python"),
        "-c",
        "import api, ontology; print(api.__file__, ontology.__file__)",
        cwd=tmp_path,
        env=env,
    )
    assert str(ROOT) not in where.stdout and str(target) in where.stdout
    ingested = _run(kg, "ingest", str(ROOT / "notes"), cwd=tmp_path, env=env)
    assert "1 added" in ingested.stdout
    answer = _run(kg, "ask", "--json", "someone is copying my model through its API", cwd=tmp_path, env=env)
    assert json.loads(answer.stdout)["hits"][0]["label"] == "Model stealing"


def test_every_module_the_package_imports_is_a_declared_dependency() -> None:
    """A module imported by kg, ingest or api comes from the standard library, the project, or a
    distribution in `[project] dependencies` (a dev-only one would break `pip install mlkg`)."""
    import ast
    import importlib.metadata
    import re
    import tomllib

    declared = {
        re.split(r"[<>=\[ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        for requirement in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    providers = importlib.metadata.packages_distributions()
    ours = {"kg", "ingest", "api", "ontology"}
    missing = set()
    for source in [p for package in ("kg", "ingest", "api") for p in (ROOT / package).rglob("*.py")]:
        for node in ast.walk(ast.parse(source.read_text("utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for top in {name.split(".")[0] for name in names} - ours - set(sys.stdlib_module_names) - {"_typeshed"}:
                distributions = {d.lower().replace("_", "-") for d in providers.get(top, [top])}
                if not distributions & declared:
                    missing.add(f"{top} ({source.relative_to(ROOT)})")
    assert not missing, sorted(missing)
