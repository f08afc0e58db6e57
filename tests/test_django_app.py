"""The reusable Django app in the test project (tests/django_project): system
checks, commands, the signal, statuses, the delivery log and the admin, through
Django's own test client; the admin in headless Chromium; and a project made by
``django-admin startproject``, served by ``runserver``."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.core import checks
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from harness.browser import browse, screenshot
from tests import samples
from tests.helpers import django_live_server, readme_block
from wonderblogs_target.contrib.django.models import Article, ArticleRevision, Delivery
from wonderblogs_target.contrib.django.signals import article_received

URL = "/site/api/wonderblogs"  # where the test project includes the app
KEY = settings.WONDERBLOGS_KEY
AUTH = {"Authorization": f"Bearer {KEY}"}
HOSTILE = "## Heading\n\n**bold** <script>alert('pwned')</script> [x](javascript:alert(1))"


@pytest.fixture(autouse=True)
def empty(django_db: str) -> None:
    Delivery.objects.all().delete()
    Article.objects.all().delete()


@pytest.fixture
def client() -> Client:
    return Client()


def post(client: Client, document: dict[str, Any], path: str = URL, **headers: str) -> Any:
    return client.post(
        path, json.dumps(document), content_type="application/json", headers={**AUTH, **headers}
    )


def configured(**changes: Any) -> Any:
    return override_settings(WONDERBLOGS={**settings.WONDERBLOGS, **changes})


# -- serving -----------------------------------------------------------------------------


def test_get_fills_recent_articles_newest_first_and_both_slash_forms_work(client):
    assert client.get(URL, headers=AUTH).json()["recent_articles"] == []
    assert post(client, samples.payload(slug="first", title="First")).status_code == 200
    assert (
        post(client, samples.payload(slug="second", title="Second"), URL + "/").status_code == 200
    )
    context = client.get(URL + "/", headers=AUTH).json()
    assert [a["title"] for a in context["recent_articles"]] == ["Second", "First"]
    assert context["brand_identity"] == samples.CONTEXT["brand_identity"]
    assert client.get(URL).status_code == 401


def test_context_may_be_the_dotted_path_of_a_callable(client):
    with configured(CONTEXT="tests.samples.context"):
        assert client.get(URL, headers=AUTH).json() == samples.CONTEXT


def test_every_field_lands_in_a_column_and_reads_back(client):
    document = samples.payload(wordCount=900, externalId="ext-1")
    assert post(client, document).status_code == 200
    article = Article.objects.get()
    assert article.seo_title == samples.PAYLOAD["seo"]["metaTitle"]
    assert article.tags == samples.PAYLOAD["tags"]
    assert article.sources == samples.PAYLOAD["sources"]
    assert article.extra == {"wordCount": 900}
    assert article.external_id == "ext-1"
    assert article.document() == document


def test_new_articles_get_the_configured_status_and_a_repush_keeps_a_persons_choice(client):
    with configured(PUBLISH_STATUS="published"):
        assert post(client, samples.PAYLOAD).status_code == 200
        article = Article.objects.get()
        assert article.status == "published"
        Article.objects.update(status="draft")  # a person unpublished it
        assert post(client, samples.payload(title="Revised")).status_code == 200
    article.refresh_from_db()
    assert (article.status, article.title, article.revision) == ("draft", "Revised", 2)
    [earlier] = ArticleRevision.objects.all()
    assert earlier.payload["title"] == samples.PAYLOAD["title"]


def test_every_post_is_in_the_delivery_log_without_key_or_body(client):
    post(client, samples.PAYLOAD)
    post(client, samples.payload(title="Again"))
    post(client, {"slug": "broken"})
    post(client, samples.PAYLOAD, Authorization="Bearer wrong")
    rows = list(Delivery.objects.order_by("id").values("action", "outcome", "status_code"))
    assert rows == [
        {"action": "new", "outcome": "accepted", "status_code": 200},
        {"action": "update", "outcome": "accepted", "status_code": 200},
        {"action": "", "outcome": "refused", "status_code": 422},
        {"action": "", "outcome": "refused", "status_code": 401},
    ]
    article = Article.objects.get()
    assert set(article.deliveries.values_list("action", flat=True)) == {"new", "update"}
    stored = json.dumps(list(Delivery.objects.values()), default=str)
    assert KEY not in stored
    assert "broken" not in stored


# -- the signal --------------------------------------------------------------------------


@pytest.fixture
def received() -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        calls.append(kwargs)

    article_received.connect(receiver)
    yield calls
    article_received.disconnect(receiver)


def test_article_received_is_sent_after_commit_with_created(client, received):
    post(client, samples.PAYLOAD)
    post(client, samples.payload(title="Again"))
    assert [(c["created"], c["payload"].title) for c in received] == [
        (True, samples.PAYLOAD["title"]),
        (False, "Again"),
    ]
    assert received[0]["article"].pk == Article.objects.get().pk


def test_a_rolled_back_save_sends_nothing(received):
    from wonderblogs_target import PublishPayload
    from wonderblogs_target.contrib.django.store import DjangoStore

    store = DjangoStore()

    def save_then_fail() -> None:
        with transaction.atomic():
            store.save(PublishPayload.model_validate(samples.PAYLOAD))
            raise RuntimeError("the site's own transaction fails later")

    with pytest.raises(RuntimeError):
        save_then_fail()
    assert received == []
    assert Article.objects.count() == 0


# -- system checks -------------------------------------------------------------------------


def check_ids(**changes: Any) -> dict[str, str]:
    with configured(**changes):
        return {m.id: m.msg for m in checks.run_checks() if m.id.startswith("wonderblogs")}


def test_a_configured_project_passes_the_checks():
    assert check_ids() == {}


def test_checks_name_what_is_wrong():
    assert "wonderblogs.E001" in check_ids(API_KEY=None)
    open_ids = check_ids(API_KEY=None, ALLOW_UNAUTHENTICATED=True)
    assert set(open_ids) == {"wonderblogs.W001"}
    long_tone = check_ids(CONTEXT={**samples.brand(), "tone_of_voice": "x" * 6_000})
    assert long_tone == {
        "wonderblogs.E002": 'WONDERBLOGS["CONTEXT"] breaks the contract: '
        "tone_of_voice: 6,000 chars, max 5,000"
    }
    assert "wonderblogs.E002" in check_ids(CONTEXT=None)
    assert "wonderblogs.E003" in check_ids(CONTEXT="no.such.module.context")
    assert "wonderblogs.E004" in check_ids(PUBLISH_STATUS="live")
    for revisions in (-1, "many", True, 2.5):
        assert "wonderblogs.E006" in check_ids(REVISIONS=revisions), revisions
    assert "wonderblogs.E006" not in check_ids(REVISIONS=0)
    for days in (0, -3, "90", None):
        assert "wonderblogs.E007" in check_ids(DELIVERY_LOG_DAYS=days), days
    for defer in ("covers", ["images"]):
        assert "wonderblogs.E008" in check_ids(DEFER=defer), defer
    assert check_ids(DEFER=["covers"]) == {}  # the backport is installed here
    for jobs in ({"ATTEMPTS": 0}, {"LEASE": "soon"}, {"FIRST_PAUSE": -1}, ["ATTEMPTS"]):
        assert "wonderblogs.E010" in check_ids(DEFERRED_JOBS=jobs), jobs


def test_deferring_without_a_tasks_framework_is_an_error(monkeypatch):
    from wonderblogs_target.contrib.django import checks as app_checks

    monkeypatch.setattr(app_checks, "tasks_framework", lambda: None)
    with configured(DEFER=["covers"]):
        [error] = [m for m in checks.run_checks() if m.id == "wonderblogs.E009"]
    assert 'pip install "django-tasks"' in error.hint
    assert check_ids() == {}  # nothing deferred: nothing needed


def test_failed_deferred_jobs_are_a_warning_until_run_again():
    from wonderblogs_target.contrib.django.jobs import DjangoJobQueue
    from wonderblogs_target.contrib.django.models import DeferredJob
    from wonderblogs_target.stores._jobs import Backoff, run_job

    DeferredJob.objects.all().delete()
    queue = DjangoJobQueue()
    ident = queue.enqueue("cover", "1")
    assert run_job(queue, queue.claim(lease=60), {}, Backoff(attempts=1)) == "failed"
    [warning] = [
        m
        for m in checks.run_checks(tags=[checks.Tags.database], databases=["default"])
        if m.id == "wonderblogs.W004"
    ]
    assert warning.msg == "1 deferred job in database 'default' failed after every attempt."
    assert queue.again(ident)
    assert not any(
        m.id == "wonderblogs.W004"
        for m in checks.run_checks(tags=[checks.Tags.database], databases=["default"])
    )
    DeferredJob.objects.all().delete()


def test_a_project_that_does_not_include_the_urls_gets_a_warning():
    with override_settings(ROOT_URLCONF="tests.django_project.bare_urls"):
        messages = checks.run_checks(tags=[checks.Tags.urls])
    assert [m.id for m in messages] == ["wonderblogs.W002"]


def test_migrations_are_complete():
    out = StringIO()
    call_command("makemigrations", "wonderblogs", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


# -- commands ------------------------------------------------------------------------------


def run_command(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command(*args, stdout=out)
    except SystemExit as exit:
        return int(exit.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_the_commands_answer_bad_input_in_one_line():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Invalid IPv6 URL") as bad_url:
        call_command("wonderblogs_check", "--url", "http://[::1")
    assert bad_url.value.returncode == 2
    with pytest.raises(CommandError, match="cannot write /nonexistent/x") as bad_output:
        call_command("wonderblogs_openapi", "--output", "/nonexistent/x")
    assert bad_output.value.returncode == 2


def test_wonderblogs_check_passes_in_process_and_marks_its_articles():
    code, output = run_command("wonderblogs_check", "--rewrite")
    assert code == 0, output
    assert "6 passed, 0 failed" in output
    assert KEY not in output
    assert Article.objects.get().slug.startswith("wonderblogs-target-check-")


def test_wonderblogs_prune_removes_what_wonderblogs_check_sent():
    code, output = run_command("wonderblogs_check", "--rewrite")
    assert code == 0, output
    assert "manage.py wonderblogs_prune" in output
    [tested] = Article.objects.all()
    assert tested.revisions.count() == 1
    code, output = run_command("wonderblogs_prune", "--dry-run")
    assert "would remove 1 test article(s)" in output
    assert Article.objects.count() == 1
    code, output = run_command("wonderblogs_prune")
    assert code == 0
    assert f"removed 1 test article(s) of wonderblogs-target check:\n  {tested.pk}" in output
    assert not Article.objects.exists()
    assert not ArticleRevision.objects.exists()


def test_wonderblogs_prune_keeps_the_delivery_log_to_its_days():
    from datetime import timedelta

    from django.utils import timezone

    code, output = run_command("wonderblogs_check", "--publish")
    assert code == 0, output
    kept = Delivery.objects.count()
    assert kept >= 1
    old = Delivery.objects.create(
        action=Delivery.Action.NEW, outcome=Delivery.Outcome.ACCEPTED, status_code=200
    )
    Delivery.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=91))
    code, output = run_command("wonderblogs_prune", "--dry-run")
    assert "would remove 1 delivery log row(s) older than 90 days" in output
    assert Delivery.objects.count() == kept + 1
    with configured(DELIVERY_LOG_DAYS=120):
        code, output = run_command("wonderblogs_prune")
        assert "removed 0 delivery log row(s) older than 120 days" in output
    code, output = run_command("wonderblogs_prune")
    assert "removed 1 delivery log row(s) older than 90 days" in output
    assert Delivery.objects.count() == kept
    assert not Delivery.objects.filter(pk=old.pk).exists()


def test_wonderblogs_prune_removes_old_done_jobs_and_keeps_failed_ones():
    from datetime import timedelta

    from django.utils import timezone

    from wonderblogs_target.contrib.django.models import DeferredJob

    DeferredJob.objects.all().delete()
    long_ago = timezone.now() - timedelta(days=91)
    for state in ("done", "failed"):
        DeferredJob.objects.create(
            kind="cover",
            subject=state,
            state=state,
            created_at=long_ago,
            run_after=long_ago,
            finished_at=long_ago,
        )
    code, output = run_command("wonderblogs_prune", "--dry-run")
    assert code == 0
    assert "would remove 1 deferred job(s) done more than 90 days ago" in output
    assert DeferredJob.objects.count() == 2
    code, output = run_command("wonderblogs_prune")
    assert code == 0
    assert "removed 1 deferred job(s) done more than 90 days ago (a failed one stays)" in output
    assert list(DeferredJob.objects.values_list("subject", flat=True)) == ["failed"]
    DeferredJob.objects.all().delete()


def test_wonderblogs_check_fails_for_a_broken_context():
    with configured(CONTEXT=lambda: {**samples.context(), "tone_of_voice": "x" * 6_000}):
        code, output = run_command("wonderblogs_check", "--json")
    assert code == 1
    assert json.loads(output)["ok"] is False


def test_wonderblogs_openapi_writes_the_document_at_the_projects_path(tmp_path):
    code, output = run_command("wonderblogs_openapi")
    assert code == 0
    assert list(json.loads(output)["paths"]) == [URL]
    target = tmp_path / "openapi.yaml"
    run_command("wonderblogs_openapi", "--format", "yaml", "--output", str(target))
    assert target.read_text().startswith("openapi: 3.0.3")


# -- the admin -----------------------------------------------------------------------------


@pytest.fixture
def editor(django_db: str) -> Any:
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username="editor", defaults={"is_staff": True, "is_superuser": True}
    )
    return user


def test_anonymous_visitors_are_sent_to_the_login(client):
    answer = client.get("/admin/wonderblogs/article/")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/admin/login/")


def test_the_admin_lists_searches_shows_and_publishes(client, editor):
    post(client, samples.payload(content=HOSTILE))
    post(client, samples.payload(content=HOSTILE, title="Second version"))
    post(client, samples.payload(slug="other", locale="de", title="Auf Deutsch"))
    article = Article.objects.get(slug=samples.PAYLOAD["slug"])
    client.force_login(editor)

    listing = client.get("/admin/wonderblogs/article/").content.decode()
    assert "Second version" in listing
    assert "Auf Deutsch" in listing
    found = client.get("/admin/wonderblogs/article/?q=Deutsch").content.decode()
    assert "Auf Deutsch" in found
    assert "Second version" not in found
    assert (
        "Second version" not in client.get("/admin/wonderblogs/article/?locale=de").content.decode()
    )

    page = client.get(f"/admin/wonderblogs/article/{article.pk}/change/").content.decode()
    assert "<h2>Heading</h2>" in page
    assert "<strong>bold</strong>" in page
    assert "&lt;script&gt;alert" in page  # shown as text
    assert "<script>alert" not in page
    assert 'href="javascript:' not in page
    assert "Earlier versions" in page
    assert samples.PAYLOAD["title"] in page  # the earlier revision's title

    client.post(
        "/admin/wonderblogs/article/",
        {"action": "publish", "_selected_action": [article.pk]},
    )
    article.refresh_from_db()
    assert article.status == "published"
    client.post(
        "/admin/wonderblogs/article/",
        {"action": "unpublish", "_selected_action": [article.pk]},
    )
    article.refresh_from_db()
    assert article.status == "draft"
    assert client.get("/admin/wonderblogs/delivery/").status_code == 200


@pytest.fixture
def live_server(django_db: str) -> Iterator[str]:
    with django_live_server() as url:
        yield url


def test_the_admin_in_chromium(live_server, editor, tmp_path):
    api = f"{live_server}{URL}"
    assert httpx.post(api, headers=AUTH, json=samples.payload(content=HOSTILE)).status_code == 200
    article = Article.objects.get()
    page = f"{live_server}/test-login/?next=/admin/wonderblogs/article/{article.pk}/change/"
    dom = browse(page, tmp_path / "p1", "--dump-dom")
    assert samples.PAYLOAD["title"] in dom
    assert "<h2>Heading</h2>" in dom
    assert "&lt;script&gt;" in dom
    screenshot(page, tmp_path / "p2", "django-admin-article.png", "1200,1000", min_bytes=20_000)


def test_wonderblogs_check_against_a_deployed_url(live_server):
    code, output = run_command("wonderblogs_check", "--url", f"{live_server}{URL}", "--publish")
    assert code == 0, output
    assert "5 passed, 0 failed" in output


def test_the_project_runs_on_the_database_it_was_given():
    """SQLite here; PostgreSQL in tests/test_django_on_postgres.py's child run."""

    from django.db import connection

    wanted = "postgresql" if os.environ.get("WONDERBLOGS_TEST_DATABASE") == "postgres" else "sqlite"
    assert connection.vendor == wanted


