"""``[django]`` alone: the Django app page's blocks in a fresh ``startproject``,
then ``migrate``, ``manage.py wonderblogs_check``, the served endpoint and the admin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from harness.servers import free_port
from tests import samples
from tests.extras._support import KEY, ask, environment, run, running
from tests.helpers import readme_block

ADMIN_CHECK = """
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
user = get_user_model().objects.get(username="admin")
client = Client()
client.force_login(user)
print(client.get("/admin/wonderblogs/article/").content.decode())
"""


def test_the_django_app_page_on_a_fresh_startproject(tmp_path: Path) -> None:
    run(sys.executable, "-m", "django", "startproject", "mysite", tmp_path, cwd=tmp_path)
    settings_file = tmp_path / "mysite" / "settings.py"
    # The page's two blocks, as they are written there.
    settings_file.write_text(
        settings_file.read_text() + readme_block("<!-- django-app-example -->")
    )
    urls = tmp_path / "mysite" / "urls.py"
    urls.write_text(urls.read_text() + readme_block("<!-- django-app-urls -->"))
    manage = (sys.executable, "manage.py")
    # The page's commands, in its order (the key is set as its first line says).
    commands = readme_block("<!-- django-app-commands -->", "bash").splitlines()
    assert commands[0].startswith("export WONDERBLOGS_API_KEY=")
    assert commands[1:] == [
        "python manage.py migrate",
        "python manage.py wonderblogs_check --publish",
        "python manage.py createsuperuser",
        "python manage.py runserver",
    ]
    # Out of order, the check says what to do, in one line, instead of failing on tables.
    early = subprocess.run(
        [*manage, "wonderblogs_check", "--publish"],
        cwd=tmp_path, env=environment(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert early.returncode == 2, early.stdout + early.stderr
    assert "run python manage.py migrate" in early.stderr
    assert "Traceback" not in early.stderr
    assert "no such table" not in early.stderr
    run(*manage, "migrate", cwd=tmp_path)
    checked = run(*manage, "wonderblogs_check", "--publish", cwd=tmp_path)
    assert "ready for Wonderblogs" in checked
    # createsuperuser asks for a password at a terminal; the same, from the environment.
    run(*manage, "createsuperuser", "--noinput", cwd=tmp_path,
        DJANGO_SUPERUSER_USERNAME="admin", DJANGO_SUPERUSER_EMAIL="a@example.com",
        DJANGO_SUPERUSER_PASSWORD="a long pass phrase")  # fmt: skip
    port = free_port()
    serving = running(*manage, "runserver", f"127.0.0.1:{port}", "--noreload", cwd=tmp_path,
                      port=port)  # fmt: skip
    with serving as base:
        api = f"{base}/api/wonderblogs"
        assert ask("POST", api, samples.PAYLOAD) == (200, {"ok": True})
        status, context = ask("GET", api + "/")
    assert status == 200
    assert samples.PAYLOAD["title"] in [a["title"] for a in context["recent_articles"]]
    admin = run(*manage, "shell", "-c", ADMIN_CHECK, cwd=tmp_path)
    assert samples.PAYLOAD["title"] in admin
    assert "Draft" in admin
    assert KEY not in admin
