import httpx

from db.database import Database
from gql.app import create_app
from jobs.runtime import Runtime
from services.settings import Settings


async def test_healthy_while_the_database_answers(http: httpx.AsyncClient) -> None:
    response = await http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_unhealthy_when_the_database_is_gone(settings: Settings) -> None:
    unreachable = Database("postgresql://nobody@127.0.0.1:1/nothing")
    app = create_app(Runtime(unreachable, settings))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/healthz")
    assert response.status_code == 503
    await unreachable.dispose()
