"""Shared fixtures: the seed note, small fixture notes, and real on-disk stores."""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyoxigraph as ox
import pytest
from filelock import FileLock

from api.service import writes
from api.service.core import Services, build_services
from ingest.pipeline import Importer
from kg.links.linker import Linker
from kg.links.note_cache import NoteCache
from kg.search.encoder import Encoder, Vectors
from kg.search.encoder_loading import load_encoder
from kg.search.vector_cache import CachedEncoder, VectorCache, vector_cache_path
from kg.settings import Settings
from kg.store.quad_store import OxigraphStore

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = ROOT / "notes" / "Challenges in Deploying Machine Learning - a Survey of Case Studies.md"


def _refuse_reads_beside_the_clone(event: str, args: tuple[Any, ...]) -> None:
    """A user's clone has nothing beside it: any test that opens a path there fails at once."""
    if event not in ("open", "os.listdir", "os.scandir") or not args or not isinstance(args[0], str | Path):
        return
    path = os.path.abspath(args[0]) + os.sep
    if path.startswith(OUTSIDE) and not path.startswith(INSIDE):
        raise PermissionError(f"tests must not read outside the repository: {path}")


INSIDE, OUTSIDE = str(ROOT) + os.sep, str(ROOT.parent) + os.sep
if ROOT.parent != ROOT.parent.parent:  # a clone at the file system's top has no "beside"
    sys.addaudithook(_refuse_reads_beside_the_clone)
