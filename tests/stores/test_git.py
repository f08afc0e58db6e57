"""``git=commit`` and ``git=push``, against real repositories: a bare one on
disk as the remote, the site's clone, and a second clone that pushes too."""

from __future__ import annotations

import contextlib
import logging
import subprocess
import threading
from pathlib import Path

import pytest

from tests import samples
from wonderblogs_target.errors import ConfigurationError
from wonderblogs_target.models import PublishPayload
from wonderblogs_target.stores import open_store
from wonderblogs_target.stores._git import GitError
from wonderblogs_target.stores.markdown import MarkdownStore

IDENTITY = ["-c", "user.name=Person", "-c", "user.email=person@example.org"]


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *IDENTITY, *args], cwd=folder, capture_output=True, text=True, check=True
    )
    return done.stdout


def article(**changes: object) -> PublishPayload:
    return PublishPayload.model_validate(samples.payload(**changes))


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    seed = tmp_path / "seed"
    git(tmp_path, "clone", "--quiet", str(bare), str(seed))
    (seed / "hugo.toml").write_text('title = "Site"\n')
    git(seed, "add", "hugo.toml")
    git(seed, "commit", "--quiet", "-m", "site")
    git(seed, "push", "--quiet", "origin", "HEAD:main")
    return bare


def clone(remote: Path, folder: Path) -> Path:
    git(remote.parent, "clone", "--quiet", str(remote), str(folder))
    return folder


def subjects(folder: Path, ref: str = "HEAD") -> list[str]:
    return git(folder, "log", "--format=%s", ref).splitlines()


def test_each_write_is_one_commit_of_the_posts_files_only(remote, tmp_path):
    site = clone(remote, tmp_path / "site")
    # A person's work in progress, staged and unstaged, in the same checkout.
    (site / "notes.md").write_text("mine\n")
    git(site, "add", "notes.md")
    (site / "hugo.toml").write_text('title = "Edited"\n')
    store = MarkdownStore(
        site / "content" / "posts", git="commit", git_author="Site Bot <bot@example.org>"
    )
    store.save(article(slug="first", externalId="e1"))
    store.save(article(slug="first", externalId="e1", title="Again"))
    store.save(article(slug="renamed", externalId="e1", action="update"))
    assert subjects(site)[:3] == [
        "wonderblogs: rewrite renamed (en), revision 3",
        "wonderblogs: update first (en), revision 2",
        "wonderblogs: publish first (en), revision 1",
    ]
    assert (
        git(site, "log", "-1", "--format=%an <%ae>|%cn") == "Site Bot <bot@example.org>|Site Bot\n"
    )
    changed = git(site, "show", "--name-status", "--no-renames", "--format=", "HEAD").split()
    assert changed == ["D", "content/posts/first.md", "A", "content/posts/renamed.md"]
    # The person's staged and unstaged changes are still theirs, uncommitted.
    status = git(site, "status", "--porcelain").splitlines()
    assert "A  notes.md" in status
    assert " M hugo.toml" in status
    assert not [line for line in status if "posts/" in line and not line.startswith("??")]


def test_a_folder_outside_a_repository_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigurationError, match="not inside a git repository"):
        open_store(f"markdown:///{tmp_path}/posts?git=commit")
    git(tmp_path, "init", "--quiet")
    with pytest.raises(ConfigurationError, match="git author must look like"):
        open_store(f"markdown:///{tmp_path}/posts?git=commit&git_author=nobody")


def test_push_needs_an_upstream(tmp_path):
    git(tmp_path, "init", "--quiet")
    with pytest.raises(ConfigurationError, match="needs the branch to have an upstream"):
        open_store(f"markdown:///{tmp_path}/posts?git=push")


