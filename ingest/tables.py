"""Markdown tables: blank cells continue the value above; lifecycle tables are recognised."""

from ingest.model import Table

ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "stage": ("stag", "phase"),
    "step": ("step", "activit", "task"),
    "concern": ("concern", "issue", "challenge", "consideration", "problem", "risk"),
    "definition": ("descr", "defin", "detail", "explan", "summary"),
    "solution": ("solution", "mitigat", "remed", "tool", "approach", "countermeasure"),
    "paper": ("paper", "reference", "source", "citation"),
}
HIERARCHY = ("stage", "step", "concern")


def header_roles(headers: list[str]) -> dict[str, int]:
    """Assign each lifecycle role to the first header that names it."""
    roles: dict[str, int] = {}
    for column, header in enumerate(headers):
        lowered = header.lower()
        for role, words in ROLE_WORDS.items():
            if role not in roles and any(word in lowered for word in words):
                roles[role] = column
                break
    return roles


def _looks_hierarchical(rows: list[list[str]], columns: list[int]) -> bool:
    """Blank cells on the left and more distinct values to the right, as a lifecycle table has."""
    distinct = [len({row[c] for row in rows if row[c]}) for c in columns]
    blanks = sum(1 for row in rows if not row[columns[0]])
    return blanks > 0 and distinct == sorted(distinct) and distinct[0] > 0


def _complete_roles(roles: dict[str, int], rows: list[list[str]], width: int) -> dict[str, int] | None:
    """Infer a missing hierarchy role from the table's shape, or None if it is not a lifecycle table."""
    missing = [role for role in HIERARCHY if role not in roles]
    if not missing:
        return roles
    if len(missing) > 1 or width < 3:
        return None
    free = [c for c in range(width) if c not in roles.values()]
    for column in free:
        candidate = {**roles, missing[0]: column}
        ordered = [candidate[r] for r in HIERARCHY]
        if ordered == sorted(ordered) and _looks_hierarchical(rows, ordered):
            return candidate
    return None


def fill_down(rows: list[list[str]], carried: list[int]) -> list[list[str]]:
    """Fill blank cells of the `carried` columns from the row above, left to right."""
    previous: list[str] = []
    filled: list[list[str]] = []
    for row in rows:
        out = list(row)
        changed_left = False
        for column in carried:
            if out[column]:
                changed_left = changed_left or (not previous or out[column] != previous[column])
            elif previous and not changed_left:
                out[column] = previous[column]
        filled.append(out)
        previous = out
    return filled


def classify(table: Table) -> Table:
    """Mark a table as a lifecycle table (and fill its hierarchy down) when its shape says so."""
    width = len(table.headers)
    roles = _complete_roles(header_roles(table.headers), table.rows, width)
    if roles is None:
        return table
    table.kind = "lifecycle"
    table.columns = roles
    table.rows = fill_down(table.rows, [roles["stage"], roles["step"]])
    return table
