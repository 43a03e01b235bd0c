"""The coverage report as CSV (one row per step) or as markdown tables for a paper."""

import csv
import io
from typing import Any

STEP_COLUMNS = ["stage", "step", "concerns", "notes", "papers"]


def coverage_csv(report: dict[str, Any]) -> str:
    """One row per step: its stage, and how many concerns, notes and papers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(STEP_COLUMNS)
    for stage in report["stages"]:
        for step in stage["steps"]:
            writer.writerow([stage["label"], step["label"], step["concerns"], step["notes"], step["papers"]])
    return out.getvalue()


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]


def coverage_markdown(report: dict[str, Any]) -> str:
    """Every part of the report as markdown sections and tables."""
    steps = [
        [stage["label"], step["label"], step["concerns"], step["notes"], step["papers"]]
        for stage in report["stages"]
        for step in stage["steps"]
    ]
    lines = ["# Coverage of the literature", "", "## Stages and steps", ""]
    lines += _table(["Stage", "Step", "Concerns", "Notes", "Papers"], steps)
    sections: list[tuple[str, list[str], list[list[object]]]] = [
        (
            "Concerns no paper discusses",
            ["Concern", "Stage", "Step"],
            [[c["label"], c["stage"], c["step"]] for c in report["concerns_without_papers"]],
        ),
        (
            "Concerns discussed by only one paper",
            ["Concern", "Stage", "Step", "Paper"],
            [[c["label"], c["stage"], c["step"], c["paper"]] for c in report["concerns_with_one_paper"]],
        ),
        (
            "Most central concerns (PageRank over concerns, papers and notes)",
            ["Concern", "Step", "Score", "Papers", "Notes"],
            [[c["label"], c["step"], c["score"], c["papers"], c["notes"]] for c in report["central_concerns"]],
        ),
        ("Notes that link no concern", ["Note"], [[n["path"]] for n in report["notes_without_concerns"]]),
    ]
    for title, header, rows in sections:
        lines += ["", f"## {title}", ""]
        lines += _table(header, rows) if rows else ["None."]
    return "\n".join(lines) + "\n"