def test_a_push_lands_on_the_remote_and_rebases_when_the_remote_moved(remote, tmp_path):
    site = clone(remote, tmp_path / "site")
    elsewhere = clone(remote, tmp_path / "elsewhere")
    store = open_store(f"markdown:///{site}/content/posts?git=push")
    store.save(article(slug="one"))
    assert subjects(remote)[0] == "wonderblogs: publish one (en), revision 1"
    # Somebody pushes from elsewhere: the store's next push is rejected, rebased, pushed.
    (elsewhere / "about.md").write_text("about\n")
    git(elsewhere, "add", "about.md")
    git(elsewhere, "commit", "--quiet", "-m", "about page")
    git(elsewhere, "pull", "--quiet", "--rebase")
    git(elsewhere, "push", "--quiet")
    store.save(article(slug="two"))
    assert subjects(remote)[:3] == [
        "wonderblogs: publish two (en), revision 1",
        "about page",
        "wonderblogs: publish one (en), revision 1",
    ]


def test_pushes_from_elsewhere_at_the_same_time_lose_nothing(remote, tmp_path):
    site = clone(remote, tmp_path / "site")
    elsewhere = clone(remote, tmp_path / "elsewhere")
    store = open_store(f"markdown:///{site}/content/posts?git=push")

    def push_from_elsewhere() -> None:
        for n in range(8):
            (elsewhere / f"page-{n}.md").write_text(f"{n}\n")
            git(elsewhere, "add", f"page-{n}.md")
            git(elsewhere, "commit", "--quiet", "-m", f"page {n}")
            for _ in range(20):
                try:
                    git(elsewhere, "pull", "--quiet", "--rebase")
                    git(elsewhere, "push", "--quiet")
                    break
                except subprocess.CalledProcessError:
                    continue

    other = threading.Thread(target=push_from_elsewhere)
    other.start()
    for n in range(8):
        store.save(article(slug=f"post-{n}"))
    other.join()
    store.save(article(slug="last"))  # carries anything an earlier push left behind
    on_remote = subjects(remote)
    assert {f"page {n}" for n in range(8)} <= set(on_remote)
    assert {f"wonderblogs: publish post-{n} (en), revision 1" for n in range(8)} <= set(on_remote)


def test_a_push_that_fails_keeps_the_commit_and_the_article(remote, tmp_path, caplog):
    site = clone(remote, tmp_path / "site")
    store = open_store(f"markdown:///{site}/content/posts?git=push")
    git(site, "remote", "set-url", "origin", "https://user:s3cret@127.0.0.1:9/nowhere.git")
    with caplog.at_level(logging.WARNING, logger="wonderblogs_target.stores"):
        saved = store.save(article(slug="kept"))
    assert store.get(saved.id) is not None
    assert subjects(site)[0] == "wonderblogs: publish kept (en), revision 1"
    assert "git push left for later" in caplog.text
    assert "s3cret" not in caplog.text


def test_a_conflicting_remote_change_aborts_the_rebase_and_keeps_the_commit(
    remote, tmp_path, caplog
):
    site = clone(remote, tmp_path / "site")
    elsewhere = clone(remote, tmp_path / "elsewhere")
    store = open_store(f"markdown:///{site}/content/posts?git=push")
    store.save(article(slug="shared"))
    git(elsewhere, "pull", "--quiet")
    (elsewhere / "content" / "posts" / "shared.md").write_text("edited by a person\n")
    git(elsewhere, "commit", "--quiet", "-am", "person's edit")
    git(elsewhere, "push", "--quiet")
    with caplog.at_level(logging.WARNING, logger="wonderblogs_target.stores"):
        store.save(article(slug="shared", title="Again"))
    assert "the rebase was aborted" in caplog.text
    assert subjects(site)[0] == "wonderblogs: update shared (en), revision 2"
    assert git(site, "status", "--porcelain", "--untracked-files=no") == ""
    # The person's edit on the remote is untouched.
    assert subjects(remote)[0] == "person's edit"


