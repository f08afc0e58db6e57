from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # Serves /api/wonderblogs and /api/wonderblogs/ alike.
    path("api/wonderblogs", include("wonderblogs_target.contrib.django.urls")),
]
