"""Without its framework installed, an adapter says which extra to install."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    ("adapter", "blocked", "extra"),
    [
        ("fastapi", "fastapi", "fastapi"),
        ("flask", "flask", "flask"),
        ("django", "django", "django"),
        ("client", "httpx", "client"),
        ("testing", "httpx", "client"),
        ("stores.markdown", "yaml", "markdown"),
        ("stores.postgres", "psycopg", "postgres"),
        ("serve.metrics", "prometheus_client", "metrics"),
        ("contrib.wagtail", "wagtail", "wagtail"),
    ],
)
def test_missing_framework_names_the_extra(adapter, blocked, extra):
    code = (
        f"import sys; sys.modules[{blocked!r}] = None\n"
        "try:\n"
        f"    import wonderblogs_target.{adapter}\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert f'pip install "wonderblogs-target[{extra}]"' in result.stdout


def test_starlette_routes_helper_names_its_extra():
    code = (
        "import sys; sys.modules['starlette'] = None; sys.modules['starlette.routing'] = None\n"
        "from wonderblogs_target.asgi import create_wonderblogs_app\n"
        "app = create_wonderblogs_app(api_key='k', get_context=dict, on_publish=print)\n"
        "try:\n"
        "    app.routes()\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert 'pip install "wonderblogs-target[starlette]"' in result.stdout


def test_serve_without_its_extra_names_the_extra():
    code = (
        "import sys; sys.modules['uvicorn'] = None\n"
        "from wonderblogs_target.cli import main\n"
        "sys.exit(main(['serve', '--api-key', 'k']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert 'pip install "wonderblogs-target[serve]"' in result.stderr