def test_a_commit_that_fails_fails_the_write_and_the_next_write_commits_it(remote, tmp_path):
    site = clone(remote, tmp_path / "site")
    hook = site / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho refused by a hook >&2\nexit 1\n")
    hook.chmod(0o755)
    store = MarkdownStore(site / "posts", git="commit")
    with pytest.raises(GitError, match="refused by a hook"):
        store.save(article(slug="p"))
    hook.unlink()
    store.save(article(slug="p", title="Retried"))
    assert subjects(site)[0] == "wonderblogs: update p (en), revision 2"
    assert git(site, "status", "--porcelain", "--untracked-files=no") == ""


def test_a_stale_index_lock_is_said_at_start_with_the_command_that_fixes_it(
    remote, tmp_path, monkeypatch
):
    """A git process killed mid-write leaves .git/index.lock, and every later
    commit (so every delivery) fails: serve must say so when it starts."""
    from wonderblogs_target.stores import _git

    monkeypatch.setattr(_git, "LOCK_WAIT", 0.3)  # a lock that stays this long is stale
    site = clone(remote, tmp_path / "site")
    lock = site / ".git" / "index.lock"
    lock.write_bytes(b"")  # what a killed git leaves behind
    with pytest.raises(ConfigurationError) as caught:
        open_store(f"markdown:///{site}/content/posts?git=commit")
    assert f"rm {lock}" in str(caught.value)
    assert lock.exists()  # not removed behind a person's back
    lock.unlink()  # the command it names
    store = open_store(f"markdown:///{site}/content/posts?git=commit")
    store.save(article(slug="after-the-lock"))
    assert subjects(site)[0].startswith("wonderblogs: publish after-the-lock")


def test_an_index_lock_of_a_commit_running_now_is_waited_for(remote, tmp_path):
    """Another worker commits while this one starts: its lock goes in a moment."""
    site = clone(remote, tmp_path / "site")
    lock = site / ".git" / "index.lock"
    lock.write_bytes(b"")
    releasing = threading.Timer(0.3, lock.unlink)
    releasing.start()
    try:
        store = open_store(f"markdown:///{site}/content/posts?git=commit")
    finally:
        releasing.join()
    store.save(article(slug="after-the-commit"))
    assert subjects(site)[0].startswith("wonderblogs: publish after-the-commit")


class SilentRemote:
    """A TCP server on loopback that takes git's request and never answers,
    until :meth:`release` closes every connection."""

    def __init__(self) -> None:
        import socket

        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connected = threading.Event()
        self._released = threading.Event()
        self._connections: list[object] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/site.git"

    def _accept(self) -> None:
        while not self._released.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self._connections.append(connection)
            self.connected.set()

    def release(self) -> None:
        import socket

        self._released.set()
        # shutdown wakes the accept() blocked in the other thread; close alone does not.
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for connection in self._connections:
            connection.close()  # type: ignore[attr-defined]


def test_a_remote_that_never_answers_holds_no_other_delivery(remote, tmp_path, caplog):
    site = clone(remote, tmp_path / "site")
    store = open_store(f"markdown:///{site}/content/posts?git=push")
    silent = SilentRemote()
    git(site, "remote", "set-url", "--push", "origin", silent.url)
    first = threading.Thread(target=store.save, args=(article(slug="first"),))
    try:
        with caplog.at_level(logging.INFO, logger="wonderblogs_target.stores"):
            first.start()
            assert silent.connected.wait(60), "git never reached the remote"
            # The first delivery's push hangs; the second is committed meanwhile.
            second = threading.Thread(target=store.save, args=(article(slug="second"),))
            second.start()
            second.join(60)
            assert not second.is_alive(), "the second delivery waited for the first's push"
            assert subjects(site)[:2] == [
                "wonderblogs: publish second (en), revision 1",
                "wonderblogs: publish first (en), revision 1",
            ]
            assert "git push under way" in caplog.text
    finally:
        silent.release()
        first.join(60)
    assert "git push left for later" in caplog.text
    # The commits stayed; the next push, once the remote answers, carries both.
    git(site, "remote", "set-url", "--push", "origin", str(remote))
    store.save(article(slug="third"))
    assert subjects(remote)[:3] == [
        "wonderblogs: publish third (en), revision 1",
        "wonderblogs: publish second (en), revision 1",
        "wonderblogs: publish first (en), revision 1",
    ]