def test_the_checkers_articles_are_drafts_and_apart_in_the_admin(client, editor):
    with configured(PUBLISH_STATUS="published"):
        code, output = run_command("wonderblogs_check", "--publish")
        assert code == 0, output
        post(client, samples.payload(title="A real article"))
    checked = Article.objects.get(slug__startswith="wonderblogs-target-check-")
    assert checked.status == "draft"
    assert Article.objects.get(title="A real article").status == "published"
    client.force_login(editor)
    apart = client.get("/admin/wonderblogs/article/?origin=check").content.decode()
    assert checked.title in apart
    assert "A real article" not in apart
    real = client.get("/admin/wonderblogs/article/?origin=wonderblogs").content.decode()
    assert "A real article" in real
    assert checked.title not in real


# -- a failed delivery, applied again ---------------------------------------------------------


@contextmanager
def articles_table_away() -> Iterator[None]:
    """The database refuses the article's write the way a half-done deploy
    does: its table is not where the model says (renamed away, then back)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE wonderblogs_article RENAME TO wonderblogs_article_away")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE wonderblogs_article_away RENAME TO wonderblogs_article")


def apply_in_admin(client: Client, delivery: Delivery) -> str:
    """The admin's "Apply again" on ``delivery``; the page it leads to."""
    answer = client.post(
        "/admin/wonderblogs/delivery/",
        {"action": "apply_again", "_selected_action": [delivery.pk]},
        follow=True,
    )
    return str(answer.content.decode())


