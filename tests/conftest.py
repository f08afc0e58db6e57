from __future__ import annotations

import pytest

from tests.clients.frameworks import CLIENTS, ClientFactory
from tests.helpers import Recorder

# The testing kit is tested by running real test projects (tests/test_testing_kit.py).
pytest_plugins = ["pytester"]


def pytest_configure(config: pytest.Config) -> None:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="tests-only",
            ALLOWED_HOSTS=["*"],
            ROOT_URLCONF="tests.django_urls",
            MIDDLEWARE=[
                "django.middleware.common.CommonMiddleware",
                "django.middleware.csrf.CsrfViewMiddleware",
            ],
            INSTALLED_APPS=[],
            APPEND_SLASH=False,
        )
        django.setup()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(params=sorted(CLIENTS))
def make_client(request: pytest.FixtureRequest) -> ClientFactory:
    """Builds a client for one framework from target options; the suite runs once per framework."""
    return CLIENTS[request.param]


# -- stores ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url():
    from tests.postgres import postgres_server

    with postgres_server() as url:
        yield url


@pytest.fixture
def fresh_database(request: pytest.FixtureRequest):
    """A new, empty PostgreSQL database for one test."""
    import psycopg

    server = request.getfixturevalue("postgres_url")
    name = f"wb_test_{next(_database_numbers)}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + "/" + name


_database_numbers = iter(range(1, 1_000_000))


@pytest.fixture(params=["sqlite", "postgres", "markdown"])
def store_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A store URL for an empty store of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/posts.db"  # four slashes: tmp_path is absolute
    if request.param == "markdown":
        return f"markdown:///{tmp_path}/posts"
    return str(request.getfixturevalue("fresh_database"))
