"""The example apps and the README commands that start them."""

from __future__ import annotations

from harness.servers import ROOT

KEY = "example-key"
EXAMPLES = {
    "fastapi": ["examples/fastapi_app.py"],
    "starlette": ["examples/starlette_app.py"],
    "flask": ["examples/flask_app.py"],
    "django": ["examples/django_project/manage.py", "runserver", "{address}", "--noreload"],
}


#: Commands to run once before an example's server starts.
SETUP = {"django": [["examples/django_project/manage.py", "migrate", "--no-input"]]}


def setup_commands(name: str) -> list[list[str]]:
    """The README's set-up commands for example ``name``."""
    return [
        [str(ROOT / arg) if arg.startswith("examples/") else arg for arg in command]
        for command in SETUP.get(name, [])
    ]


def example_command(name: str, port: int) -> list[str]:
    """The README's command for example ``name``, listening on ``port``."""
    return [
        str(ROOT / arg) if arg.startswith("examples/") else arg.format(address=f"127.0.0.1:{port}")
        for arg in EXAMPLES[name]
    ]