def waiting_warnings() -> list[str]:
    return [
        m.msg
        for m in checks.run_checks(tags=[checks.Tags.database], databases=["default"])
        if m.id == "wonderblogs.W003"
    ]


def test_a_failed_delivery_keeps_its_article_and_the_admin_applies_it_again(client, editor):
    with articles_table_away():
        answer = post(client, samples.payload(title="Kept through a failure"))
        assert answer.status_code == 500
        assert post(client, {"slug": "broken"}).status_code == 422
    failed = Delivery.objects.get(outcome=Delivery.Outcome.FAILED)
    assert failed.status_code == 500
    assert json.loads(failed.body)["title"] == "Kept through a failure"
    assert "wonderblogs_article" in failed.note  # the database's own words, for the mender
    assert KEY not in failed.note + failed.body
    assert Delivery.objects.get(outcome=Delivery.Outcome.REFUSED).body is None
    assert not Article.objects.exists()
    assert waiting_warnings() == [
        "1 failed delivery in database 'default' keeps an article that is not stored."
    ]

    client.force_login(editor)
    listing = client.get("/admin/wonderblogs/delivery/?outcome__exact=failed").content.decode()
    assert "1 delivery failed in the last 7 days; 1 waits to be applied again." in listing
    assert f"{samples.PAYLOAD['slug']} (en): waiting to be applied again" in listing

    applied = apply_in_admin(client, failed)
    assert f"Delivery {failed.pk}: {samples.PAYLOAD['slug']} (en) stored from delivery" in applied
    article = Article.objects.get()
    assert article.title == "Kept through a failure"
    assert article.revision == 1
    failed.refresh_from_db()
    assert (failed.applied_status, failed.waiting) == (200, False)
    newest = Delivery.objects.order_by("-id").first()
    assert (newest.outcome, newest.article) == (Delivery.Outcome.ACCEPTED, article)
    assert waiting_warnings() == []

    again = apply_in_admin(client, failed)
    assert "was applied again at" in again
    assert Article.objects.get().revision == 1  # stored once


