"""A reusable Django app: articles land in the site's own database.

    INSTALLED_APPS = [..., "wonderblogs_target.contrib.django"]
    WONDERBLOGS = {"API_KEY": ..., "CONTEXT": {...}, "PUBLISH_STATUS": "draft"}
    urlpatterns = [path("api/wonderblogs", include("wonderblogs_target.contrib.django.urls"))]

then ``python manage.py migrate``. The app (label ``wonderblogs``) brings the
models (`Article`, `ArticleRevision`,
`Delivery`), their admin, system checks, the
``article_received`` signal, and the ``wonderblogs_check`` and
``wonderblogs_openapi`` commands. Install with the ``django`` extra.
"""
