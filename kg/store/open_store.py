"""The store the settings name: the embedded Oxigraph folder, or a SPARQL store on another server."""

from kg.errors import BadRequest
from kg.settings import Settings
from kg.store.quad_store import OxigraphStore, Store


def open_store(settings: Settings, read_only: bool = False) -> Store:
    """Open the store of KG_STORE; `read_only` opens an existing embedded folder without its write lock."""
    if settings.store == "sparql":
        from kg.store.remote_store import Endpoint, RemoteStore

        if not settings.store_query_url:
            raise BadRequest("KG_STORE=sparql needs KG_STORE_QUERY_URL (and KG_STORE_UPDATE_URL if it differs)")
        password = settings.store_password.get_secret_value() if settings.store_password else None
        endpoint = Endpoint(
            settings.store_query_url,
            settings.store_update_url or settings.store_query_url,
            settings.store_user,
            password,
            settings.store_timeout,
            settings.store_auth,
        )
        return RemoteStore(endpoint, read_only=read_only)
    store_dir = settings.store_dir
    return OxigraphStore(store_dir, read_only=read_only and store_dir.exists())
