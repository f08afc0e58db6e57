"""``[wagtail]`` alone: a project made by ``wagtail start``, with the Wagtail
page's blocks as written, turns ``wonderblogs-target check --publish`` into a
draft blog page."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

URLS = 'path("api/wonderblogs", include("wonderblogs_target.contrib.django.urls")),\n    '
MAKE_THE_BLOG = """
from wagtail.models import Site
from blog.models import BlogIndexPage
home = Site.objects.get(is_default_site=True).root_page
home.add_child(instance=BlogIndexPage(title="Blog", slug="blog"))
"""
SHOW_THE_POSTS = """
import json
from blog.models import BlogPage
print(json.dumps([
    [p.title, p.slug, p.live, p.get_parent().slug, p.revisions.count(), "<p>" in p.body]
    for p in BlogPage.objects.all()
]))
"""


def test_the_readme_on_a_fresh_wagtail_start_project(tmp_path):
    import json

    import httpx

    from harness.servers import free_port, server
    from tests.helpers import readme_block

    bin_dir = Path(sys.executable).parent
    site = tmp_path / "site"
    site.mkdir()
    subprocess.run([str(bin_dir / "wagtail"), "start", "mysite", str(site)], check=True, timeout=60)
    blog = site / "blog"
    (blog / "migrations").mkdir(parents=True)
    (blog / "__init__.py").write_text("")
    (blog / "migrations" / "__init__.py").write_text("")
    (blog / "models.py").write_text(readme_block("<!-- wagtail-model -->"))
    settings_file = site / "mysite" / "settings" / "base.py"
    settings_file.write_text(
        settings_file.read_text()
        + '\nINSTALLED_APPS += ["blog"]\n'
        + readme_block("<!-- wagtail-settings -->")
    )
    urls = site / "mysite" / "urls.py"
    text = urls.read_text()
    assert 'path("django-admin/"' in text
    urls.write_text(text.replace('path("django-admin/"', URLS + 'path("django-admin/"', 1))
    env = {**os.environ, "WONDERBLOGS_API_KEY": "fresh-wagtail-key", "PYTHONPATH": str(site)}
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=site,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done.stdout

    manage("makemigrations", "blog")
    manage("migrate")
    manage("check")
    manage("shell", "-c", MAKE_THE_BLOG)
    port = free_port()
    runserver = ["manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    with server(runserver, port=port, env=env, cwd=site):
        check = subprocess.run(
            [
                str(bin_dir / "wonderblogs-target"), "check",
                f"http://127.0.0.1:{port}/api/wonderblogs", "--publish",
            ],
            env={**env, "WONDERBLOGS_API_KEY": "fresh-wagtail-key"},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )  # fmt: skip
        assert check.returncode == 0, check.stdout + check.stderr
        admin = httpx.get(f"http://127.0.0.1:{port}/admin/", follow_redirects=False)
        assert admin.status_code == 302  # the Wagtail admin is there, behind its login
    [post] = json.loads(manage("shell", "-c", SHOW_THE_POSTS).strip().splitlines()[-1])
    title, slug, live, parent, revisions, rich_text = post
    assert title
    assert slug.startswith("wonderblogs-target-check-")
    assert live is False  # a draft, for an editor to review
    assert parent == "blog"
    assert revisions == 1
    assert rich_text
