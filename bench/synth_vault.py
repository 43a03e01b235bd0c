"""Write a synthetic vault of N notes in the seed's style (python bench/synth_vault.py N DIR)."""

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


def write_vault(count: int, folder: Path, seed: int = 7) -> Path:
    """Write `count` notes under `folder` (deterministic for a seed)."""
    rng = random.Random(seed)
    tree = taxonomy(random.Random(seed))
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        (folder / f"Synthetic note {index:05d}.md").write_text(note(index, count, rng, tree), "utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    write_vault(args.count, args.folder)


if __name__ == "__main__":
    main()
