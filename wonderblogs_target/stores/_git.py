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
- The network is outside the store's lock: pushing and fetching run after the
  write is committed and the lock released, each for at most
  `PUSH_TIMEOUT` seconds (git and every process it started are stopped
  then), and one push at a time per process: a delivery that finds a push
  running leaves its commit to the next one. So a remote that never answers
  costs each delivery at most that long and never holds other writers; only
  the rebase, which changes the checkout, takes the lock.
- Nothing git prints reaches a client; what is logged has any password in a
  remote URL masked.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from email.utils import parseaddr
from pathlib import Path

from ..errors import ConfigurationError

__all__ = ["DEFAULT_AUTHOR", "GitError", "GitPublisher"]

logger = logging.getLogger("wonderblogs_target.stores")

DEFAULT_AUTHOR = "Wonderblogs <wonderblogs@localhost>"
PUSH_ATTEMPTS = 4
#: Seconds a push or a fetch may take before it is stopped and left for later.
PUSH_TIMEOUT = 20.0
#: Seconds the same index lock found at start-up may stay unchanged before it
#: is called stale: a commit holds its lock for well under a second.
LOCK_WAIT = 5.0
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
        self._pushing = threading.Lock()
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
        # A git command running now (other workers' commits, starting with
        # this one) holds it for a moment, and the next one makes a new file:
        # only the same lock file, unchanged for LOCK_WAIT seconds, is stale.
        seen: tuple[int, int] | None = None
        since = time.monotonic()
        while True:
            try:
                found = lock.stat()
            except FileNotFoundError:
                return
            now = (found.st_ino, found.st_mtime_ns)
            if now != seen:
                seen, since = now, time.monotonic()
            elif time.monotonic() - since >= LOCK_WAIT:
                break
            time.sleep(0.05)
        if lock.exists():
            raise ConfigurationError(
                f"{lock} exists: a git command is running in {self.root}, or one was "
                f"killed and left it; once no git command runs there: rm {lock}"
            )

    def _git(self, *args: str, timeout: float = 60.0) -> str:
        # No shell; paths always follow "--", so no name is read as an option.
        # A session of its own, so a timeout stops git's helpers too (ssh,
        # git-remote-http), which would otherwise hold the pipes open.
        with subprocess.Popen(  # noqa: S603
            [self._executable, *args],
            cwd=self.directory,
            env=self._env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        ) as process:
            try:
                stdout, stderr = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
                raise GitError(f"git {args[0]} took over {timeout:g} s") from None
        if process.returncode != 0:
            raise GitError(f"git {args[0]} failed: {_masked(stderr.strip())}")
        return stdout

    def commit(self, written: Sequence[Path], removed: Sequence[Path], message: str) -> str:
        """Commit exactly these paths; the new commit's id."""
        # Absolute: git runs in the posts folder, and a store opened on a relative
        # path (markdown:///content/posts) names its files from the process's cwd.
        paths = [os.path.abspath(p) for p in written]
        for path in removed:
            # A removed file git never knew needs no commit.
            if self._git("ls-files", "--", os.path.abspath(path)).strip():
                paths.append(os.path.abspath(path))
        if not paths:
            # Nothing git knows changed; "git add --all --" alone would take everything.
            return self._git("rev-parse", "HEAD").strip()
        self._git("add", "--all", "--", *paths)
        self._git("commit", "--quiet", "--only", "-m", message, "--", *paths)
        return self._git("rev-parse", "HEAD").strip()

    def push(self, locked: Callable[[], AbstractContextManager[object]]) -> bool:
        """Push to the upstream, rebasing when it moved; False (logged) when the
        commits stay local for now. Called outside the store's lock; ``locked``
        takes it for the rebase."""
        if not self._pushing.acquire(blocking=False):
            logger.info("git push under way; it or the next one carries this commit")
            return False
        try:
            return self._push(locked)
        finally:
            self._pushing.release()

    def _push(self, locked: Callable[[], AbstractContextManager[object]]) -> bool:
        for _ in range(PUSH_ATTEMPTS):
            try:
                self._git("push", "--quiet", timeout=PUSH_TIMEOUT)
                return True
            except GitError as exc:
                reason = str(exc)
            try:
                self._git("fetch", "--quiet", timeout=PUSH_TIMEOUT)
                with locked():
                    try:
                        self._git("rebase", "--quiet", "@{upstream}")
                    except GitError as exc:
                        raise GitError(f"{exc}{self._abort_rebase()}") from None
            except GitError as exc:
                logger.warning("git push left for later: %s (the commits stay local)", exc)
                return False
        logger.warning("git push left for later after %d tries: %s", PUSH_ATTEMPTS, reason)
        return False

    def _abort_rebase(self) -> str:
        try:
            self._git("rebase", "--abort")
        except GitError:
            return ""  # no rebase was under way: the fetch failed
        return "; the rebase was aborted"