def test_applying_again_while_the_cause_remains_keeps_the_article_anew(client, editor):
    with articles_table_away():
        assert post(client, samples.PAYLOAD).status_code == 500
        first = Delivery.objects.get()
        client.force_login(editor)
        said = apply_in_admin(client, first)
    assert "not stored" in said
    assert "kept again as delivery" in said
    first.refresh_from_db()
    assert first.applied_status == 500
    [waiting] = Delivery.objects.filter(body__isnull=False, applied_at__isnull=True)
    assert waiting.pk != first.pk
    assert not Article.objects.exists()


def test_the_admin_applies_a_delivery_again_in_chromium(live_server, editor, tmp_path):
    with articles_table_away():
        answer = httpx.post(f"{live_server}{URL}", headers=AUTH, json=samples.PAYLOAD)
    assert answer.status_code == 500
    failed = Delivery.objects.get()
    page = (
        f"{live_server}/test-login/?next=/test-admin-action/%3Fchangelist%3D/admin/wonderblogs/"
        f"delivery/%26action%3Dapply_again%26id%3D{failed.pk}"
    )
    dom = browse(page, tmp_path / "p1", "--virtual-time-budget=30000", "--dump-dom")
    assert f"Delivery {failed.pk}: {samples.PAYLOAD['slug']} (en) stored from delivery" in dom
    assert "counts: 1 delivery failed in the last 7 days; 0 wait to be applied again." in dom
    assert Article.objects.get().title == samples.PAYLOAD["title"]
    failed.refresh_from_db()
    assert failed.applied_status == 200


