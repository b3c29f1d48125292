"""The project's size rule, outside migrations: no file over 400 lines, no function over
50. Small pieces are what keeps the code reviewable; this test keeps the rule from eroding."""

import ast
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 50
# Alembic revisions are history: they are written once and never split afterwards.
EXEMPT = ("db/migrations/",)
NOT_OURS = {".venv", "node_modules", "build", ".git", ".mypy_cache", ".ruff_cache"}


def python_files() -> list[str]:
    """Tracked and new (not ignored) .py files, relative to the repository's root; a walk
    that skips virtualenvs and dependencies when this is not a git checkout."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        listed = [
            str(path.relative_to(ROOT))
            for path in ROOT.rglob("*.py")
            if not NOT_OURS & set(path.relative_to(ROOT).parts)
        ]
    # A file deleted but not yet staged is still listed by git.
    return sorted(
        name for name in listed if not name.startswith(EXEMPT) and (ROOT / name).is_file()
    )


def oversized(name: str, source: str) -> list[str]:
    found = []
    lines = len(source.splitlines())
    if lines > MAX_FILE_LINES:
        found.append(f"{name}: {lines} lines")
    for node in ast.walk(ast.parse(source, filename=name)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append(f"{name}:{node.lineno} {node.name}() is {length} lines")
    return found


def test_no_file_over_400_lines_and_no_function_over_50() -> None:
    files = python_files()
    assert "services/campaigns/drafts.py" in files, "the walk found the project's code"
    too_big = [problem for name in files for problem in oversized(name, _read(name))]
    assert too_big == [], "split these:\n" + "\n".join(too_big)


def test_the_check_catches_a_long_function_and_a_long_file() -> None:
    long_function = "def f() -> None:\n" + "    x = 1\n" * 50
    assert oversized("f.py", long_function) == ["f.py:1 f() is 51 lines"]
    assert oversized("f.py", "def f() -> None:\n" + "    x = 1\n" * 49) == []
    long_file = "x = 1\n" * 401
    assert oversized("g.py", long_file) == ["g.py: 401 lines"]


def _read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")
