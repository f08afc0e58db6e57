"""Articles as Wagtail pages, through the Django app's endpoint with Django's
test client, on the Wagtail project's SQLite database."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests import samples
from wonderblogs_target.testing import PNG_PIXEL

URL = "/api/wonderblogs"
HOSTILE = "## Heading\n\nText with <script>alert(1)</script> in it.\n\n- one\n- two\n"


def post(**changes: Any) -> Any:
    return Client().post(
        URL,
        data=json.dumps(samples.payload(**changes)),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {settings.WONDERBLOGS_KEY}",
    )


def wagtail(**changes: Any) -> Any:
    """override_settings with these WAGTAIL keys changed."""
    return override_settings(
        WONDERBLOGS={
            **settings.WONDERBLOGS,
            "WAGTAIL": {**settings.WONDERBLOGS["WAGTAIL"], **changes},
        }
    )


def posts() -> list[Any]:
    from tests.wagtail_project.blog.models import BlogPage

    return list(BlogPage.objects.order_by("id"))


def test_a_new_article_is_a_draft_page_with_one_revision_under_the_parent(blog):
    answer = post(content=HOSTILE, tags=["cloud", "costs"])
    assert answer.status_code == 200, answer.content
    [page] = posts()
    assert page.get_parent().specific == blog
    assert page.live is False
    assert page.revisions.count() == 1
    assert page.title == samples.PAYLOAD["title"]
    assert page.slug == samples.PAYLOAD["slug"]
    assert page.seo_title == samples.PAYLOAD["seo"]["metaTitle"]
    assert page.search_description == samples.PAYLOAD["seo"]["metaDescription"]
    assert page.intro == samples.PAYLOAD["description"][:250] or page.intro.endswith("…")
    assert "<h2>Heading</h2>" in page.body
    assert "&lt;script&gt;" in page.body
    assert "<script>" not in page.body
    assert sorted(tag.name for tag in page.tags.all()) == ["cloud", "costs"]


def test_publish_true_makes_the_page_live(blog):
    with wagtail(PUBLISH=True):
        assert post().status_code == 200
    [page] = posts()
    assert page.live is True
    assert page.live_revision_id == page.latest_revision_id


def test_a_repush_is_a_second_revision_of_the_same_page(blog):
    with wagtail(PUBLISH=True):
        post()
        post(title="Second version")
    [page] = posts()
    assert page.revisions.count() == 2
    assert page.title == "Second version"
    assert page.live is True


def test_a_persons_edit_is_never_published_over(blog, editor):
    from wonderblogs_target.contrib.django.models import Delivery

    with wagtail(PUBLISH=True):
        post(title="Imported")
        [page] = posts()
        # An editor changes the page in Wagtail and publishes it.
        page.title = "Edited by a person"
        page.save_revision(user=editor).publish(user=editor)
        answer = post(title="Pushed again")
    assert answer.status_code == 200
    [page] = posts()
    assert page.title == "Edited by a person"  # the live version is untouched
    assert page.revisions.count() == 3
    assert page.has_unpublished_changes is True
    assert page.get_latest_revision_as_object().title == "Pushed again"
    note = Delivery.objects.filter(outcome="accepted").first().note
    assert "changed in Wagtail after the last import" in note


def test_after_a_persons_edit_no_later_import_publishes_until_a_person_does(blog, editor):
    """v1 arrives, a person edits and publishes, v2 is a draft, and v3 must be a
    draft too (it once went live over the person's page), until a person
    publishes an imported revision; then imports publish again."""
    from wonderblogs_target.contrib.django.models import Delivery

    with wagtail(PUBLISH=True):
        post(title="v1")
        [page] = posts()
        page.title = "Edited by a person"
        page.save_revision(user=editor).publish(user=editor)
        post(title="v2")
        answer = post(title="v3")
        assert answer.status_code == 200
        [page] = posts()
        assert page.title == "Edited by a person"  # still the person's live page
        assert page.get_latest_revision_as_object().title == "v3"
        note = Delivery.objects.filter(outcome="accepted").first().note
        assert "until a person publishes one of them" in note
        # The person reviews the import and publishes it: the hold is lifted.
        page.latest_revision.publish(user=editor)
        post(title="v4")
    [page] = posts()
    assert page.live is True
    assert page.title == "v4"
    assert page.live_revision_id == page.latest_revision_id


def test_a_persons_unpublished_draft_stays_the_latest_revision(blog, editor):
    from wonderblogs_target.contrib.django.models import Delivery

    with wagtail(PUBLISH=True):
        post(title="v1")
        [page] = posts()
        page.title = "A person's draft"
        page.save_revision(user=editor)  # saved, not published
        assert post(title="v2").status_code == 200
    [page] = posts()
    assert page.title == "v1"  # the live page is left as it is
    latest = page.get_latest_revision_as_object()
    assert latest.title == "A person's draft"  # what the editor opens
    assert page.latest_revision.user == editor
    titles = [r.as_object().title for r in page.revisions.order_by("-id")[:2]]
    assert titles == ["A person's draft", "v2"]  # the import just before it
    note = Delivery.objects.filter(outcome="accepted").first().note
    assert "unpublished draft stays" in note


def test_a_rewrite_finds_its_page_by_external_id(blog):
    post(externalId="ext-1")
    post(externalId="ext-1", action="update", slug="a-new-slug", title="Rewritten")
    [page] = posts()
    draft = page.get_latest_revision_as_object()
    assert draft.slug == "a-new-slug"
    assert draft.title == "Rewritten"
    assert page.revisions.count() == 2


def test_a_sibling_slug_clash_answers_409_and_creates_nothing(blog):
    from tests.wagtail_project.blog.models import BlogPage
    from wonderblogs_target.contrib.django.models import Article

    blog.add_child(instance=BlogPage(title="Hand made", slug=samples.PAYLOAD["slug"]))
    answer = post()
    assert answer.status_code == 409
    assert "did not come from Wonderblogs" in answer.json()["error"]
    assert [p.title for p in posts()] == ["Hand made"]
    assert not Article.objects.exists()


def test_a_field_the_page_cannot_hold_is_a_precise_422(blog):
    answer = post(title="T" * 300)  # Wagtail's title holds 255
    assert answer.status_code == 422
    assert "page field 'title'" in answer.json()["error"]
    assert posts() == []


def test_markdown_into_a_streamfield_is_one_block_per_markdown_block(blog):
    from tests.wagtail_project.blog.models import StreamBlogPage

    with wagtail(PAGE_MODEL="blog.StreamBlogPage", FIELDS={"body": "content"}):
        assert post(content=HOSTILE).status_code == 200
    [page] = StreamBlogPage.objects.all()
    blocks = [(block.block_type, block.value.source) for block in page.body]
    assert blocks == [
        ("paragraph", "<h2>Heading</h2>\n"),
        ("paragraph", "<p>Text with &lt;script&gt;alert(1)&lt;/script&gt; in it.</p>\n"),
        ("paragraph", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"),
    ]


def test_without_i18n_only_the_sites_language_is_taken(blog):
    answer = post(locale="de")
    assert answer.status_code == 422
    assert "publishes in 'en' only" in answer.json()["error"]
    assert post(locale="en").status_code == 200


def test_with_i18n_an_article_goes_under_the_parents_translation(blog):
    from wagtail.models import Locale

    with override_settings(WAGTAIL_I18N_ENABLED=True):
        answer = post(locale="de", slug="german-post")
        assert answer.status_code == 422
        assert "Wagtail has no 'de' locale" in answer.json()["error"]
        german = Locale.objects.create(language_code="de")
        answer = post(locale="de", slug="german-post")
        assert answer.status_code == 422
        assert "has no 'de' translation" in answer.json()["error"]
        translated = blog.copy_for_translation(german, copy_parents=True)
        translated.save_revision().publish()
        assert post(locale="de", slug="german-post").status_code == 200
        assert post(locale="en", slug="german-post").status_code == 200
        assert post(locale="fr", slug="x").status_code == 422
    de, en = sorted(posts(), key=lambda p: p.locale.language_code)
    assert de.locale == german
    assert de.get_parent().specific == translated
    assert de.translation_key == en.translation_key  # Wagtail knows them as translations


def test_a_cover_from_the_v1_emulator_with_the_key(blog, emulator_url):
    url, emulator = emulator_url
    with emulator.client() as client:
        job = client.wait_for_image(client.generate_image("Title", "Content").job_id)
    with override_settings(WONDERBLOGS={**settings.WONDERBLOGS, "V1_BASE_URL": url}):
        assert post(coverImageUrl=job.image_url).status_code == 200
    [page] = posts()
    assert page.cover is not None
    assert page.cover.file.read() == PNG_PIXEL
    assert (page.cover.width, page.cover.height) == (1, 1)


def test_a_cover_from_an_absolute_url_and_the_same_image_twice_is_one_image(blog, allowed_images):
    from wagtail.images import get_image_model

    images = allowed_images
    assert post(coverImageUrl=f"{images}/pixel.png").status_code == 200
    assert post(coverImageUrl=f"{images}/pixel.png", title="Again").status_code == 200
    [page] = posts()
    assert page.get_latest_revision_as_object().cover.file.read() == PNG_PIXEL
    assert get_image_model().objects.count() == 1


@pytest.mark.parametrize(
    ("path", "reason"),
    [("/missing.png", "404"), ("/page.html", "text/html"), ("/photo.jpg", "not kept")],
)
def test_a_failed_cover_keeps_the_article_and_says_why(blog, allowed_images, path, reason, caplog):
    from wonderblogs_target.contrib.django.models import Delivery

    answer = post(coverImageUrl=allowed_images + path)
    assert answer.status_code == 200
    [page] = posts()
    assert page.cover is None
    note = Delivery.objects.filter(outcome="accepted").first().note
    assert reason in note
    assert "saved without it" in note
    assert reason in caplog.text


@pytest.mark.parametrize(
    "form", ["http://127.0.0.1:{port}/pixel.png", "http://localhost:{port}/pixel.png"]
)
def test_a_cover_on_loopback_is_refused_by_default(blog, images, form, caplog):
    """Server-side request forgery: an article must not make the site fetch
    from its own loopback (or private) addresses into Wagtail's image store."""
    from wagtail.images import get_image_model

    from tests.image_server import seen
    from wonderblogs_target.contrib.django.models import Delivery

    before = list(seen(images))
    answer = post(coverImageUrl=form.format(port=images.rsplit(":", 1)[1]))
    assert answer.status_code == 200
    [page] = posts()
    assert page.cover is None
    assert get_image_model().objects.count() == 0
    assert seen(images) == before  # never asked
    note = Delivery.objects.filter(outcome="accepted").first().note
    assert "not a public internet address" in note


def test_a_page_deleted_in_wagtail_is_not_created_again(blog):
    from wonderblogs_target.contrib.django.models import Article, Delivery

    post()
    posts()[0].delete()
    assert post(title="After the delete").status_code == 200
    assert posts() == []
    assert Article.objects.get().title == "After the delete"  # the article is kept
    assert "deleted in Wagtail" in Delivery.objects.filter(outcome="accepted").first().note


def test_a_draft_goes_to_the_moderation_workflow(blog):
    from wagtail.models import Workflow, WorkflowPage

    workflow = Workflow.objects.first()  # Wagtail's default "Moderators approval"
    WorkflowPage.objects.update_or_create(page=blog, defaults={"workflow": workflow})
    post()
    [page] = posts()
    assert page.workflow_in_progress
    assert page.current_workflow_state.workflow == workflow
    post(title="Second version")  # one workflow run, not a second
    assert page.workflow_states.count() == 1


def test_the_checkers_test_article_is_never_published(blog):
    from wonderblogs_target.check import sample_article

    with wagtail(PUBLISH=True):
        answer = Client().post(
            URL,
            data=json.dumps(sample_article()),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {settings.WONDERBLOGS_KEY}",
        )
    assert answer.status_code == 200
    [page] = posts()
    assert page.live is False


def test_a_field_made_required_after_the_import_fails_the_delivery_which_is_applied_again(
    blog, monkeypatch
):
    """A page model changed under the import (a field no article field fills
    made required) is the site's to mend: 5xx, the article kept; once mended,
    ``wonderblogs_deliveries apply`` (a Wagtail site may have no Django admin)
    creates the page, once."""
    from io import StringIO

    from django.core.management import CommandError, call_command

    from tests.wagtail_project.blog.models import BlogPage
    from wonderblogs_target.contrib.django.models import Article, Delivery

    field = BlogPage._meta.get_field("published_on")
    with monkeypatch.context() as changed:
        changed.setattr(field, "blank", False)
        answer = post(title="Waits for a model fix")
        assert answer.status_code == 500
        assert "published_on" not in answer.text  # the site's log says it, not the sender
        failed = Delivery.objects.get()
        with pytest.raises(CommandError, match="not stored") as still:
            call_command("wonderblogs_deliveries", "apply", str(failed.pk))
        assert still.value.returncode == 1
    assert posts() == []
    assert not Article.objects.exists()
    [waiting] = Delivery.objects.filter(body__isnull=False, applied_at__isnull=True)
    assert "BlogPage requires 'published_on', which no article field fills" in waiting.note

    listed = StringIO()
    call_command("wonderblogs_deliveries", "list", "--waiting", stdout=listed)
    assert f"{waiting.pk}  " in listed.getvalue()
    assert "waiting" in listed.getvalue()
    out = StringIO()
    call_command("wonderblogs_deliveries", "apply", str(waiting.pk), stdout=out)
    assert "stored from delivery" in out.getvalue()
    [page] = posts()
    assert page.title == "Waits for a model fix"
    assert page.revisions.count() == 1
    with pytest.raises(CommandError, match="was applied again at") as twice:
        call_command("wonderblogs_deliveries", "apply", str(waiting.pk))
    assert twice.value.returncode == 2
    assert len(posts()) == 1


def test_the_v1_commands_write_page_revisions_and_wagtail_translations(blog, emulator_url):
    """generate, rewrite, translate and cover through the management commands,
    into the Wagtail store: a page, its next revision, its translation in the
    parent's German translation, and a cover downloaded into a Wagtail image."""
    from io import StringIO

    from django.core.management import call_command
    from wagtail.models import Locale

    url, _ = emulator_url
    slug = "kubernetes-cost-control-for-small-teams"
    with override_settings(
        WONDERBLOGS={**settings.WONDERBLOGS, "V1_BASE_URL": url}, WAGTAIL_I18N_ENABLED=True
    ):
        german = Locale.objects.create(language_code="de")
        blog.copy_for_translation(german, copy_parents=True).save_revision().publish()
        call_command("wonderblogs_generate", "Kubernetes cost control for small teams")
        [page] = posts()
        assert page.title == "Kubernetes cost control for small teams"
        assert page.cover is not None  # the run's cover, downloaded with the v1 key
        call_command("wonderblogs_rewrite", slug, "--topic", "FinOps basics")
        page.refresh_from_db()
        assert page.revisions.count() == 2
        assert page.get_latest_revision_as_object().title == "FinOps basics"

        call_command("wonderblogs_translate", slug, "--to", "de", stdout=StringIO())
        english, translated = sorted(posts(), key=lambda p: p.locale.language_code != "en")
        assert translated.locale == german
        assert translated.translation_key == english.translation_key
        out = StringIO()
        call_command("wonderblogs_cover", slug, "--locale", "de", stdout=out)
        assert "stored the cover" in out.getvalue()
        translated.refresh_from_db()
        assert translated.get_latest_revision_as_object().cover is not None

        started = StringIO()
        call_command("wonderblogs_generate", "Edge caching basics", "--no-wait", stdout=started)
        run_id = started.getvalue().split()[1]
        call_command("wonderblogs_run", run_id, stdout=StringIO())
        assert "Edge caching basics" in [p.title for p in posts()]