def test_wonderblogs_deliveries_lists_and_applies_from_manage_py(client):
    from django.core.management.base import CommandError

    assert run_command("wonderblogs_deliveries", "list") == (0, "no deliveries kept\n")
    with articles_table_away():
        assert post(client, samples.PAYLOAD).status_code == 500
    failed = Delivery.objects.get()
    code, listed = run_command("wonderblogs_deliveries", "list", "--json")
    assert code == 0
    record = json.loads(listed)
    assert (record["id"], record["status"], record["waiting"]) == (str(failed.pk), 500, True)
    assert record["slug"] == samples.PAYLOAD["slug"]
    for unknown in ("999999", "x"):
        with pytest.raises(CommandError, match="no delivery") as missing:
            call_command("wonderblogs_deliveries", "apply", unknown)
        assert missing.value.returncode == 2
    code, said = run_command("wonderblogs_deliveries", "apply", str(failed.pk))
    assert code == 0
    assert "stored from delivery" in said
    assert Article.objects.count() == 1


# -- the v1 commands -----------------------------------------------------------------------


V1_KEY = "wb_v1_django_key"
V1_TOPIC = "Kubernetes cost control for small teams"
V1_SLUG = "kubernetes-cost-control-for-small-teams"


@pytest.fixture(scope="module")
def v1_api() -> Iterator[str]:
    from tests.emulator_server import emulator_server

    with emulator_server(V1_KEY, polls_to_finish=1) as (url, _):
        yield url


