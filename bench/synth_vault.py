"""Write a synthetic vault of N notes (python bench/synth_vault.py N DIR [--style seed|topics]).

`seed`: flat, every note in the seed's style. `topics`: one folder per topic, each with its own
`index.md`, `overview.md` and `README.md` beside paper notes, as real study vaults are: ambiguous
wikilinks, Hugo-style frontmatter with unquoted identifiers and dates, some invalid YAML, long
math passages, and a lifecycle table in a third of the notes.
"""

import argparse
import random
from pathlib import Path

STAGES = [
    "Data management",
    "Model learning",
    "Model verification",
    "Model deployment",
    "Cross-cutting aspects",
    "Problem framing",
    "Operations",
    "Governance",
]
HEADERS = [
    ("Deployment Stag", "Deployment Step", "Considerations, Issues and Concerns"),
    ("Stage", "Step", "Concern"),
    ("Phase", "Activity", "Risk"),
    ("Stage", "Task", "Challenges"),
]
WORDS = [
    "data",
    "model",
    "drift",
    "label",
    "latency",
    "privacy",
    "bias",
    "cost",
    "schema",
    "feature",
    "monitoring",
    "pipeline",
    "audit",
    "fairness",
    "shift",
    "quality",
    "lineage",
    "retraining",
    "serving",
    "robustness",
    "security",
    "explainability",
    "versioning",
    "testing",
    "scaling",
]
TAGS = ["mlops", "ai_lifecycle", "security", "data", "deployment", "survey", "to-read", "ethics"]
SOLUTIONS = [
    "Weak supervision",
    "Feature store",
    "Differential privacy",
    "Active learning",
    "Drift detection",
    "Model compression",
    "Rate limiting",
    "Federated learning",
]


def taxonomy(rng: random.Random) -> dict[str, dict[str, list[str]]]:
    """A fixed lifecycle: each stage has steps, each step its own concerns (labels are unique)."""
    tree: dict[str, dict[str, list[str]]] = {}
    for s, stage in enumerate(STAGES):
        steps = {}
        for t in range(6):
            step = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} step {s}.{t}"
            steps[step] = [
                f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} concern {s}.{t}.{c}" for c in range(8)
            ]
        tree[stage] = steps
    return tree


def sentence(rng: random.Random, n: int = 14) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def arxiv_id(rng: random.Random) -> str:
    return f"{rng.randint(1500, 2412)}.{rng.randint(10000, 99999)}"


def table(rng: random.Random, tree: dict[str, dict[str, list[str]]]) -> tuple[list[str], list[str]]:
    """A lifecycle table over a random part of the taxonomy; returns its lines and its labels."""
    headers = rng.choice(HEADERS)
    describe = rng.random() < 0.3
    head = [*headers, "Description"] if describe else list(headers)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    labels: list[str] = []
    for stage in rng.sample(STAGES, rng.randint(1, 4)):
        first_stage = True
        for step in rng.sample(sorted(tree[stage]), rng.randint(1, 3)):
            first_step = True
            for concern in rng.sample(tree[stage][step], rng.randint(1, 4)):
                cells = [stage if first_stage else "", step if first_step else "", concern]
                if describe:
                    cells.append(sentence(rng, 8))
                lines.append("| " + " | ".join(cells) + " |")
                first_stage = first_step = False
                labels.append(concern)
            labels.append(step)
    return lines, labels


