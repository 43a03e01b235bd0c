"""The `kg` command line: a thin layer over the services; commands hold no logic.

Heavy modules are imported inside the commands that need them, so `kg --help` and
`kg --version` answer at once.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from kg import __version__
from kg.errors import KGError
from kg.search.kinds import KINDS
from kg.store.formats import DATASET, GRAPH, TABULAR

if TYPE_CHECKING:
    from rich.table import Table

    from api.service.core import Services
    from api.service.results import ImportResult, ProblemModel
    from kg.settings import Settings

app = typer.Typer(
    help="mlkg: a knowledge graph of how machine learning reaches production, built from markdown notes.",
    no_args_is_help=True,
    add_completion=False,
)
out = Console()
SHOWN_CANDIDATES = 4
"""Notes named in an ambiguous link's warning (a vault of 100 topic folders has 100 `index.md`; --json has all)."""
err = Console(stderr=True)


def _print_json(text: str) -> None:
    """JSON for a script as it is (rich's re-parse and highlighting took 0.1 s of a `kg ask --json`);
    highlighted in a terminal."""
    if out.is_terminal:
        out.print_json(text)
    else:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()  # `kg watch --json` writes a line per change to a reader waiting on the pipe


SPARQL_FORMATS = ["table", *TABULAR, *GRAPH]


class State:
    data_dir: Path | None = None
    loaded: Settings | None = None

    @classmethod
    def settings(cls) -> Settings:
        """The settings, read from the environment on first use."""
        if cls.loaded is None:
            from kg.settings import Settings

            cls.loaded = Settings(data_dir=cls.data_dir) if cls.data_dir else Settings()
        return cls.loaded


def _services(read_only: bool = False) -> Services:
    from api.service.core import build_services

    return build_services(State.settings(), read_only=read_only)


def _fail(error: KGError, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(error.message)}", highlight=False, soft_wrap=True)
    for problem in error.problems:
        err.print(f"  {problem}", highlight=False, markup=False, soft_wrap=True)
    return typer.Exit(code)