PREFIXES = """
PREFIX mlkg: <https://w3id.org/mlkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""


@dataclass
class RememberingEncoder:
    """The real encoder, asked only once per distinct text; records what it had to encode."""

    inner: Encoder
    encoded: list[str] = field(default_factory=list)
    memo: dict[str, Vectors] = field(default_factory=dict)

    @property
    def model(self) -> str:
        return self.inner.model

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def backend(self) -> str:
        return self.inner.backend

    def encode(self, texts: Sequence[str]) -> Vectors:
        fresh = sorted({t for t in texts if t not in self.memo})
        if fresh:
            self.encoded.extend(fresh)
            self.memo.update(zip(fresh, self.inner.encode(fresh), strict=True))
        return np.stack([self.memo[t] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)


def select(store: OxigraphStore, query: str) -> list[dict[str, str]]:
    """Rows of a SELECT over the union graph, as plain strings."""
    result = store.query(PREFIXES + query)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def quads_of(store: OxigraphStore, graph: str) -> set[str]:
    """The triples of one named graph as sorted N-Triples lines."""
    result = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", default_graphs=[graph])
    assert isinstance(result, ox.QueryTriples)
    return {str(t) for t in result}


@pytest.fixture(scope="session", autouse=True)
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One ONNX export and one vector cache for the whole run, shared by its pytest processes
    (pytest-xdist); every Settings and `kg` process of the tests uses it, never the user's own cache."""
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "models"
    folder.mkdir(exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KG_MODEL_CACHE", str(folder))
        yield folder


@pytest.fixture(scope="session")
def encoder(models_dir: Path) -> Encoder:
    """The real all-MiniLM-L6-v2, on the ONNX path (exported and checked against torch once), with
    the vector cache a server uses, so a text the run has encoded before is not encoded again."""
    with FileLock(models_dir / "export.lock"):  # the other pytest process waits for the export
        loaded = load_encoder("all-MiniLM-L6-v2", models_dir, backend="onnx")
    assert loaded.backend == "onnx"
    return CachedEncoder(loaded, VectorCache(vector_cache_path(models_dir, loaded), loaded.dim, 200_000))


@pytest.fixture(scope="session")
def seed_services(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[Services]:
    """Real services over a store holding the seed vault, with the real encoder and index."""
    data = tmp_path_factory.mktemp("seeded")
    services = build_services(Settings(data_dir=data, ingest_workers=1), encoder=encoder)
    result = writes.import_paths(services, [ROOT / "notes"])
    assert result.summary.added == 1
    yield services
    services.close()


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    """A fresh vault folder holding a copy of the seed note."""
    folder = tmp_path / "vault"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    return folder


@pytest.fixture
def store(tmp_path: Path) -> Iterator[OxigraphStore]:
    opened = OxigraphStore(tmp_path / "store")
    yield opened
    opened.close()


@pytest.fixture
def note_cache(tmp_path: Path) -> NoteCache:
    return NoteCache(tmp_path / "links")


@pytest.fixture
def importer(store: OxigraphStore, note_cache: NoteCache) -> Importer:
    return Importer(store, max_bytes=200_000, cache=note_cache)


@pytest.fixture
def linker(store: OxigraphStore, note_cache: NoteCache) -> Linker:
    """Links notes without the encoder: wikilinks, tags and mentions (semantic links need the index)."""
    return Linker(store, note_cache)


@pytest.fixture
def seeded(store: OxigraphStore, importer: Importer, linker: Linker, vault: Path) -> OxigraphStore:
    report = importer.ingest_paths([vault])
    assert report.summary()["added"] == 1, report.outcomes
    linker.relink(None)
    return store


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[str]:
    """A real uvicorn server on a free loopback port over a fresh store of the bundled vault."""
    yield from live_server_for(tmp_path_factory.mktemp("live"), ROOT / "notes", encoder)


def live_server_for(data_dir: Path, vault: Path, encoder: Encoder, **overrides: Any) -> Iterator[str]:
    """Run create_app on uvicorn in a thread until the caller is done; writes need 'secret-token'."""
    import threading
    import time

    import uvicorn

    from api.app import create_app

    overrides.setdefault("rate_limit_per_minute", 0)  # the suites send bursts; limits have their own test
    overrides.setdefault("api_token", "secret-token")
    settings = Settings(data_dir=data_dir, vault=vault, ingest_workers=1, **overrides)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, encoder), host="127.0.0.1", port=port, log_level="warning", access_log=False
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


KG = str(Path(sys.executable).parent / "kg")
MODELS: list[Path] = []


@pytest.fixture(scope="session")
def cli_models(models_dir: Path, encoder: Encoder) -> Path:
    """`kg` subprocesses reuse the session's ONNX export instead of exporting again."""
    MODELS.append(models_dir)
    return models_dir


def kg(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the `kg` command in a new process over `data_dir`."""
    env = {**os.environ, "KG_DATA_DIR": str(data_dir), "COLUMNS": "200"}  # KG_MODEL_CACHE: `models_dir`
    return subprocess.run([KG, *args], capture_output=True, text=True, env=env, input=stdin, timeout=120)


OXIGRAPH = str(Path(sys.executable).parent / "oxigraph")


@dataclass
class OxigraphServer:
    """Oxigraph's own server (PyPI `oxigraph`) on loopback over a folder, as a remote SPARQL store."""

    location: Path
    port: int
    process: "subprocess.Popen[bytes] | None" = None

    @property
    def settings(self) -> dict[str, Any]:
        """The settings that point mlkg at this store."""
        base = f"http://127.0.0.1:{self.port}"
        return {"store": "sparql", "store_query_url": f"{base}/query", "store_update_url": f"{base}/update"}

    @property
    def env(self) -> dict[str, str]:
        return {f"KG_{key.upper()}": value for key, value in self.settings.items()}

    def start(self) -> None:
        import time

        import httpx

        bind = f"127.0.0.1:{self.port}"
        command = [OXIGRAPH, "serve", "--location", str(self.location), "--bind", bind]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://{bind}/query", params={"query": "ASK {}"}, timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError("the Oxigraph server did not start")

    def kill(self) -> None:
        """SIGKILL: the store goes away mid-request, as a crashed database does."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def oxigraph_server(tmp_path: Path) -> Iterator[OxigraphServer]:
    """A fresh Oxigraph server on a free loopback port, stopped after the test."""
    server = OxigraphServer(tmp_path / "oxigraph", free_port())
    server.start()
    yield server
    server.kill()


VIRTUOSO = shutil.which("virtuoso-t")
VIRTUOSO_INI = """[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .
[HTTPServer]
ServerPort = 127.0.0.1:{port}
ServerThreads = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
"""
# the endpoint's anonymous user may update and write every graph: on loopback, for the tests only
VIRTUOSO_GRANTS = """GRANT SPARQL_UPDATE TO "SPARQL";
DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);
"""


@dataclass
class VirtuosoServer(OxigraphServer):
    """Virtuoso Open Source 7 (Debian's virtuoso-opensource) on loopback over a folder."""

    sql_port: int = 0

    @property
    def settings(self) -> dict[str, Any]:
        endpoint = f"http://127.0.0.1:{self.port}/sparql"
        return {"store": "sparql", "store_query_url": endpoint, "store_update_url": endpoint}

    def start(self) -> None:
        import time

        import httpx

        assert VIRTUOSO is not None
        first = not self.location.exists()
        self.location.mkdir(parents=True, exist_ok=True)
        ini = self.location / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(dir=self.location, port=self.port, sql_port=self.sql_port))
        command = [VIRTUOSO, "-f", "-c", str(ini)]
        self.process = subprocess.Popen(
            command, cwd=self.location, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/sparql", params={"query": "ASK {}"}, timeout=2).is_success:
                    break
            except httpx.TransportError:
                pass
            assert self.process.poll() is None, (self.location / "virtuoso.log").read_text()[-2000:]
            time.sleep(0.2)
        else:
            raise AssertionError("Virtuoso did not start")
        if first:
            grants = self.location / "grants.sql"
            grants.write_text(VIRTUOSO_GRANTS)
            isql = shutil.which("isql-vt") or "isql-vt"
            subprocess.run([isql, str(self.sql_port), "dba", "dba", str(grants)], check=True, capture_output=True)


def store_server(kind: str, tmp_path: Path) -> OxigraphServer:
    """A remote store of this kind over a folder under `tmp_path` (not started); skips without Virtuoso."""
    if kind == "oxigraph":
        return OxigraphServer(tmp_path / "oxigraph", free_port())
    if VIRTUOSO is None:
        pytest.skip("Virtuoso is not installed (Debian: apt-get install virtuoso-opensource; .ci/run does)")
    return VirtuosoServer(tmp_path / "virtuoso", free_port(), sql_port=free_port())


@pytest.fixture(params=["oxigraph", "virtuoso"])
def sparql_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OxigraphServer]:
    """A fresh remote SPARQL store on loopback: Oxigraph's server, then Virtuoso 7."""
    server = store_server(request.param, tmp_path)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def virtuoso_server(tmp_path: Path) -> Iterator[OxigraphServer]:
    """A fresh Virtuoso 7 on loopback."""
    server = store_server("virtuoso", tmp_path)
    server.start()
    yield server
    server.kill()


def start_kg_server(
    data: Path, models: Path, port: int, log: Path | None = None, **env: str
) -> "subprocess.Popen[bytes]":
    """`kg serve` in its own process over `data` (writes need 'secret-token'); waits until /health answers."""
    import time

    import httpx

    environment = {
        **os.environ,
        "KG_DATA_DIR": str(data),
        "KG_PORT": str(port),
        "KG_API_TOKEN": "secret-token",
        "KG_VAULT": str(ROOT / "notes"),
        "KG_MODEL_CACHE": str(models),
        "KG_RATE_LIMIT_PER_MINUTE": "0",
        **env,
    }
    errors = log.open("wb") if log is not None else subprocess.PIPE
    server = subprocess.Popen([KG, "serve"], env=environment, stdout=subprocess.DEVNULL, stderr=errors)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
        if server.poll() is not None:
            detail = log.read_text() if log is not None else server.stderr.read().decode() if server.stderr else ""
            raise AssertionError(f"the server ended: {detail[-3000:]}")
    raise AssertionError("the server did not start")
