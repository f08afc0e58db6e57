"""Properties of the package as a whole. ruff and mypy --strict run in their own
nox sessions (``lint``, ``types``), where they install only what they need."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_importing_the_package_imports_no_framework():
    code = (
        "import sys, wonderblogs_target, wonderblogs_target.asgi, wonderblogs_target.wsgi\n"
        "heavy = {'fastapi', 'starlette', 'flask', 'werkzeug', 'django', 'httpx', 'anyio'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    result = run(sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_flask_django_asgi_and_wsgi_adapters_load_the_callback_side_only_when_used():
    """What a site that serves no callbacks never pays for at start-up: the
    receiver, its event models, signing and replay guards (FastAPI's adapter
    loads them for its OpenAPI document)."""
    code = (
        "import sys\n"
        "import wonderblogs_target.flask, wonderblogs_target.django\n"
        "import wonderblogs_target.asgi, wonderblogs_target.wsgi\n"
        "before = sorted(m for m in sys.modules if m.startswith('wonderblogs_target.callbacks'))\n"
        "from wonderblogs_target.asgi import create_wonderblogs_callback_app\n"
        "create_wonderblogs_callback_app(api_key='k' * 32, on_event=print)\n"
        "print(before, 'wonderblogs_target.callbacks.receiver' in sys.modules)"
    )
    result = run(sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[] True"


def test_the_adapters_load_pydantic_and_the_models_only_when_a_target_is_made():
    """Importing an adapter costs little over its framework (bench/cold_start.py):
    pydantic and the contract models come with the first target, whose
    context they check, or the first model named from the root."""
    code = (
        "import sys\n"
        "import wonderblogs_target, wonderblogs_target.flask, wonderblogs_target.django\n"
        "import wonderblogs_target.asgi, wonderblogs_target.wsgi\n"
        "loaded = lambda: sorted({'pydantic', 'wonderblogs_target.models'} & set(sys.modules))\n"
        "before = loaded()\n"
        "from wonderblogs_target import WonderblogsTarget\n"
        "WonderblogsTarget(api_key='k' * 32, get_context={'brand_identity': 'b', "
        "'tone_of_voice': 't', 'instructions': 'i', 'content_focus': 'c', 'recent_articles': []}, "
        "on_publish=print)\n"
        "print(before, loaded(), wonderblogs_target.PublishPayload.__name__)"
    )
    result = run(sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("[] ['pydantic', 'wonderblogs_target.models'] PublishPayload")


def test_py_typed_marker_ships():
    assert (ROOT / "wonderblogs_target" / "py.typed").exists()
