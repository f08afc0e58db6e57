"""The store suite: every promise of ``wonderblogs_target.stores``, held against
every store in ``conftest.BACKENDS`` (real SQLite files, a real PostgreSQL
server, real Markdown files)."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
import unicodedata
from pathlib import Path

import pytest

from tests import samples
from tests.helpers import KEY, json_of
from wonderblogs_target import PublishPayload, PublishRejected, Request, WonderblogsTarget
from wonderblogs_target.stores import Store

from .conftest import Backend

# Fork: the children inherit the test's imports and the backend's opener, so
# fifty pushes start within milliseconds instead of after fifty interpreter starts.
FORK = multiprocessing.get_context("fork")


def article(**changes) -> PublishPayload:
    return PublishPayload.model_validate(samples.payload(**changes))


def assert_history(backend: Backend, store: Store, post_id: str, newest: int) -> None:
    """Revisions are numbered 1..newest with no gap, the current one last."""
    current = store.get(post_id)
    assert current is not None
    assert current.revision == newest
    if backend.keeps_revisions:
        earlier = store.revisions(post_id)
        assert [r.revision for r in earlier] == list(range(newest - 1, 0, -1))
    assert store.revision_count(post_id) == (newest - 1 if backend.keeps_revisions else 0)


def test_save_and_read_back(store):
    saved = store.save(article(wordCount=900))
    [recent] = store.recent()
    assert recent.id == saved.id
    assert recent.payload == saved.payload
    assert recent.payload.model_extra == {"wordCount": 900}
    got = store.get(saved.id)
    assert got is not None
    assert got.payload.seo.meta_title == samples.PAYLOAD["seo"]["metaTitle"]
    assert got.payload.sources == saved.payload.sources
    assert got.revision == 1
    assert store.get("no-such-post") is None
    assert store.get("../../etc/passwd") is None
    assert store.get("") is None
    assert store.get("9" * 40) is None  # past 64 bits: nothing found, no overflow
    assert store.revisions("9" * 40) == []
    assert store.revision_count("9" * 40) == 0
    assert store.revision_count("no-such-post") == 0


def test_a_post_is_found_by_its_slug_and_locale_in_nfc(store):
    slug = "caf\u00e9-costs"
    english = store.save(article(slug=slug))
    german = store.save(article(slug=slug, locale="de", title="Auf Deutsch"))
    assert store.find(slug, "en").id == english.id
    assert store.find(slug, "de").payload.title == "Auf Deutsch"
    assert store.find(unicodedata.normalize("NFD", slug), "de").id == german.id
    assert store.find(slug, "fr") is None
    assert store.find("no-such-post", "en") is None


def test_a_repush_updates_instead_of_duplicating(backend, store):
    first = store.save(article(title="First title"))
    second = store.save(article(title="Second title"))
    assert second.id == first.id
    assert second.revision == 2
    assert store.count() == 1
    assert [p.payload.title for p in store.recent()] == ["Second title"]
    assert store.get(first.id).published_at == first.published_at
    assert_history(backend, store, first.id, 2)
    if backend.keeps_revisions:
        [older] = store.revisions(first.id)
        assert older.payload.title == "First title"


def test_another_locale_is_another_post(store):
    store.save(article())
    store.save(article(locale="de", title="Auf Deutsch"))
    assert store.count() == 2


def test_nfc_and_nfd_spellings_of_a_slug_are_one_post(backend, store):
    composed = unicodedata.normalize("NFC", "crème-brûlée")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    first = store.save(article(slug=composed, title="Composed"))
    second = store.save(article(slug=decomposed, title="Decomposed"))
    assert store.count() == 1
    assert second.id == first.id
    assert_history(backend, store, first.id, 2)
    assert store.get(first.id).payload.title == "Decomposed"


def test_a_rewrite_finds_its_post_by_external_id_first(backend, store):
    original = store.save(article(externalId="ext-7"))
    rewrite = samples.payload(action="update", externalId="ext-7", slug="a-new-slug", title="New")
    saved = store.save(PublishPayload.model_validate(rewrite))
    assert store.count() == 1
    [only] = store.recent()
    assert only.payload.slug == "a-new-slug"
    assert only.payload.title == "New"
    assert only.revision == 2
    assert store.get(saved.id).payload.title == "New"
    if backend.name.startswith("markdown"):
        assert store.get(original.id) is None  # the file moved to the new slug
    else:
        assert saved.id == original.id


def test_a_rewrite_with_an_unknown_external_id_falls_back_to_the_slug(store):
    store.save(article())
    store.save(article(action="update", externalId="never-seen", title="Rewritten"))
    assert store.count() == 1
    assert store.recent()[0].payload.title == "Rewritten"


def test_a_rewrite_onto_another_posts_slug_is_refused_with_409(store):
    store.save(article(slug="taken", title="Taken"))
    store.save(article(slug="mine", externalId="e-1", title="Mine"))
    with pytest.raises(PublishRejected) as caught:
        store.save(article(slug="taken", action="update", externalId="e-1", title="Thief"))
    assert caught.value.status_code == 409
    assert sorted(p.payload.title for p in store.recent()) == ["Mine", "Taken"]


def test_newest_first_and_at_most_the_limit(store):
    for n in range(55):
        store.save(article(slug=f"post-{n:02d}", title=f"Post {n}"))
    recent = store.recent(50)
    assert len(recent) == 50
    assert recent[0].payload.title == "Post 54"
    assert recent[-1].payload.title == "Post 5"
    assert store.count() == 55


def test_recent_articles_are_titles_and_summaries_newest_first(store):
    for n in range(3):
        store.save(article(slug=f"post-{n}", title=f"Post {n}", description=f"About {n}"))
    store.save(article(slug="post-0", title="Post 0, revised", description="About 0 again"))
    assert store.recent_articles(2) == [
        {"title": "Post 2", "summary": "About 2"},
        {"title": "Post 1", "summary": "About 1"},
    ]
    assert store.recent_articles() == [p.recent_article for p in store.recent()]  # no test ones
    assert store.recent_articles()[-1] == {"title": "Post 0, revised", "summary": "About 0 again"}


def test_the_checkers_test_articles_never_reach_the_context(store):
    """Wonderblogs reads recent_articles to avoid repeating topics: a test
    article of `wonderblogs-target check --publish` must never be among them,
    however many runs left one, while the store still keeps and lists it."""
    from wonderblogs_target.stores import CHECK_SLUG_PREFIX

    store.save(article(slug="a-real-post", title="A real post", description="Real"))
    for n in range(3):
        store.save(article(slug=f"{CHECK_SLUG_PREFIX}{n}", title=f"Test article {n}"))
    assert store.recent_articles() == [{"title": "A real post", "summary": "Real"}]
    assert store.recent_articles(1) == [{"title": "A real post", "summary": "Real"}]
    assert store.count() == 4
    assert {p.payload.title for p in store.recent()} >= {"Test article 0", "A real post"}


def test_data_survives_reopening(backend):
    first = backend.open()
    first.save(article())
    first.close()
    again = backend.open()
    try:
        assert [p.payload.slug for p in again.recent()] == [samples.PAYLOAD["slug"]]
    finally:
        again.close()


def test_location_is_absolute_and_logged_without_a_password(backend, caplog):
    with caplog.at_level(logging.INFO, logger="wonderblogs_target.stores"):
        opened = backend.open()
    try:
        assert opened.location in caplog.text
        if backend.name == "postgres":
            assert opened.location.startswith("postgresql://")
        elif backend.name.startswith(("django", "wagtail")):
            assert opened.location.startswith("Django database")
        else:
            assert Path(opened.location).is_absolute()
    finally:
        opened.close()


# -- concurrency ---------------------------------------------------------------------

PUSHES = 50


def test_fifty_concurrent_pushes_from_threads_leave_one_current_post(backend, store):
    barrier = threading.Barrier(PUSHES)
    errors: list[BaseException] = []

    def push(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            store.save(article(title=f"Version {n}"))
        except BaseException as exc:
            errors.append(exc)
        finally:
            backend.thread_done()

    threads = [threading.Thread(target=push, args=(n,)) for n in range(PUSHES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert store.count() == 1
    [current] = store.recent()
    assert_history(backend, store, current.id, PUSHES)


PROCESSES = 5


def _push_from_a_process(backend: Backend, barrier, first: int, count: int) -> None:
    store = backend.open()
    barrier.wait(timeout=60)
    for n in range(first, first + count):
        store.save(article(title=f"Version {n}"))
    store.close()


def test_fifty_concurrent_pushes_from_processes_leave_one_current_post(backend, store):
    barrier = FORK.Barrier(PROCESSES)
    per_process = PUSHES // PROCESSES
    backend.before_fork()
    children = [
        FORK.Process(
            target=_push_from_a_process, args=(backend, barrier, n * per_process, per_process)
        )
        for n in range(PROCESSES)
    ]
    for child in children:
        child.start()
    try:
        for child in children:
            child.join(timeout=120)
        assert [child.exitcode for child in children] == [0] * PROCESSES
    finally:
        for child in children:
            if child.is_alive():
                child.kill()
    assert store.count() == 1
    [current] = store.recent()
    assert_history(backend, store, current.id, PUSHES)


def _open_and_push(backend: Backend, barrier, n: int) -> None:
    barrier.wait(timeout=60)
    store = backend.open()
    store.save(article(title=f"Opened by {n}", slug=f"opened-by-{n}"))
    store.close()


def test_processes_opening_a_new_store_at_once_all_open_it(backend):
    # The workers of one server start together on storage nothing has opened:
    # each must wait for the others' set-up, not fail on it (SQLite answers
    # "database is locked" at once while another process turns the file to WAL).
    opening = PROCESSES * 2
    barrier = FORK.Barrier(opening)
    backend.before_fork()
    children = [
        FORK.Process(target=_open_and_push, args=(backend, barrier, n)) for n in range(opening)
    ]
    for child in children:
        child.start()
    try:
        for child in children:
            child.join(timeout=120)
        assert [child.exitcode for child in children] == [0] * opening
    finally:
        for child in children:
            if child.is_alive():
                child.kill()
    store = backend.open()
    try:
        assert store.count() == opening
    finally:
        store.close()


# -- failures ------------------------------------------------------------------------


def test_a_failed_write_raises_and_leaves_the_post_whole(backend, store):
    saved = store.save(article(title="Kept", content="kept " * 1000))
    with backend.break_writes(store), pytest.raises(Exception) as caught:  # noqa: PT011
        store.save(article(title="Lost", content="lost " * 1000))
    assert not isinstance(caught.value, PublishRejected)  # a failure, not a refusal
    current = store.get(saved.id)
    assert current.payload.title == "Kept"
    assert current.payload.content == "kept " * 1000
    assert current.revision == 1


def test_through_the_target_a_failed_write_answers_500_and_keeps_the_old_post(backend, store):
    auth = {"authorization": f"Bearer {KEY}"}
    target = WonderblogsTarget(api_key=KEY, get_context=samples.brand(), store=store)
    kept = samples.body(samples.payload(title="Kept"))
    assert target.handle(Request("POST", auth, kept)).status == 200
    with backend.break_writes(store):
        answer = target.handle(Request("POST", auth, samples.body(samples.payload(title="Lost"))))
    assert answer.status == 500
    assert b"Lost" not in answer.body
    assert b"Traceback" not in answer.body
    context = json_of(target.handle(Request("GET", auth)).body)
    assert [a["title"] for a in context["recent_articles"]] == ["Kept"]


WRITER_ACKS = 40


def _write_until_killed(backend: Backend, acks) -> None:
    store = backend.open()
    n = 0
    while True:
        n += 1
        store.save(article(slug=f"post-{n % 7}", title=f"Version {n}", content="x" * 20_000))
        acks.put(n)


def test_a_killed_writer_leaves_only_whole_posts(backend):
    acks = FORK.Queue()
    backend.before_fork()
    writer = FORK.Process(target=_write_until_killed, args=(backend, acks))
    writer.start()
    acknowledged = 0
    deadline = time.monotonic() + 60
    try:
        while acknowledged < WRITER_ACKS and time.monotonic() < deadline:
            acknowledged = acks.get(timeout=30)
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.join(timeout=30)
    assert acknowledged >= WRITER_ACKS

    store = backend.open()
    try:
        posts = store.recent(100)
        # Every acknowledged write is there (7 slugs), and each one reads back whole.
        assert len(posts) == 7
        for post in posts:
            assert post.payload.content == "x" * 20_000
            assert post.payload.title.startswith("Version ")
        newest = max(int(p.payload.title.split()[1]) for p in posts)
        assert newest >= acknowledged
    finally:
        store.close()


def test_a_postgresql_restart_costs_no_request():
    """After a restart every thread's connection is dead, though the server is
    back: each thread's next request must be answered on a fresh connection
    (one GET context that fails fails a Wonderblogs run)."""
    from concurrent.futures import ThreadPoolExecutor

    from harness.servers import free_port
    from tests.postgres import postgres_server, restart
    from wonderblogs_target.models import PublishPayload
    from wonderblogs_target.stores import open_store

    def push(number: int) -> str:
        payload = PublishPayload.model_validate(samples.payload(slug=f"post-{number}"))
        return store.save(payload).payload.slug

    with postgres_server(free_port()) as url, ThreadPoolExecutor(4) as workers:
        store = open_store(url)
        try:
            list(workers.map(push, range(8)))  # each thread keeps a connection
            restart(url)
            reads = list(workers.map(lambda _: len(store.recent_articles()), range(20)))
            writes = list(workers.map(push, range(8, 40)))
        finally:
            store.close()
    assert reads == [8] * 20
    assert writes == [f"post-{n}" for n in range(8, 40)]


def test_the_checks_test_articles_are_pruned_with_their_revisions_and_nothing_else(store):
    from wonderblogs_target.stores import CHECK_SLUG_PREFIX, prune

    kept = store.save(article(slug="a-real-post", title="A real post"))
    test_slug = CHECK_SLUG_PREFIX + "20260101000000"
    tested = store.save(article(slug=test_slug, title="[check] Test article"))
    store.save(article(slug=test_slug, title="[check] Test article, again"))
    assert store.count() == 2
    said = prune(store, dry_run=True)
    assert [post.id for post in said.removed] == [tested.id]
    assert store.count() == 2  # a dry run removes nothing
    pruned = prune(store)
    assert [post.id for post in pruned.removed] == [tested.id]
    assert pruned.left == []
    assert store.get(tested.id) is None
    assert store.revisions(tested.id) == []
    assert [post.id for post in store.recent()] == [kept.id]
    assert store.get(kept.id) is not None
    assert store.count() == 1
    assert prune(store).removed == []
    assert store.remove(tested.id) is False
    # The slug is free again: the next check's article is a new post.
    again = store.save(article(slug=test_slug, title="[check] Test article"))
    assert again.revision == 1


@pytest.mark.parametrize("kept", [2, 0])
def test_only_the_newest_revisions_are_kept_as_set(backend, kept):
    """Every re-push adds a revision; the store keeps the newest ``kept`` of
    them (the default bounds growth too), removing older ones as it writes."""
    if backend.keeping is None:
        store = backend.open()
        saved = [store.save(article(title=f"Version {n}")) for n in range(1, 6)]
        assert store.revisions(saved[-1].id) == []  # none kept, whatever is set
        store.close()
        return
    store = backend.keeping(kept)
    saved = [store.save(article(title=f"Version {n}")) for n in range(1, 6)]
    post_id = saved[-1].id
    assert store.get(post_id).revision == 5
    earlier = store.revisions(post_id)
    assert [r.revision for r in earlier] == [4, 3][:kept]
    assert [r.payload.title for r in earlier] == ["Version 4", "Version 3"][:kept]
    store.close()
    default = backend.open()
    assert [r.revision for r in default.revisions(post_id)] == [4, 3][:kept]
    default.save(article(title="Version 6"))
    assert [r.revision for r in default.revisions(post_id)] == [5, 4, 3][: kept + 1]
    default.close()


def test_prune_trims_the_revisions_a_larger_setting_left(backend):
    """Revisions kept under an earlier, larger setting go when prune runs with
    the store's setting now; the current posts stay as they are."""
    from wonderblogs_target.stores import prune

    store = backend.open()
    saved = [store.save(article(title=f"Version {n}")) for n in range(1, 6)]
    other = store.save(article(slug="another-post", title="Another"))
    store.close()
    post_id = saved[-1].id
    if backend.keeping is None:
        store = backend.open()
        assert prune(store).revisions == 0
        store.close()
        return
    trimmed = backend.keeping(1)
    assert prune(trimmed, dry_run=True).revisions == 3
    assert len(trimmed.revisions(post_id)) == 4  # a dry run removes nothing
    assert prune(trimmed).revisions == 3
    assert [r.revision for r in trimmed.revisions(post_id)] == [4]
    assert trimmed.revision_count(post_id) == 1
    assert trimmed.get(post_id).revision == 5
    assert trimmed.get(other.id) is not None
    assert prune(trimmed).revisions == 0
    trimmed.close()