def v1_command(*args: str) -> tuple[int, str, str]:
    from django.core.management.base import CommandError

    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), str(exc)
    return 0, out.getvalue(), err.getvalue()


def test_the_v1_commands_save_into_the_apps_articles(v1_api):
    with configured(V1_API_KEY=V1_KEY, V1_BASE_URL=v1_api):
        code, out, _ = v1_command("wonderblogs_generate", V1_TOPIC, "--json")
        assert code == 0
        said = json.loads(out)
        assert (said["slug"], said["locale"]) == (V1_SLUG, "en")
        article = Article.objects.get()
        assert (article.title, article.status, article.revision) == (V1_TOPIC, "draft", 1)
        assert article.seo_description == f"What to know about {V1_TOPIC}."
        assert Delivery.objects.get().outcome == Delivery.Outcome.ACCEPTED  # in the log too

        assert v1_command("wonderblogs_rewrite", V1_SLUG, "--topic", "FinOps basics")[0] == 0
        article.refresh_from_db()
        assert (article.title, article.revision, article.action) == ("FinOps basics", 2, "update")
        assert ArticleRevision.objects.get().payload["title"] == V1_TOPIC

        assert v1_command("wonderblogs_translate", V1_SLUG, "--to", "de")[0] == 0
        german = Article.objects.get(slug=V1_SLUG, locale="de")
        assert german.cover_image_url == article.cover_image_url  # the original's, kept

        code, out, _ = v1_command("wonderblogs_cover", V1_SLUG, "--locale", "de", "--json")
        assert code == 0
        german.refresh_from_db()
        assert german.cover_image_url == f"/api/v1/images/download/job/{json.loads(out)['job_id']}"

        code, out, _ = v1_command("wonderblogs_generate", "Edge caching basics", "--no-wait")
        assert code == 0
        run_id = out.split()[1]
        assert f"manage.py wonderblogs_run {run_id}" in out
        assert v1_command("wonderblogs_run", run_id)[0] == 0
        assert Article.objects.filter(slug="edge-caching-basics").exists()


def test_the_v1_commands_exit_codes(v1_api):
    with configured(V1_API_KEY=V1_KEY, V1_BASE_URL=v1_api):
        code, _, said = v1_command("wonderblogs_generate", "ab")
        assert (code, said) == (2, "error: topic: 2 chars, min 3; no request was sent")
        code, _, said = v1_command("wonderblogs_rewrite", "no-such-post")
        assert code == 2
        assert said.startswith("error: no post 'no-such-post' (en) in Django database 'default'")
        code, _, said = v1_command("wonderblogs_run", "run-9999")
        assert (code, said) == (2, "error: 404: Run not found")
        assert v1_command("wonderblogs_generate", V1_TOPIC, "--timeout", "-1")[0] == 2
    with configured(V1_API_KEY=None, V1_BASE_URL=v1_api):
        code, _, said = v1_command("wonderblogs_generate", V1_TOPIC)
        assert code == 2
        assert said.startswith('no v1 API key: set WONDERBLOGS["V1_API_KEY"]')
    assert not Article.objects.exists()


