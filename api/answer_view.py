"""The readable form of an answer for the terminal (rich)."""

from typing import Any

from rich.console import Console
from rich.markup import escape


def _matched(matched: dict[str, Any] | None) -> str:
    if not matched:
        return ""
    where = f" ({matched['path']}:{matched['line']})" if matched.get("path") else ""
    return f"{matched['field']}: {matched['text']}{where}"


def _names(items: list[dict[str, Any]], limit: int = 3) -> str:
    names = [str(item.get("label") or item.get("title") or item.get("iri")) for item in items[:limit]]
    more = len(items) - limit
    return "; ".join(names) + (f" (+{more} more)" if more > 0 else "")


def print_answer(console: Console, answer: dict[str, Any]) -> None:
    """Each hit: what it is, where it sits in the lifecycle, who discusses it, where it came from."""
    console.print(f"[bold]{escape(answer['question'])}[/bold]  [dim]{answer['took_ms']} ms[/dim]")
    if answer.get("message"):
        console.print(f"[yellow]{escape(answer['message'])}[/yellow]")
    for rank, hit in enumerate(answer["hits"], 1):
        match = "" if hit.get("match", "strong") == "strong" else f" · {hit['match']} match"
        console.print(
            f"\n{rank}. [bold]{escape(hit['label'])}[/bold]  [dim]{hit['kind']} · {hit['score']:.3f}{match}[/dim]"
        )
        place = " > ".join(part["label"] for part in (hit.get("stage"), hit.get("step")) if part)
        lines = {
            "lifecycle": place,
            "papers": _names(hit.get("papers", [])),
            "notes": _names(hit.get("notes", [])),
            "solutions": _names(hit.get("solutions", []) or hit.get("mitigates", [])),
            "related": _names(hit.get("related", [])),
            "matched": _matched(hit.get("matched")),
            "source": ", ".join(f"{s['path']}:{s['line']}" for s in hit.get("sources", [])[:3]),
        }
        for name, value in lines.items():
            if value:
                console.print(f"   [dim]{name}:[/dim] {escape(value)}", soft_wrap=True)
