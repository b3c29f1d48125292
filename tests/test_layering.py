"""Statements live in repositories/ (and db/): the layers above them decide, wire and
commit, and never build or run SQL. import-linter checks which packages import which;
this test checks what the code above the repositories does with the session it holds."""

import ast
from pathlib import Path

from tests.test_code_size import ROOT, python_files

ABOVE_REPOSITORIES = ("services/", "jobs/", "gql/", "cli/")
# Session and engine types, and the errors a statement raises, are all these layers need.
ALLOWED_SQLALCHEMY = ("sqlalchemy.ext.asyncio", "sqlalchemy.exc")
# Raw connections and their statements belong to db/ (db/listener.py) and repositories/.
FORBIDDEN_MODULES = ("sqlalchemy", "asyncpg")
# Methods that only run or stage statements: forbidden whatever they are called on.
STATEMENT_METHODS = {"execute", "scalar", "scalars", "stream", "stream_scalars", "get_one"}
# `add`, `flush` and `get` are also what sets, buffers and dicts do (a subscriber set,
# the token-usage buffer), so these count only on a session or connection by its name
# (`session`, `self.session`, `leader_connection`...).
SESSION_METHODS = {"add", "add_all", "flush", "get", "delete", "merge", "refresh"}
SESSION_NAMES = ("session", "connection")
# Explained exemptions, as "path: call". None needed today: `session.commit()` (jobs and
# the request own their transactions) and `session.begin_nested()` (a job's savepoint)
# are transaction control, not statements.
EXEMPT: set[str] = set()


def violations(name: str, source: str) -> list[str]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source, filename=name)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for module in _imported(node):
                root = module.split(".")[0]
                if root in FORBIDDEN_MODULES and not module.startswith(ALLOWED_SQLALCHEMY):
                    found.append((node.lineno, f"{name}:{node.lineno}: imports {module}"))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method, receiver = node.func.attr, ast.unparse(node.func.value)
            on_session = any(word in _last_name(node.func.value) for word in SESSION_NAMES)
            if method in STATEMENT_METHODS or (method in SESSION_METHODS and on_session):
                call = f"{receiver}.{method}()"
                if f"{name}: {call}" not in EXEMPT:
                    found.append((node.lineno, f"{name}:{node.lineno}: {call}"))
    return [problem for _, problem in sorted(found)]


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return [node.module] if node.module and node.level == 0 else []


def test_no_statement_above_the_repositories() -> None:
    files = [name for name in python_files() if name.startswith(ABOVE_REPOSITORIES)]
    assert "services/sends/service.py" in files, "the walk found the services"
    found = [problem for name in files for problem in violations(name, _read(name))]
    assert found == [], "move these into repositories/:\n" + "\n".join(found)


def test_the_check_catches_sql_above_the_repositories() -> None:
    planted = (
        "from sqlalchemy import select\n"
        "import asyncpg\n"
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "from sqlalchemy.exc import IntegrityError\n"
        "async def f(session: AsyncSession, db, seen: set[int]) -> None:\n"
        "    await session.execute(select(1))\n"
        "    await db.scalar(select(1))\n"
        "    session.add(object())\n"
        "    await self.session.flush()\n"
        "    await session.get_one(object, 1)\n"
        "    seen.add(1)\n"
        "    await session.commit()\n"
    )
    assert violations("services/planted.py", planted) == [
        "services/planted.py:1: imports sqlalchemy",
        "services/planted.py:2: imports asyncpg",
        "services/planted.py:6: session.execute()",
        "services/planted.py:7: db.scalar()",
        "services/planted.py:8: session.add()",
        "services/planted.py:9: self.session.flush()",
        "services/planted.py:10: session.get_one()",
    ]


# Services decide and repositories run statements, on a session they are given: only a
# request (gql/) and a job (jobs/) open sessions and transactions, and end them.
OWN_NO_TRANSACTIONS = ("services/", "repositories/")
# A savepoint (`begin_nested`) is allowed: it is a statement inside the caller's
# transaction (repositories/campaigns.py catches a name clash with one), not its end.
TRANSACTION_METHODS = {"commit", "rollback", "begin", "transaction"}


def transaction_owners(name: str, source: str) -> list[str]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source, filename=name)):
        if isinstance(node, ast.Import | ast.ImportFrom) and "db.database" in _imported(node):
            found.append((node.lineno, f"{name}:{node.lineno}: imports db.database"))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method, receiver = node.func.attr, ast.unparse(node.func.value)
            if method in TRANSACTION_METHODS or (method == "session" and receiver.endswith("db")):
                found.append((node.lineno, f"{name}:{node.lineno}: {receiver}.{method}()"))
    return [problem for _, problem in sorted(found)]


def test_services_and_repositories_own_no_transaction() -> None:
    files = [name for name in python_files() if name.startswith(OWN_NO_TRANSACTIONS)]
    assert "repositories/ledger.py" in files, "the walk found the repositories"
    found = [problem for name in files for problem in transaction_owners(name, _read(name))]
    assert found == [], "only jobs/ and gql/ open or end transactions:\n" + "\n".join(found)


def test_the_check_catches_a_service_that_commits() -> None:
    planted = (
        "from db.database import Database\n"
        "async def f(db: Database, session) -> None:\n"
        "    async with db.transaction() as inner:\n"
        "        await inner.commit()\n"
        "    async with self.db.session():\n"
        "        pass\n"
        "    await session.begin_nested()\n"
        "    await session.rollback()\n"
    )
    assert transaction_owners("services/planted.py", planted) == [
        "services/planted.py:1: imports db.database",
        "services/planted.py:3: db.transaction()",
        "services/planted.py:4: inner.commit()",
        "services/planted.py:5: self.db.session()",
        "services/planted.py:8: session.rollback()",
    ]


def _last_name(receiver: ast.expr) -> str:
    """`session` for `session` and `self.session`; "" for anything else (a call...)."""
    if isinstance(receiver, ast.Name):
        return receiver.id.lower()
    if isinstance(receiver, ast.Attribute):
        return receiver.attr.lower()
    return ""


def _read(name: str) -> str:
    return (Path(ROOT) / name).read_text()
