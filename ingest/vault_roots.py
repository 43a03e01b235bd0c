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
    """The folders a data folder imported notes from, kept in `DATA_DIR/vaults.json`."""

    def __init__(self, data_dir: Path) -> None:
        self.file = data_dir / KEPT
        self.known = self._read()

    def _read(self) -> list[Path]:
        try:
            roots = json.loads(self.file.read_text("utf-8"))["roots"]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning("ignoring %s (%s): vault roots are found again from the paths imported", self.file, error)
            return []
        return [Path(root) for root in roots if isinstance(root, str)]

    def root_of(self, path: Path) -> Path:
        """The vault root of a file or folder given to import."""
        folder = given_root(path)
        for candidate in (folder, *folder.parents):
            if (candidate / OBSIDIAN).is_dir():
                return candidate
        holding = [root for root in self.known if root == folder or root in folder.parents]
        return min(holding, key=lambda root: len(root.parts), default=folder)

    def remember(self, roots: list[Path]) -> None:
        """Keep `roots` for later imports (written only when one is new)."""
        new = [root for root in roots if root not in self.known]
        if not new:
            return
        self.known.extend(new)
        self.file.parent.mkdir(parents=True, exist_ok=True)
        staged = self.file.with_suffix(".tmp")
        staged.write_text(json.dumps({"roots": [str(root) for root in self.known]}, indent=1), "utf-8")
        staged.replace(self.file)