def _print_version(value: bool) -> None:
    if value:
        out.print(f"mlkg {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def main(
    data_dir: Annotated[Path | None, typer.Option(help="Data directory (default: KG_DATA_DIR or .mlkg).")] = None,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="-v: info logs, -vv: debug.")] = 0,
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Build, query and serve the mlkg knowledge graph. Settings come from KG_* variables."""
    from rich.logging import RichHandler

    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    logging.basicConfig(level=level, format="%(message)s", handlers=[RichHandler(console=err, show_path=False)])
    State.data_dir, State.loaded = data_dir, None


def _short(iris: list[str]) -> str:
    from kg.iris import note_id

    return ", ".join(note_id(iri) for iri in iris)


def _print_report(result: ImportResult, as_json: bool) -> None:
    if as_json:
        _print_json(result.model_dump_json())
        return
    for note in result.notes:
        if note.status == "failed":
            err.print(f"[red]failed[/red] {escape(note.path)}: {escape(note.error)}", highlight=False, soft_wrap=True)
        for problem in note.problems:
            err.print(f"  {_where(problem)}{problem.message}", highlight=False, markup=False, soft_wrap=True)
        for warning in note.warnings:
            err.print(
                f"[yellow]warning[/yellow] {escape(_where(warning) + warning.message)}", highlight=False, soft_wrap=True
            )
        for link in note.ambiguous_links:
            shown = link.candidates[:SHOWN_CANDIDATES]
            names = ", ".join(shown) + (f", … {len(link.candidates)} notes" if shown != link.candidates else "")
            message = f"{note.path}:{link.line}: [[{link.name}]] is ambiguous ({names}); took {link.chosen_path}"
            err.print(f"[yellow]warning[/yellow] {escape(message)}", highlight=False, soft_wrap=True)
    for note in result.notes:
        if note.status == "deleted":
            out.print(f"deleted {note.path}", highlight=False, markup=False, soft_wrap=True)
    changed = [n for n in result.notes if n.links_gained or n.links_lost]
    for note in changed:
        gained = f" +[{_short(note.links_gained)}]" if note.links_gained else ""
        lost = f" -[{_short(note.links_lost)}]" if note.links_lost else ""
        out.print(f"links {note.id}:{gained}{lost}", highlight=False, markup=False, soft_wrap=True)
    out.print(", ".join(f"{value} {key}" for key, value in result.summary.model_dump().items()))
    if result.index is not None:
        out.print(f"search index: {result.index.encoded} texts encoded, {result.index.reused} reused")


def _where(problem: ProblemModel) -> str:
    return ":".join(str(part) for part in (problem.path, problem.line) if part is not None) + ": "


def _ingest_once(services: Services, paths: list[Path], index: bool, as_json: bool) -> ImportResult:
    """Import, then link and index; the progress bar follows the notes."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from api.service import writes

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True, disable=as_json) as progress:
        files = writes.collect_paths(services, paths)
        task = progress.add_task("ingesting", total=len(files))

        def advance(_: str) -> None:
            progress.advance(task)
            if progress.tasks[0].completed >= len(files) and index:
                progress.update(task, description="linking and indexing")

        try:
            return writes.import_files(services, files, advance, link=index)
        except (ImportError, OSError) as error:
            # the notes are stored either way; `kg ask` and the server link and index them later
            err.print(f"[yellow]search index not updated:[/yellow] {escape(str(error))}", highlight=False)
            return writes.import_files(services, files, None, link=False)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Markdown files or folders of notes.", exists=True)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON (one object per run).")] = False,
    index: Annotated[
        bool, typer.Option(help="Link notes and update the search index now (encodes changed texts).")
    ] = True,
    watch: Annotated[
        bool, typer.Option("--watch", help="Keep running: import files again as they change, reporting each time.")
    ] = False,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune",
            help="Then delete the notes an earlier import found in these folders whose files are gone (moved or"
            " deleted); notes imported from elsewhere are kept.",
        ),
    ] = False,
) -> None:
    """Import notes: each is parsed, checked against the SHACL shapes, stored as its own graph and linked.

    Links to concerns come from wikilinks, tags, labels or synonyms in the text and, with the index,
    from sentences close in meaning; each run reports the links notes gained and lost. Unchanged
    notes are skipped; a note that fails is reported with file:line and not stored. Exits with 1
    when any note failed (without --watch).
    """
    services = _services()
    try:
        report = _ingest_once(services, paths, index, as_json)
        if prune:
            from api.service import writes

            report = report.then(writes.prune(services, [path for path in paths if path.is_dir()]))
        _print_report(report, as_json)
        if watch:
            _watch(services, paths, index, as_json)
    finally:
        services.close()
    if report.summary.failed and not watch:
        raise typer.Exit(1)


def _watch(services: Services, paths: list[Path], index: bool, as_json: bool) -> None:
    """Import again whatever changes under `paths` until interrupted; a deleted file drops its note."""
    from watchfiles import Change, watch

    from api.service import writes
    from ingest.reading import collect_changed

    if not as_json:
        err.print(f"watching {', '.join(map(str, paths))} (Ctrl-C to stop)", highlight=False, markup=False)
    roots = writes.vault_roots(services, paths)
    for changes in watch(*paths, watch_filter=lambda _, name: name.endswith((".md", ".markdown"))):
        present = [Path(p) for _, p in changes if Path(p).exists()]
        gone = sorted({Path(p) for change, p in changes if change is Change.deleted and not Path(p).exists()})
        if present:
            _print_report(writes.import_files(services, collect_changed(present, roots), link=index), as_json)
        for file in collect_changed(gone, roots):
            try:
                _print_report(writes.delete_note(services, file.relative), as_json)
            except KGError as error:
                err.print(
                    f"[red]failed[/red] {escape(file.display)}: {escape(error.message)}",
                    highlight=False,
                    soft_wrap=True,
                )


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question in your own words.")],
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="How many hits.")] = 5,
    kind: Annotated[str | None, typer.Option("--type", help=f"Only one kind: {', '.join(KINDS)}.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The full answer as JSON (the /ask shape).")] = False,
) -> None:
    """Find the concerns (or other nodes) a question is about, with their links and sources."""
    from concurrent.futures import ThreadPoolExecutor

    from kg.search.encoder_loading import load_encoder

    s = State.settings()
    with ThreadPoolExecutor(1) as pool:
        # the encoder's session is built in native code while this thread imports the service layer
        loading = pool.submit(load_encoder, s.model, s.models_dir, s.encoder_backend, s.encoder_threads)
        from api.answer_view import print_answer
        from api.service import reads
        from api.service.core import build_services

        services = build_services(s, read_only=True, encoder=loading.result())
    try:
        answer = reads.ask(services, question, k, kind)
    except KGError as error:
        raise _fail(error, 2) from error
    finally:
        services.close()
    if as_json:
        _print_json(answer.model_dump_json())
        return
    print_answer(out, answer.model_dump())


