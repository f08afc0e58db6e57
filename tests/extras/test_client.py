"""``[client]`` alone: the client page's example runs against the emulator."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.extras._support import SNIPPETS, run


def test_the_client_page_example_runs_against_the_emulator(tmp_path: Path) -> None:
    script = (SNIPPETS / "client_emulator.py").read_text()
    # The snippet asserts the run completed; print what it got as well.
    (tmp_path / "example.py").write_text(script + "\nprint(run.status, run.post.title)\n")
    output = run(sys.executable, "example.py", cwd=tmp_path)
    status, title = output.strip().splitlines()[-1].split(" ", 1)
    assert status == "completed"
    assert title
