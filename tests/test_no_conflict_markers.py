"""No file in the repository keeps a merge's conflict markers (a table of the README once
did: nothing else reads a README's tables)."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"^(<{7} |>{7} |={7}$)", re.MULTILINE)


def test_no_conflict_markers() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
    ).stdout.split("\0")
    found = []
    for name in filter(None, tracked):
        path = ROOT / name
        if path.suffix in {".py", ".md", ".graphql", ".toml", ".json", ".mjs", ".js", ".cfg"}:
            text = path.read_text(errors="replace")
            found += [
                f"{name}:{text.count(chr(10), 0, m.start()) + 1}" for m in MARKER.finditer(text)
            ]
    assert found == [], found