@app.command(name="eval")
def evaluate(
    file: Annotated[Path, typer.Argument(help="TSV: question<TAB>expected labels separated by |.", exists=True)],
    kind: Annotated[str | None, typer.Option("--type", help="Rank only this kind (default concern).")] = "concern",
    off_topic: Annotated[
        Path | None,
        typer.Option("--off-topic", help="TSV of off-topic questions (question, kind, split).", exists=True),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """hit@1, hit@3 and MRR of dense-only, BM25-only and hybrid ranking, side by side.

    With --off-topic, also the share of questions told that nothing matches: the file's
    on-topic questions (should be near 0) and each split of the off-topic ones (should be near 1).
    """
    from rich.table import Table

    from kg.search.evaluation import evaluate_all, flagged, read_cases, read_offtopic

    services = _services(read_only=True)
    cases = read_cases(file)
    with services.reading() as view:
        scores = evaluate_all(view.engine, cases, kind)
        flags = {"on-topic": flagged(view.engine, [c.question for c in cases], kind)} if off_topic else {}
        for split, questions in (read_offtopic(off_topic) if off_topic else {}).items():
            flags[f"off-topic {split}"] = flagged(view.engine, questions, kind)
    services.close()
    if as_json:
        _print_json(json.dumps({**{m: vars(s) for m, s in scores.items()}, "nothing_matches": flags}))
        return
    for name, share in flags.items():
        out.print(f"told nothing matches: {share:.0%} of {name} questions", highlight=False)
    table = Table("ranking", "hit@1", "hit@3", "MRR")
    for mode, s in scores.items():
        table.add_row(mode, f"{s.hit_at_1:.3f}", f"{s.hit_at_3:.3f}", f"{s.mrr:.3f}")
    out.print(table)
    for miss in scores["hybrid"].misses:
        out.print(f"  hybrid miss: {miss}", highlight=False, markup=False, soft_wrap=True)


@app.command(name="eval-links")
def evaluate_links(
    vault: Annotated[Path, typer.Argument(help="Folder of labelled notes.", exists=True, file_okay=False)],
    labels: Annotated[
        Path | None, typer.Option(help="TSV: note path, concern slugs it discusses, slugs it must not get.")
    ] = None,
    lifecycle: Annotated[Path | None, typer.Option(help="Notes that define the concerns (default: KG_VAULT).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Precision and recall of inferred concern links on labelled notes, at thresholds from 0.40 to 0.80.

    Runs in a scratch store; the row of the configured KG_LINK_THRESHOLD is marked.
    """
    from rich.table import Table

    from api.link_eval import evaluate_links as run

    settings = State.settings()
    scores = run(settings, vault, labels or vault / "labels.tsv", lifecycle or settings.vault)
    if as_json:
        _print_json(json.dumps({"threshold": settings.link_threshold, "sweep": [vars(s) for s in scores]}))
        return
    table = Table("threshold", "precision", "recall", "TP", "FP", "FN")
    for s in scores:
        mark = " *" if abs(s.threshold - settings.link_threshold) < 1e-9 else ""
        table.add_row(
            f"{s.threshold:.2f}{mark}",
            f"{s.precision:.3f}",
            f"{s.recall:.3f}",
            *map(str, (s.true_positives, s.false_positives, s.false_negatives)),
        )
    out.print(table)
    chosen = min(scores, key=lambda s: abs(s.threshold - settings.link_threshold))
    for line in chosen.wrong:
        out.print(f"  wrong at {chosen.threshold:.2f}: {line}", highlight=False, markup=False, soft_wrap=True)
    for line in chosen.missed:
        out.print(f"  missed at {chosen.threshold:.2f}: {line}", highlight=False, markup=False, soft_wrap=True)


LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface (default KG_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default KG_PORT, 8000).")] = None,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
) -> None:
    """Serve /ask, /sparql, /notes and the browse routes over HTTP (OpenAPI docs at /docs).

    Ingests the vault (KG_VAULT) first when the store is empty. Writes always need a token: without
    KG_API_TOKEN one is made on first start, printed once and kept (mode 0600) in DATA_DIR/api-token.
    Without KG_API_TOKEN the server only listens on loopback. Logs one line per request, with its
    id (X-Request-ID); KG_LOG_FORMAT=json writes them as JSON objects. Metrics at /metrics.
    """
    import uvicorn

    from api.write_token import load_or_create_token, token_file

    settings = State.settings()
    bind = host or settings.host
    if bind not in LOOPBACK and not settings.api_token:
        raise _fail(KGError(f"refusing to listen on {bind} without KG_API_TOKEN: set the token you will share"), 2)
    settings = settings.model_copy(update={"host": bind, "port": port or settings.port})
    if settings.api_token is None:
        token, made = load_or_create_token(settings.data_dir)
        settings = settings.model_copy(update={"api_token": token})
        shown = f"write token: {token}" if made else "write token"
        err.print(f"{shown} (kept in {token_file(settings.data_dir)})", highlight=False, markup=False, soft_wrap=True)
    err.print(f"mlkg serving {settings.data_dir} on http://{bind}:{settings.port}/  (docs: /docs)", markup=False)
    if reload:
        uvicorn.run("api.app:app_from_environment", factory=True, host=bind, port=settings.port, reload=True)
        return
    from api.app import create_app
    from api.logs import configure_logging

    configure_logging(settings.log_format)
    app = create_app(settings)
    uvicorn.run(app, host=bind, port=settings.port, access_log=False, log_config=None, log_level="info")


@app.command()
def delete(
    note: Annotated[str, typer.Argument(help="Note IRI, vault path, file name, or the note's file on disk.")],
) -> None:
    """Remove a note's graph and links: everything only it asserted disappears; notes linking to it are relinked."""
    from api.service import writes
    from kg.iris import note_id

    services = _services()
    try:
        result = writes.delete_note(services, writes.vault_path_of(services, note))
        out.print(f"deleted {result.notes[0].iri}", highlight=False, markup=False)
        for other in result.relinked:
            out.print(f"relinked {note_id(other)}", highlight=False, markup=False)
    except KGError as error:
        raise _fail(error) from error
    finally:
        services.close()


@app.command()
def sparql(
    query: Annotated[str | None, typer.Argument(help="SPARQL 1.1 query text.")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Read the query from a file ('-': stdin).")] = None,
    fmt: Annotated[str, typer.Option("--format", help=f"One of {', '.join(SPARQL_FORMATS)}.")] = "table",
) -> None:
    """Run a SPARQL query over the union of all notes and the ontology."""
    text = sys.stdin.read() if file == Path("-") else file.read_text("utf-8") if file else query
    if not text:
        raise _fail(KGError("give a query or --file FILE"), 2)
    if fmt not in SPARQL_FORMATS:
        raise _fail(KGError(f"unknown format {fmt!r}; use one of {', '.join(SPARQL_FORMATS)}"), 2)
    from api.remote_guard import refuse_remote
    from api.service.reads import similarity_function
    from kg.search.similarity import functions, uses_similarity
    from kg.store.result_formats import serialize

    services = _services(read_only=True)
    try:
        if not services.settings.allow_remote:
            refuse_remote(text)
        similarity = similarity_function(services) if uses_similarity(text) else None
        result = services.store.query(text, functions=functions(similarity) if similarity else None)
        answer = serialize(result, fmt) if fmt != "table" else _table(result)
        if similarity is not None:
            similarity.check()  # the whole answer is evaluated: a bad argument is an error, not a blank
        if isinstance(answer, bytes):
            sys.stdout.buffer.write(answer)
        else:
            out.print(answer, markup=False, highlight=False)
    except KGError as error:
        raise _fail(error, 2) from error
    except (ValueError, TypeError, RuntimeError) as error:
        raise _fail(KGError(f"the query cannot be evaluated: {error}"), 2) from error
    except OSError as error:
        raise _fail(KGError(f"the store could not answer: {error}"), 1) from error
    finally:
        services.close()


def _table(result: object) -> Table | str | bytes:
    """A result for the terminal: a table of rows, true/false, or Turtle for triples."""
    import pyoxigraph as ox
    from rich.table import Table

    from kg.store.result_formats import rows, serialize

    if isinstance(result, ox.QueryBoolean):
        return "true" if bool(result) else "false"
    if isinstance(result, ox.QueryTriples):
        return serialize(result, "turtle")
    assert isinstance(result, ox.QuerySolutions)
    header, body = rows(result)
    table = Table(*header, caption=f"{len(body)} rows")
    for row in body:
        table.add_row(*map(Text, row))
    return table


@app.command()
def validate(
    as_json: Annotated[bool, typer.Option("--json", help="Print problems as JSON.")] = False,
) -> None:
    """Check every stored note graph against the SHACL shapes; exits with 1 on any violation."""
    from ingest.stored_validation import validate_store

    services = _services(read_only=True)
    problems = validate_store(services.store)
    services.close()
    if as_json:
        _print_json(json.dumps({"conforms": not problems, "problems": [str(p) for p in problems]}))
    else:
        for problem in problems:
            out.print(str(problem), highlight=False, markup=False)
        out.print("conforms" if not problems else f"{len(problems)} problems")
    if problems:
        raise typer.Exit(1)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help=f"One of {', '.join(DATASET)}.")] = "trig",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """Export the graph: trig and nquads keep each note's graph; the others merge them."""
    if fmt not in DATASET:
        raise _fail(KGError(f"unknown format {fmt!r}; use one of {', '.join(DATASET)}"), 2)
    services = _services(read_only=True)
    data = services.store.dump(DATASET[fmt])
    services.close()
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)
        err.print(f"wrote {len(data):,} bytes to {output}")


@app.command()
def coverage(
    fmt: Annotated[str, typer.Option("--format", help="table, json, csv (one row per step) or markdown.")] = "table",
) -> None:
    """Where the literature is thin: concerns, notes and papers per stage and step; concerns no paper or
    only one paper discusses; the most central concerns (PageRank); notes that link no concern."""
    from rich.table import Table

    from api.service.reads import coverage as read_coverage
    from kg.graph.coverage_formats import coverage_csv, coverage_markdown

    if fmt not in ("table", "json", "csv", "markdown"):
        raise _fail(KGError(f"unknown format {fmt!r}; use table, json, csv or markdown"), 2)
    services = _services(read_only=True)
    try:
        report = read_coverage(services)
    finally:
        services.close()
    if fmt == "json":
        sys.stdout.write(report.model_dump_json(indent=1) + "\n")
        return
    if fmt in ("csv", "markdown"):
        sys.stdout.write((coverage_csv if fmt == "csv" else coverage_markdown)(report.model_dump()))
        return
    table = Table("stage", "step", "concerns", "notes", "papers", title="Coverage")
    for stage in report.stages:
        for step in stage.steps:
            table.add_row(Text(stage.label), Text(step.label), *map(str, (step.concerns, step.notes, step.papers)))
    out.print(table)
    for title, concerns in (
        ("no paper", report.concerns_without_papers),
        ("one paper", report.concerns_with_one_paper),
    ):
        out.print(f"concerns with {title}: {len(concerns)}", highlight=False)
    central = ", ".join(f"{c.label} ({c.score:.3f})" for c in report.central_concerns[:5])
    out.print(f"most central: {central}", highlight=False, markup=False, soft_wrap=True)
    unlinked = ", ".join(n.path for n in report.notes_without_concerns) or "none"
    out.print(f"notes that link no concern: {unlinked}", highlight=False, markup=False, soft_wrap=True)


@app.command()
def stats(as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False) -> None:
    """Triples, notes, stages, steps, concerns, papers and solutions in the graph."""
    from rich.table import Table

    from kg.graph.stats import graph_stats

    services = _services(read_only=True)
    figures = graph_stats(services.store)
    services.close()
    if as_json:
        _print_json(json.dumps(figures))
        return
    table = Table("what", "count")
    for key, value in figures.items():
        table.add_row(key, str(value))
    out.print(table)


def run() -> None:
    """Console-script entry point."""
    app()