def test_a_push_is_stopped_after_its_timeout_with_the_helper_git_started(
    remote, tmp_path, caplog, monkeypatch
):
    from wonderblogs_target.stores import _git

    monkeypatch.setattr(_git, "PUSH_TIMEOUT", 1.0)
    site = clone(remote, tmp_path / "site")
    store = open_store(f"markdown:///{site}/content/posts?git=push")
    silent = SilentRemote()
    git(site, "remote", "set-url", "--push", "origin", silent.url)
    try:
        with caplog.at_level(logging.WARNING, logger="wonderblogs_target.stores"):
            saved = store.save(article(slug="kept"))
        # No git process, nor the HTTP helper git started, is left talking to it.
        still = [
            proc
            for proc in Path("/proc").glob("[0-9]*/cmdline")
            if silent.url.encode() in _read_or_empty(proc)
        ]
        assert still == []
    finally:
        silent.release()
    assert store.get(saved.id) is not None
    assert "git push took over 1 s" in caplog.text
    assert subjects(site)[0] == "wonderblogs: publish kept (en), revision 1"


def _read_or_empty(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""  # the process ended meanwhile


def test_a_removed_test_article_is_one_commit_of_its_file(remote, tmp_path):
    from wonderblogs_target.stores import CHECK_SLUG_PREFIX, prune

    site = clone(remote, tmp_path / "site")
    (site / "notes.md").write_text("mine\n")  # a person's work, not to be swept in
    git(site, "add", "notes.md")
    store = open_store(f"markdown:///{site}/content/posts?git=push")
    tested = store.save(article(slug=CHECK_SLUG_PREFIX + "1"))
    assert [p.id for p in prune(store).removed] == [tested.id]
    assert subjects(site)[0] == f"wonderblogs: remove {CHECK_SLUG_PREFIX}1 (en)"
    assert subjects(remote)[0] == f"wonderblogs: remove {CHECK_SLUG_PREFIX}1 (en)"
    assert "notes.md" in git(site, "diff", "--cached", "--name-only")
    assert git(site, "show", "--name-only", "--format=", "HEAD").split() == [
        f"content/posts/{tested.id}.md"
    ]


def test_a_deferred_push_goes_after_the_answer_and_is_retried_when_it_fails(remote, tmp_path):
    from wonderblogs_target.serve.worker import Worker
    from wonderblogs_target.stores._jobs import Backoff

    site = clone(remote, tmp_path / "site")
    store = open_store(f"markdown:///{site}/content/posts?git=push&defer=push")
    store.save(article(slug="one"))
    store.save(article(slug="two"))
    assert subjects(site)[0] == "wonderblogs: publish two (en), revision 1"
    assert "wonderblogs: publish one (en), revision 1" not in subjects(remote)  # not yet
    [job] = store.job_queue.jobs()  # one push carries both commits
    url = git(site, "remote", "get-url", "origin").strip()
    git(site, "remote", "set-url", "origin", str(tmp_path / "nowhere.git"))
    worker = Worker(store.job_queue, store.job_handlers, backoff=Backoff(first=3600))
    assert worker.run_due() == 1
    failing = store.job_queue.get(job.id)
    assert (failing.state, failing.attempts) == ("pending", 1)
    assert "still local" in failing.message
    git(site, "remote", "set-url", "origin", url)
    store.job_queue.now = lambda: failing.run_after  # its pause is over
    assert worker.run_due() == 1
    assert store.job_queue.get(job.id).state == "done"
    assert subjects(remote)[:2] == [
        "wonderblogs: publish two (en), revision 1",
        "wonderblogs: publish one (en), revision 1",
    ]