# -- a failed delivery, applied again ------------------------------------------------------


def test_a_failed_write_is_kept_and_applied_again_once_mended(backend, store):
    """The body of a valid article the store failed to save is kept by the
    store's delivery log; applying it while the cause remains keeps it again;
    once mended it is stored, once; a refusal keeps nothing."""
    from datetime import timedelta

    from wonderblogs_target.stores import apply_again, delivery_log_of, prune

    auth = {"authorization": f"Bearer {KEY}"}
    target = WonderblogsTarget(api_key=KEY, get_context=samples.brand(), store=store)
    assert target.handle(Request("POST", auth, samples.body(samples.payload()))).status == 200
    lost = samples.body(samples.payload(title="Applied again"))
    log = delivery_log_of(store)
    assert log is not None
    with backend.break_writes(store):
        assert target.handle(Request("POST", auth, lost)).status == 500
        assert target.handle(Request("POST", {"authorization": "Bearer no"}, lost)).status == 401
        [first] = log.kept(waiting=True)
        assert first.body == lost
        assert first.status == 500
        assert first.error  # what went wrong, for the person who mends it
        assert KEY not in first.error
        assert first.article() == (samples.PAYLOAD["slug"], samples.PAYLOAD["locale"])
        again = apply_again(store, log, first.id)
        assert not again.stored
        assert again.status == 500
        assert again.kept_as is not None
    assert [k.body is not None for k in log.kept()] == [True, True]  # the 401 kept nothing
    assert log.get(first.id).applied_status == 500
    [waiting] = log.kept(waiting=True)
    assert waiting.id == again.kept_as

    store.close()
    mended = backend.open()  # a fresh handle: the SQL stores create their tables anew
    log = delivery_log_of(mended)
    assert log.forget(timedelta(0), dry_run=True) >= 1
    assert log.forget(timedelta(0)) >= 1  # the first one, applied already, goes
    assert [k.id for k in log.kept(waiting=True)] == [waiting.id]  # the waiting one stays
    done = apply_again(mended, log, waiting.id)
    assert done.stored, done.message
    [post] = mended.recent()
    assert post.payload.title == "Applied again"
    assert post.revision == 2
    twice = apply_again(mended, log, waiting.id)
    assert not twice.stored
    assert twice.status == 409
    assert mended.get(post.id).revision == 2  # stored once
    assert log.kept(waiting=True) == []
    assert log.get(waiting.id).applied_status == 200
    assert apply_again(mended, log, "12345").status == 404
    assert apply_again(mended, log, "../x").status == 404
    assert apply_again(mended, log, "9" * 40).status == 404  # past 64 bits: no overflow
    assert prune(mended, delivery_days=0).deliveries >= 1
    assert log.kept() == []
    mended.close()