def note(index: int, total: int, rng: random.Random, tree: dict[str, dict[str, list[str]]]) -> str:
    lines, labels = table(rng, tree)
    out = ["# Life cycle", "", *lines, ""]
    for label in rng.sample(labels, min(len(labels), rng.randint(2, 6))):
        out += [f"## {label}:", f"- {sentence(rng)}", f"\t- {sentence(rng, 8)}", ""]
    out += ["# Discussion of potential solutions", ""]
    out += [f"- {name} {sentence(rng, 10)}" for name in rng.sample(SOLUTIONS, 2)]
    refs = [f"\t- [{sentence(rng, 6)}](https://arxiv.org/abs/{arxiv_id(rng)})" for _ in range(rng.randint(1, 3))]
    related = [f"\t- [[folder/sub/Synthetic note {rng.randrange(total):05d}]]" for _ in range(rng.randint(0, 3))]
    tags = " ".join(f"#{t}" for t in rng.sample(TAGS, 2))
    out += [
        "",
        "---",
        f"- Status: #{rng.choice(['done', 'reading', 'todo'])}",
        "",
        f"- Tags: {tags}",
        "",
        "- References:",
        *refs,
        "",
        "- Related:",
        *related,
        "",
    ]
    return "\n".join(out)


SHARED_NAMES = ("index", "overview", "README")
MATH = (
    "$$ \\mathcal{L}(\\theta) = \\sum_{i=1}^{n} \\log p_\\theta(y_i \\mid x_i) + \\lambda \\lVert \\theta \\rVert^2 $$"
)


def frontmatter(index: int, rng: random.Random) -> list[str]:
    """Hugo-style frontmatter: unquoted ids, dates and years; one note in thirty is invalid YAML."""
    if index % 30 == 7:
        return ["---", f"title: Broken note {index}", f"tags: [{rng.choice(TAGS)}, {rng.choice(TAGS)}", "---", ""]
    lines = [
        "---",
        f"title: Topic note {index}",
        f"date: 20{rng.randint(15, 24)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
    ]
    lines += [
        f"arxiv: {arxiv_id(rng)}",
        f"year: {rng.randint(2015, 2024)}",
        f"tags: [{rng.choice(TAGS)}, {rng.choice(TAGS)}]",
    ]
    if rng.random() < 0.3:
        lines += [
            "links:",
            f"  - doi: 10.{rng.randint(1000, 9999)}/{rng.randint(100000, 999999)}",
            "  - url: https://github.com/x/y",
        ]
    return [*lines, "---", ""]


def topic_note(index: int, topics: int, rng: random.Random, tree: dict[str, dict[str, list[str]]]) -> str:
    out = frontmatter(index, rng)
    if rng.random() < 0.33:
        lines, _ = table(rng, tree)
        out += ["# Life cycle", "", *lines, ""]
    out += ["# Notes", "", sentence(rng, 20), "", f"> {sentence(rng, 30)}", ""]
    if rng.random() < 0.25:
        out += ["## Derivation", "", *(f"{MATH} {sentence(rng, 4)}" for _ in range(rng.randint(5, 30))), ""]
    links = [f"[[{rng.choice(SHARED_NAMES)}]]", f"[[Topic {rng.randrange(topics):03d}/README]]"]
    out += [f"- See {' and '.join(links)}.", f"- {sentence(rng)}", ""]
    return "\n".join(out)


def write_topics(count: int, folder: Path, rng: random.Random, tree: dict[str, dict[str, list[str]]]) -> None:
    topics = max(1, count // 8)
    for index in range(count):
        topic, slot = divmod(index, 8)
        topic %= topics
        name = SHARED_NAMES[slot] if slot < len(SHARED_NAMES) else f"Paper {index:05d}"
        path = folder / f"Topic {topic:03d}" / f"{name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(topic_note(index, topics, rng, tree), "utf-8")


def write_vault(count: int, folder: Path, seed: int = 7, style: str = "seed") -> Path:
    """Write `count` notes under `folder` (deterministic for a seed) in the `seed` or `topics` style."""
    rng = random.Random(seed)
    tree = taxonomy(random.Random(seed))
    folder.mkdir(parents=True, exist_ok=True)
    if style == "topics":
        write_topics(count, folder, rng, tree)
        return folder
    for index in range(count):
        (folder / f"Synthetic note {index:05d}.md").write_text(note(index, count, rng, tree), "utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--style", choices=["seed", "topics"], default="seed")
    args = parser.parse_args()
    write_vault(args.count, args.folder, style=args.style)


if __name__ == "__main__":
    main()
