from blog_store import BlogStore
from django.urls import path

from wonderblogs_target.django import create_wonderblogs_view

store = BlogStore()

# api_key is left out: the view reads settings.WONDERBLOGS_API_KEY.
wonderblogs = create_wonderblogs_view(get_context=store.context, on_publish=store.save)

urlpatterns = [
    path("api/wonderblogs", wonderblogs),
    path("api/wonderblogs/", wonderblogs),
]
