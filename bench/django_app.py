"""The Django app against a hand-written Django view doing the same ORM work.

    python -m bench.django_app

Both run in this process on one SQLite file, through Django's WSGI handler:
the app at ``/app`` (the package's view, DjangoStore, the delivery log) and an
idiomatic view at ``/idiomatic`` that checks the key, validates the body with
``PublishPayload``, and writes with ``update_or_create`` plus a revision row;
its GET answers the brand context with the newest 50 titles. Each POSTs the
same 12 KB article (its own slug), so every request after the first is an
update with a revision, as a re-push is.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import AUTH, KEY, measure_rounds, paired_ratio, payload_12k, table, wsgi_batch

# Requests per contender and round: a POST waits for SQLite's fsync'd commit.
ITERATIONS = {"POST": 60, "GET": 300}
BRAND = {
    "brand_identity": "Acme builds deployment tooling for small platform teams.",
    "tone_of_voice": "Plain, precise, no hype.",
    "instructions": "One runnable example per article.",
    "content_focus": "Cutting cloud spend",
}


def configure() -> None:
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        USE_TZ=True,
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "wonderblogs_target.contrib.django",
        ],
        MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(Path(tempfile.mkdtemp()) / "bench.sqlite3"),
            }
        },
        WONDERBLOGS={"API_KEY": KEY, "CONTEXT": BRAND},
    )
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def idiomatic(request: Any) -> Any:
    """What a Django developer writes by hand for the same two operations."""
    from django.db import transaction
    from django.db.models import F
    from django.http import JsonResponse
    from django.utils import timezone
    from pydantic import ValidationError

    from wonderblogs_target import PublishPayload
    from wonderblogs_target.contrib.django.models import Article, ArticleRevision

    if request.headers.get("Authorization") != AUTH:
        return JsonResponse({"error": "Missing or invalid API key"}, status=401)
    if request.method == "GET":
        recent = Article.objects.order_by("-received_at")[:50].values_list("title", "description")
        articles = [{"title": title, "summary": summary} for title, summary in recent]
        return JsonResponse({**BRAND, "recent_articles": articles})
    try:
        payload = PublishPayload.model_validate_json(request.body)
    except ValidationError as exc:
        return JsonResponse({"error": "Invalid publish payload", "details": str(exc)}, status=422)
    now = timezone.now()
    fields = {
        "title": payload.title,
        "description": payload.description,
        "content": payload.content,
        "author": payload.author,
        "tags": payload.tags,
        "seo_title": payload.seo.meta_title,
        "seo_description": payload.seo.meta_description,
        "seo_slug": payload.seo.slug,
        "target_focus": payload.target_focus,
        "refined_angle": payload.refined_angle,
        "cover_image_url": payload.cover_image_url,
        "sources": [s.model_dump() for s in payload.sources or []],
        "external_id": payload.external_id,
        "updated_at": now,
    }
    with transaction.atomic():
        article, created = Article.objects.update_or_create(
            slug=payload.slug,
            locale=payload.locale,
            defaults=fields,
            create_defaults={**fields, "received_at": now},
        )
        if not created:
            ArticleRevision.objects.create(
                article=article,
                revision=article.revision,
                payload=payload.model_dump(mode="json", by_alias=True),
                saved_at=now,
            )
            Article.objects.filter(pk=article.pk).update(revision=F("revision") + 1)
    return JsonResponse({"ok": True})


def _urlpatterns() -> list[Any]:
    from django.urls import include, path
    from django.views.decorators.csrf import csrf_exempt

    return [
        path("app", include("wonderblogs_target.contrib.django.urls")),
        path("idiomatic", csrf_exempt(idiomatic)),
    ]


def __getattr__(name: str) -> Any:
    if name == "urlpatterns":  # Django asks for it once settings point here
        return _urlpatterns()
    raise AttributeError(name)


def main() -> None:
    configure()
    from django.core.handlers.wsgi import WSGIHandler

    app = WSGIHandler()
    article = json.loads(payload_12k())
    bodies = {
        "/app": json.dumps({**article, "slug": "bench-app"}).encode(),
        "/idiomatic": json.dumps({**article, "slug": "bench-idiomatic"}).encode(),
    }
    names = {"/app": "Django app", "/idiomatic": "Django idiomatic view"}
    rows = []
    for method in ("POST", "GET"):
        runs = {
            names[path]: wsgi_batch(app, method, path, body if method == "POST" else b"")
            for path, body in bodies.items()
        }
        samples = measure_rounds(runs, iterations=ITERATIONS[method], rounds=25, warmup=50)
        for name, rates in samples.items():
            ratio = paired_ratio(samples, name, "Django idiomatic view")
            rows.append((name, method, statistics.median(rates), ratio, None))
    print(table("The Django app (in process, SQLite)", rows))


if __name__ == "__main__":
    main()
    sys.exit(0)
