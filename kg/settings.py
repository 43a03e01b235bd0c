"""The one settings object; every field can be set by a `KG_`-prefixed environment variable."""

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_VAULT = Path(__file__).resolve().parent.parent / "notes"


class Settings(BaseSettings):
    """mlkg settings. Environment: KG_DATA_DIR, KG_VAULT, ..."""

    model_config = SettingsConfigDict(env_prefix="KG_", extra="ignore")

    data_dir: Path = Field(
        Path(".mlkg"), description="Directory holding the store, the vector index and caches."
    )
    vault: Path = Field(
        DEFAULT_VAULT, description="Vault of markdown notes ingested when the store is empty."
    )
    max_note_bytes: int = Field(
        2_000_000, description="Largest note accepted, in bytes; larger files are refused."
    )
    ingest_workers: int = Field(
        max(os.cpu_count() or 1, 1),
        description="Processes that parse and validate notes during large imports (1: in-process).",
    )
    validate_shapes: bool = Field(True, description="Check every imported note against the SHACL shapes.")

    @property
    def store_dir(self) -> Path:
        """Where the Oxigraph store lives."""
        return self.data_dir / "store"
