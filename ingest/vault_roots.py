"""Which vault a file belongs to, so that a note keeps one vault path (and one IRI) however it is imported:
the whole vault, one of its folders, or the file alone.

The root is the nearest folder at or above the path that holds Obsidian's `.obsidian/`; else the
outermost folder this data folder imported before that holds the path; else the folder given (for a
file given alone, its own folder).
"""

import json
import logging
from pathlib import Path

from ingest.reading import given_root

log = logging.getLogger(__name__)
OBSIDIAN = ".obsidian"
KEPT = "vaults.json"


class VaultRoots:
    """The folders a data folder imported notes from, and the vault paths found under each, kept in
    `DATA_DIR/vaults.json` (what `kg ingest --prune` may remove when their files are gone)."""

    def __init__(self, data_dir: Path) -> None:
        self.file = data_dir / KEPT
        self.known: list[Path] = []
        self.found: dict[str, set[str]] = {}
        self._read()

    def _read(self) -> None:
        try:
            kept = json.loads(self.file.read_text("utf-8"))
            roots, found = kept["roots"], kept.get("notes", {})
            self.known = [Path(root) for root in roots if isinstance(root, str)]
            self.found = {root: set(paths) for root, paths in found.items() if isinstance(paths, list)}
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            log.warning("ignoring %s (%s): vault roots are found again from the paths imported", self.file, error)
            self.known, self.found = [], {}

    def root_of(self, path: Path) -> Path:
        """The vault root of a file or folder given to import."""
        folder = given_root(path)
        for candidate in (folder, *folder.parents):
            if (candidate / OBSIDIAN).is_dir():
                return candidate
        holding = [root for root in self.known if root == folder or root in folder.parents]
        return min(holding, key=lambda root: len(root.parts), default=folder)

    def remember(self, roots: list[Path], found: dict[Path, set[str]]) -> None:
        """Keep `roots` for later imports, and the vault paths `found` under each root (written only
        when something is new)."""
        new_roots = [root for root in dict.fromkeys(roots) if root not in self.known]
        new_paths = {str(root): paths - self.found.get(str(root), set()) for root, paths in found.items()}
        if not new_roots and not any(new_paths.values()):
            return
        self.known.extend(new_roots)
        for root, paths in new_paths.items():
            self.found.setdefault(root, set()).update(paths)
        self._save()

    def forget(self, root: Path, paths: set[str]) -> None:
        """These vault paths are no longer under `root`."""
        self.found[str(root)] = self.found.get(str(root), set()) - paths
        self._save()

    def _save(self) -> None:
        kept = {"roots": [str(root) for root in self.known], "notes": {r: sorted(p) for r, p in self.found.items()}}
        self.file.parent.mkdir(parents=True, exist_ok=True)
        staged = self.file.with_suffix(".tmp")
        staged.write_text(json.dumps(kept, indent=1), "utf-8")
        staged.replace(self.file)
