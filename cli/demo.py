"""The demo merchant seeded on the first start on the embedded database."""

import json
from pathlib import Path

from db.database import Database
from services.merchants.service import create_merchant

DEMO_NAME = "Demo Store"


def token_file(data_dir: Path) -> Path:
    return data_dir / "demo-merchant.json"


async def ensure_demo_merchant(db: Database, data_dir: Path) -> dict[str, str]:
    """Create the demo merchant once; its id and token are kept in the data directory
    (tokens are stored hashed, so this file is the only place the token can be read)."""
    path = token_file(data_dir)
    if path.exists():
        saved: dict[str, str] = json.loads(path.read_text())
        return saved
    async with db.transaction() as session:
        created = await create_merchant(session, DEMO_NAME, commerce=True)
    demo = {"merchant_id": str(created.merchant.id), "token": created.token}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(demo))
    path.chmod(0o600)
    return demo
