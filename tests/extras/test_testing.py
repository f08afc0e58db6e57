"""``[testing]`` alone: the testing page's test file passes in a project of a bare WSGI app."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.extras._support import run
from tests.helpers import readme_block

#: A site with nothing but the standard library's WSGI and the package's adapter.
MYAPP = """
from wonderblogs_target import wsgi

KEY = "test-key"
BRAND = {"brand_identity": "Acme.", "tone_of_voice": "Plain.",
         "instructions": "One example per article.", "content_focus": "Cloud spend"}
events = []
target = wsgi.create_wonderblogs_wsgi_app(api_key=KEY, get_context=BRAND,
                                          store="sqlite:///wonderblogs.db")
callbacks = wsgi.create_wonderblogs_callback_wsgi_app(api_key=KEY, on_event=events.append)


def app(environ, start_response):
    if environ["PATH_INFO"].startswith("/webhooks/wonderblogs"):
        return callbacks(environ, start_response)
    return target(environ, start_response)
"""


def test_the_testing_page_file_passes_with_the_plugin(tmp_path: Path) -> None:
    (tmp_path / "myapp.py").write_text(MYAPP)
    (tmp_path / "test_wonderblogs.py").write_text(readme_block("<!-- testing-example -->"))
    output = run(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", cwd=tmp_path)
    assert "6 passed" in output
