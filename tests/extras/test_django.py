"""``[django]`` alone: the Django app page's blocks in a fresh ``startproject``,
then ``migrate``, ``manage.py wonderblogs_check``, the served endpoint and the admin."""

from __future__ import annotations

import sys
from pathlib import Path

from harness.servers import free_port
from tests import samples
from tests.extras._support import KEY, ask, run, running
from tests.helpers import readme_block

ADMIN_CHECK = """
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
user = get_user_model().objects.create_superuser("admin", "a@example.com", "pw")
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
    run(*manage, "migrate", cwd=tmp_path)
    checked = run(*manage, "wonderblogs_check", "--publish", cwd=tmp_path)
    assert "ready for Wonderblogs" in checked
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
