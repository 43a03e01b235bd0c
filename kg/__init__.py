"""mlkg core: the store, IRIs, settings and errors shared by ingestion and the service."""

__version__ = "0.1.0"
