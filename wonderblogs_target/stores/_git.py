"""Commit (and push) each post the Markdown store writes, with the ``git``
command line that is wherever a site's repository is.

The choices, as the README tells them:

- One commit per write, of the post's files only (``git commit --only``): a
  person's staged or unstaged work in the same checkout is never swept in.
- A commit that fails fails the delivery (5xx), so Wonderblogs sends the
  article again and the next write commits it.
- A push that fails leaves the commit in place and the delivery answered 2xx:
  the article is safe in the repository, and the next write's push carries
  it. When the remote moved, the store fetches, rebases its commits on the
  upstream branch and pushes again, a few times; a rebase that conflicts is
  aborted, never resolved by guessing.
- Nothing git prints reaches a client; what is logged has any password in a
  remote URL masked.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from email.utils import parseaddr
from pathlib import Path

from ..errors import ConfigurationError

__all__ = ["DEFAULT_AUTHOR", "GitError", "GitPublisher"]

logger = logging.getLogger("wonderblogs_target.stores")

DEFAULT_AUTHOR = "Wonderblogs <wonderblogs@localhost>"
PUSH_ATTEMPTS = 4
# A remote URL's "user:password@" part, in what git prints.
_CREDENTIALS = re.compile(r"(?<=://)[^/@\s]+@")


class GitError(OSError):
    """A git command that failed; an OSError, so the target answers 5xx."""


def _masked(text: str) -> str:
    return _CREDENTIALS.sub("***@", text)


class GitPublisher:
    """``push=False`` commits only; ``push=True`` pushes to the branch's upstream."""

    def __init__(self, directory: Path, *, push: bool, author: str | None = None) -> None:
        executable = shutil.which("git")
        if executable is None:
            raise ConfigurationError("the Markdown store's git option needs the git command")
        self._executable = executable
        name, email = parseaddr(author or DEFAULT_AUTHOR)
        if not name or "@" not in email:
            raise ConfigurationError(f"git author must look like 'Name <email>', got {author!r}")
        self.push_too = push
        self._env = {
            **os.environ,
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email,
            "GIT_TERMINAL_PROMPT": "0",  # never wait for a password on a push
        }
        self.directory = directory
        try:
            top = self._git("rev-parse", "--show-toplevel")
        except GitError:
            raise ConfigurationError(
                f"{directory} is not inside a git repository (git init, or clone the site)"
            ) from None
        self.root = Path(top.strip())
        self._refuse_a_stale_lock()
        if push:
            try:
                self.upstream = self._git("rev-parse", "--abbrev-ref", "@{upstream}").strip()
            except GitError:
                raise ConfigurationError(
                    "git=push needs the branch to have an upstream "
                    "(git push --set-upstream origin <branch>)"
                ) from None

    def _refuse_a_stale_lock(self) -> None:
        """At start-up, git's index lock left behind (a git process killed
        mid-write) would fail every later commit, so every delivery: say it now,
        with the one command that fixes it. It is not removed here: a person's
        git command may be holding it this very moment."""
        lock = Path(self._git("rev-parse", "--absolute-git-dir").strip()) / "index.lock"
        if lock.exists():
            raise ConfigurationError(
                f"{lock} exists: a git command is running in {self.root}, or one was "
                f"killed and left it; once no git command runs there: rm {lock}"
            )

    def _git(self, *args: str, timeout: float = 60.0) -> str:
        try:
            # No shell; paths always follow "--", so no name is read as an option.
            done = subprocess.run(  # noqa: S603
                [self._executable, *args],
                cwd=self.directory,
                env=self._env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise GitError(f"git {args[0]} took over {timeout:g} s") from None
        if done.returncode != 0:
            raise GitError(f"git {args[0]} failed: {_masked(done.stderr.strip())}")
        return done.stdout

    def commit(self, written: Sequence[Path], removed: Sequence[Path], message: str) -> str:
        """Commit exactly these paths; the new commit's id."""
        paths = [str(p) for p in written]
        for path in removed:
            # A removed file git never knew needs no commit.
            if self._git("ls-files", "--", str(path)).strip():
                paths.append(str(path))
        self._git("add", "--all", "--", *paths)
        self._git("commit", "--quiet", "--only", "-m", message, "--", *paths)
        return self._git("rev-parse", "HEAD").strip()

    def push(self) -> bool:
        """Push to the upstream, rebasing when it moved; False (logged) when the
        commits stay local for now."""
        for _ in range(PUSH_ATTEMPTS):
            try:
                self._git("push", "--quiet")
                return True
            except GitError as exc:
                reason = str(exc)
            try:
                self._git("fetch", "--quiet")
                self._git("rebase", "--quiet", "@{upstream}")
            except GitError as exc:
                with_abort = self._abort_rebase()
                logger.warning(
                    "git push left for later: %s%s (the commits stay local)", exc, with_abort
                )
                return False
        logger.warning("git push left for later after %d tries: %s", PUSH_ATTEMPTS, reason)
        return False

    def _abort_rebase(self) -> str:
        try:
            self._git("rebase", "--abort")
        except GitError:
            return ""  # no rebase was under way: the fetch failed
        return "; the rebase was aborted"
