"""/metrics is off unless asked for, and then open or behind a bearer token."""

import httpx
import pytest
from pydantic import ValidationError

from db.database import Database
from gql.app import create_app
from jobs.runtime import Runtime
from services.settings import Settings


async def _get(
    db: Database, settings: Settings, headers: dict[str, str] | None = None
) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_app(Runtime(db, settings)))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/metrics", headers=headers)


async def test_off_by_default(db: Database, settings: Settings) -> None:
    assert Settings.model_fields["metrics"].default == "off"
    response = await _get(db, settings.model_copy(update={"metrics": "off"}))
    assert response.status_code == 404


async def test_open_needs_nothing(db: Database, settings: Settings) -> None:
    response = await _get(db, settings.model_copy(update={"metrics": "open"}))
    assert response.status_code == 200
    assert "# TYPE campaigns_messages_total counter" in response.text
    assert 'campaigns_db_pool_connections{pool="requests",state="in_use"}' in response.text


async def test_bearer_needs_the_token(db: Database, settings: Settings) -> None:
    guarded = Settings(
        **{**settings.model_dump(by_alias=False), "metrics": "bearer", "metrics_token": "s3cret"}
    )
    assert (await _get(db, guarded)).status_code == 401
    wrong = await _get(db, guarded, {"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and "CAMPAIGNS_METRICS_TOKEN" in wrong.json()["error"]
    assert (await _get(db, guarded, {"Authorization": "Bearer s3cret"})).status_code == 200


def test_bearer_without_a_token_does_not_start() -> None:
    with pytest.raises(ValidationError, match="CAMPAIGNS_METRICS_TOKEN"):
        Settings(CAMPAIGNS_METRICS="bearer")