# -- deferred receivers, on Django's own immediate task backend ---------------------------


@pytest.fixture
def deferred_receiver() -> Any:
    from tests.django_project import receivers
    from wonderblogs_target.contrib.django.models import DeferredJob
    from wonderblogs_target.contrib.django.signals import article_received

    DeferredJob.objects.all().delete()
    receivers.RECEIVED.clear()
    receivers.FAILURES.clear()
    article_received.connect(receivers.remember)
    yield receivers
    article_received.disconnect(receivers.remember)
    DeferredJob.objects.all().delete()


def test_a_deferred_receiver_runs_as_a_task_with_the_stored_article(client, deferred_receiver):
    from wonderblogs_target.contrib.django.models import DeferredJob

    assert post(client, samples.payload(slug="later", title="Later")).status_code == 200
    assert deferred_receiver.RECEIVED == [("later", True, "Later")]
    [job] = DeferredJob.objects.all()
    assert (job.kind, job.state, job.attempts) == ("receiver", "done", 1)
    assert job.message == "tests.django_project.receivers.remember ran"
    assert post(client, samples.payload(slug="later", title="Again")).status_code == 200
    assert deferred_receiver.RECEIVED[-1] == ("later", False, "Again")


def test_a_failed_deferred_receiver_is_kept_and_the_admin_runs_it_again(
    client, editor, deferred_receiver
):
    from wonderblogs_target.contrib.django.models import DeferredJob

    deferred_receiver.FAILURES.append("the search index is down")
    with configured(DEFERRED_JOBS={"ATTEMPTS": 1}):
        # The answer is 200: the article is stored, the receiver's failure is the job's.
        assert post(client, samples.payload(slug="flaky")).status_code == 200
    [job] = DeferredJob.objects.all()
    assert (job.state, job.message) == ("failed", "RuntimeError: the search index is down")
    assert deferred_receiver.RECEIVED == []
    client.force_login(editor)
    listed = client.get("/admin/wonderblogs/deferredjob/?state__exact=failed").content.decode()
    assert "the search index is down" in listed
    answer = client.post(
        "/admin/wonderblogs/deferredjob/",
        {"action": "run_again", "_selected_action": [job.pk]},
        follow=True,
    )
    assert f"Job(s) {job.pk} handed to the task worker." in answer.content.decode()
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("done", 1)
    received = deferred_receiver.RECEIVED
    assert received == [("flaky", True, samples.PAYLOAD["title"])]


def test_a_deferred_receiver_must_be_at_module_level():
    from wonderblogs_target.contrib.django.receivers import deferred

    def local(sender: Any, **kwargs: Any) -> None: ...

    with pytest.raises(ValueError, match="module level"):
        deferred(local)


# -- the documentation's deferred-work examples --------------------------------------------


def _as_module(name: str, code: str) -> Any:
    """``code`` run as the module ``name`` (importable by its dotted path, as
    the task worker imports a receiver)."""
    import sys
    import types

    module = types.ModuleType(name)
    sys.modules[name] = module
    exec(compile(code, f"<docs {name}>", "exec"), module.__dict__)
    return module


def test_the_docs_deferred_settings_pass_the_checks():
    namespace: dict[str, Any] = {"INSTALLED_APPS": [], "WONDERBLOGS": {}}
    exec(readme_block("<!-- django-deferred-settings -->"), namespace)
    assert namespace["INSTALLED_APPS"] == ["django_tasks_db"]
    with override_settings(TASKS=namespace["TASKS"]), configured(**namespace["WONDERBLOGS"]):
        assert check_ids() == {}
        from wonderblogs_target.contrib.django.conf import deferred_backoff

        assert deferred_backoff().attempts == 6


def test_the_docs_deferred_receiver_runs_as_a_task(client):
    import sys

    from wonderblogs_target.contrib.django.models import DeferredJob
    from wonderblogs_target.contrib.django.signals import article_received

    DeferredJob.objects.all().delete()
    module = _as_module("docs_receiver", readme_block("<!-- django-deferred-receiver -->"))
    try:
        assert post(client, samples.payload(slug="docs-deferred")).status_code == 200
        [job] = DeferredJob.objects.all()
        assert (job.state, job.message) == ("done", "docs_receiver.rebuild_search_index ran")
    finally:
        article_received.disconnect(module.rebuild_search_index)
        del sys.modules["docs_receiver"]
        DeferredJob.objects.all().delete()


