from __future__ import annotations

import os

import pytest

from tests.contract.clients.frameworks import CLIENTS, ClientFactory
from tests.helpers import Recorder

# The testing kit is tested by running real test projects (tests/test_testing_kit.py).
pytest_plugins = ["pytester"]

# The Wagtail app's tests run in a child pytest with the Wagtail project's
# settings (tests/test_wagtail.py starts it); this process has the Django project's.
WAGTAIL_RUN = os.environ.get("WONDERBLOGS_TEST_WAGTAIL") == "1"
# Each extra's tests run alone in an environment with only that extra (nox -s extra).
collect_ignore = ["extras"] if WAGTAIL_RUN else ["wagtail", "extras"]


def pytest_configure(config: pytest.Config) -> None:
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = (
        "tests.wagtail_project.settings" if WAGTAIL_RUN else "tests.django_project.settings"
    )
    django.setup()
    # Loaded now; kept out of the environment of the servers the tests start.
    del os.environ["DJANGO_SETTINGS_MODULE"]


@pytest.fixture(scope="session")
def django_db() -> str:
    """The test project's SQLite database, migrated once per session."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return "default"


@pytest.fixture(scope="session")
def django_postgres(postgres_url: str) -> str:
    """The test project's PostgreSQL database (a real server), migrated once."""
    import psycopg
    from django.core.management import call_command

    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("CREATE DATABASE wb_django")
    call_command("migrate", database="postgres", verbosity=0)
    return "postgres"


@pytest.fixture(autouse=True)
def _patterns_reset():
    """Each test starts from the test project's fixed URLs: a test that served a
    view of its own (``set_patterns``) leaves nothing for the next one, in any
    order (pytest-xdist runs them in several orders)."""
    yield
    if not WAGTAIL_RUN:
        from tests.django_project.urls import set_patterns

        set_patterns()


#: Tests that take longest (each runs a child pytest or builds real projects),
#: started first so that the parallel workers finish together.
SLOWEST_FIRST = (
    "tests/test_wagtail.py",
    "tests/test_django_on_postgres.py",
    "tests/stores/test_generators.py",
    "tests/test_schemathesis.py",
    "tests/test_testing_kit.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        for index, prefix in enumerate(SLOWEST_FIRST):
            if item.nodeid.startswith(prefix):
                return index
        return len(SLOWEST_FIRST)

    items.sort(key=rank)  # stable: the rest keep their order


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


@pytest.fixture(scope="session")
def redis_url():
    from tests.redis_server import redis_server

    with redis_server() as url:
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
