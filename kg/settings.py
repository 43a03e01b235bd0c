"""The one settings object; every field can be set by a `KG_`-prefixed environment variable."""

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_VAULT = Path(__file__).resolve().parent.parent / "notes"


def user_cache() -> Path:
    """The user's cache folder for mlkg (XDG_CACHE_HOME, else ~/.cache)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mlkg"


class Settings(BaseSettings):
    """mlkg settings. Environment: KG_DATA_DIR, KG_VAULT, ..."""

    model_config = SettingsConfigDict(env_prefix="KG_", extra="ignore")

    data_dir: Path = Field(Path(".mlkg"), description="Directory holding the store, the vector index and caches.")
    vault: Path = Field(DEFAULT_VAULT, description="Vault of markdown notes ingested when the store is empty.")
    max_note_bytes: int = Field(2_000_000, description="Largest note accepted, in bytes; larger files are refused.")
    ingest_workers: int = Field(
        max(os.cpu_count() or 1, 1),
        description="Processes that parse and validate notes during large imports (1: in-process).",
    )
    model: str = Field(
        "all-MiniLM-L6-v2",
        description="Sentence-transformers model: the bundled all-MiniLM-L6-v2 or a model folder.",
    )
    encoder_backend: Literal["auto", "onnx", "torch"] = Field(
        "auto", description="auto: the cached ONNX export when it matches torch, else torch."
    )
    model_cache: Path = Field(
        default_factory=lambda: user_cache() / "models",
        description="Folder for exported ONNX models, shared by every data folder (default: ~/.cache/mlkg/models).",
    )
    encoder_threads: int = Field(2, description="Threads the ONNX encoder may use.")
    vector_cache_rows: int = Field(
        200_000,
        description="Texts whose vectors are kept beside the model export (about 1.5 KB each), shared by every "
        "data folder and process on this machine, so a text is encoded once; 0: off.",
    )
    hnsw_threshold: int = Field(
        50_000, description="Vectors from which search uses an HNSW index instead of exact search."
    )
    store: Literal["embedded", "sparql"] = Field(
        "embedded",
        description="embedded: an Oxigraph folder under DATA_DIR; sparql: a SPARQL 1.1 store on another server "
        "(KG_STORE_QUERY_URL, KG_STORE_UPDATE_URL), shared by several mlkg servers.",
    )
    store_query_url: str | None = Field(None, description="The remote store's SPARQL query endpoint (KG_STORE=sparql).")
    store_update_url: str | None = Field(
        None, description="The remote store's SPARQL update endpoint (default: the query endpoint)."
    )
    store_user: str | None = Field(None, description="User for the remote store (HTTP basic authentication).")
    store_password: SecretStr | None = Field(None, description="Password for the remote store.")
    store_auth: Literal["basic", "digest"] = Field(
        "basic", description="HTTP authentication the remote store asks for (Virtuoso's /sparql-auth: digest)."
    )
    store_timeout: float = Field(30.0, description="Seconds a request to the remote store may take, writes included.")
    sync_interval: float = Field(
        0.5,
        description="Seconds between looks at the remote store for other servers' writes (KG_STORE=sparql); "
        "each look is one small query.",
    )
    shared_cache: Path | None = Field(
        None,
        description="Note cache (markdown, link inputs, passage vectors) shared by the servers of one remote "
        "store, so any of them can link again a note another imported; default: DATA_DIR/cache.",
    )
    host: str = Field("127.0.0.1", description="Interface `kg serve` listens on.")
    port: int = Field(8000, description="Port `kg serve` listens on.")
    api_token: str | None = Field(
        None,
        description="Bearer token every write needs; unset: the server makes one, kept in DATA_DIR/api-token.",
    )
    read_token: str | None = Field(
        None, description="When set, every data route needs this bearer token (or the write token): a private vault."
    )
    allowed_hosts: list[str] = Field(
        [],
        description="Host names the server answers to (DNS-rebinding guard); empty: loopback names and KG_HOST.",
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="Server logs as text lines or JSON objects, each with its request id."
    )
    cors_origins: list[str] = Field(
        [], description="Origins whose pages may call the API from the browser (CORS); empty: none."
    )
    query_timeout: float = Field(
        10.0, description="Seconds a SPARQL query may run on the server before it is stopped (503)."
    )
    max_result_rows: int = Field(
        100_000, description="Most rows (or triples) a SPARQL answer may hold; more is a 400 too_many_rows."
    )
    query_workers: int = Field(2, description="Processes that run the server's SPARQL queries.")
    query_queue: int = Field(
        16, description="SPARQL queries that may wait for a free query process; beyond, 503 busy with Retry-After."
    )
    queries_per_client: int = Field(
        4, description="SPARQL queries one client (by address) may have running or waiting; beyond, 429."
    )
    max_result_bytes: int = Field(
        100_000_000, description="Largest serialised SPARQL answer, in bytes; beyond, 400 too_many_rows."
    )
    rate_limit_per_minute: int = Field(
        600, description="Requests a minute each client may make to /ask and /sparql (0: no limit)."
    )
    rate_limit_burst: int = Field(60, description="Requests a client may make at once before the rate applies.")
    max_query_bytes: int = Field(1_000_000, description="Largest SPARQL request body accepted, in bytes.")
    allow_remote: bool = Field(
        False, description="Allow SPARQL SERVICE and LOAD, which make the server fetch remote URLs."
    )
    validate_shapes: bool = Field(True, description="Check every imported note against the SHACL shapes.")
    link_threshold: float = Field(
        0.58,
        description="Cosine from which a note's passage links it to its closest concern (with KG_LINK_BY_NOTE, "
        "also the note's combined score; see kg eval-links).",
    )
    link_by_note: bool = Field(
        False,
        description="Also link concerns the note as a whole is about (its closest and its mean passage, combined); "
        "off: on the labelled sets it gave more precision but less recall (bench/README.md).",
    )
    link_note_weight: float = Field(
        0.75, description="Weight of the note's mean passage against its closest passage in a semantic link's score."
    )
    link_passage_margin: float = Field(
        0.05,
        description="A passage alone links its closest concern when its cosine, less this, reaches the threshold.",
    )
    link_gap: float = Field(
        0.11, description="A concern scoring further than this below the note's best concern is not linked by meaning."
    )
    link_keyword_weight: float = Field(
        0.0,
        description="Weight of a passage's BM25 score against each concern's names and descriptions (scaled to "
        "its best concern) added to its cosine; 0: meaning alone (bench/README.md has the measurement).",
    )
    max_semantic_links: int = Field(
        3,
        description="Most semantic links per note (0: none, and no passage is encoded); explicit mentions, "
        "tags and wikilinks are not capped.",
    )

    @property
    def store_dir(self) -> Path:
        """Where the Oxigraph store lives."""
        return self.data_dir / "store"

    @property
    def index_dir(self) -> Path:
        """Where the vector index lives, beside the store."""
        return self.data_dir / "index"

    @property
    def snapshots_dir(self) -> Path:
        """Where the read-only snapshots that the server's readers use are kept."""
        return self.data_dir / "snapshots"

    @property
    def cache_dir(self) -> Path:
        """Where each note's markdown, link inputs and sentence vectors are kept, by content hash."""
        return self.shared_cache or self.data_dir / "cache"

    @property
    def models_dir(self) -> Path:
        """Where exported ONNX models are cached."""
        return self.model_cache
