"""The page people use in a browser and the API docs: HTML files and their static assets, served by this app."""

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"
# The page loads nothing from elsewhere; styles set from JavaScript (the graph library) need inline styles.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)

router = APIRouter(include_in_schema=False)


@router.get("/")
async def page() -> FileResponse:
    """The single page: ask, browse, SPARQL and import."""
    return FileResponse(STATIC / "index.html", headers={"Content-Security-Policy": POLICY})


@router.get("/docs")
async def docs() -> FileResponse:
    """The API docs: Swagger UI from the vendored swagger-ui-dist, under the page's policy."""
    return FileResponse(STATIC / "docs.html", headers={"Content-Security-Policy": POLICY})


def install_page(app: FastAPI) -> None:
    """Serve the page at / and its assets under /static."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