def test_the_docs_celery_receiver_hands_the_stored_article_to_celery(client):
    import sys

    from celery import Celery
    from celery.signals import task_postrun

    from wonderblogs_target.contrib.django.models import Article
    from wonderblogs_target.contrib.django.signals import article_received

    celery = Celery("docs", broker="memory://", backend="cache+memory://")
    celery.conf.task_always_eager = True  # the task runs here, as a worker would run it
    celery.set_current()
    ran: list[tuple[str, tuple[Any, ...], str]] = []

    def noted(task: Any = None, args: Any = (), state: str = "", **kwargs: Any) -> None:
        ran.append((task.name, tuple(args), state))

    task_postrun.connect(noted, weak=False)
    module = _as_module("docs_celery", readme_block("<!-- django-celery-receiver -->"))
    try:
        assert post(client, samples.payload(slug="docs-celery")).status_code == 200
        article = Article.objects.get(slug="docs-celery")
        # SUCCESS: the task found the committed row.
        assert ran == [("docs_celery.index_article", (article.pk,), "SUCCESS")]
    finally:
        article_received.disconnect(module.hand_to_celery)
        task_postrun.disconnect(noted)
        del sys.modules["docs_celery"]


def test_wonderblogs_deliveries_jobs_lists_and_runs_a_failed_job_again(deferred_receiver):
    from django.core.management.base import CommandError

    from wonderblogs_target.contrib.django.jobs import DjangoJobQueue
    from wonderblogs_target.stores._jobs import Backoff, run_job

    code, output = run_command("wonderblogs_deliveries", "jobs")
    assert (code, output.strip()) == (0, "no deferred jobs")
    queue = DjangoJobQueue()
    done = queue.enqueue("receiver", "1 tests.django_project.receivers.remember")
    queue.finish(queue.claim(lease=60), "ran")
    failed = queue.enqueue("cover", "2")
    assert run_job(queue, queue.claim(lease=60), {}, Backoff(attempts=1)) == "failed"
    code, output = run_command("wonderblogs_deliveries", "jobs", "--failed")
    assert code == 0
    listed = [line.split("  ", 1)[0] for line in output.splitlines() if not line.startswith(" ")]
    assert listed == [failed]  # the failed job only, by its id at the start of its line
    assert "cover 2  failed after 1 attempt(s)" in output
    assert "no handler for 'cover' jobs" in output
    code, output = run_command("wonderblogs_deliveries", "jobs", "--json")
    records = [json.loads(line) for line in output.splitlines()]
    assert [(r["id"], r["state"]) for r in records] == [(failed, "failed"), (done, "done")]
    with pytest.raises(CommandError, match=f"no failed job '{done}'") as refused:
        call_command("wonderblogs_deliveries", "jobs", "--again", done)
    assert refused.value.returncode == 2
    code, output = run_command("wonderblogs_deliveries", "jobs", "--again", failed)
    assert output.strip() == f"job {failed} handed to the task worker"
    # The immediate backend ran it at once; still no handler for covers here.
    assert queue.get(failed).state == "failed"
    assert queue.get(failed).attempts == 1


def test_a_deferred_on_publish_runs_after_the_answer_and_its_failure_is_the_jobs(client):
    from tests.django_project import receivers
    from wonderblogs_target.contrib.django.models import DeferredJob

    DeferredJob.objects.all().delete()
    receivers.PUBLISHED.clear()
    hook = "tests.django_project.receivers.on_publish"
    receivers.FAILURES[:] = ["the CDN purge failed"]
    with configured(ON_PUBLISH=hook):
        # Not deferred: a failing hook fails the delivery.
        assert post(client, samples.payload(slug="hooked")).status_code == 500
    receivers.FAILURES[:] = ["the CDN purge failed"]
    with configured(ON_PUBLISH=hook, DEFER=["on_publish"]):
        assert post(client, samples.payload(slug="hooked")).status_code == 200
        assert post(client, samples.payload(slug="hooked", title="Again")).status_code == 200
    jobs = [(job.kind, job.state, job.message) for job in DeferredJob.objects.order_by("id")]
    assert jobs == [
        ("on_publish", "failed", "RuntimeError: the CDN purge failed"),
        ("on_publish", "done", "ON_PUBLISH ran"),
    ]
    assert receivers.PUBLISHED == ["hooked"]
    DeferredJob.objects.all().delete()
