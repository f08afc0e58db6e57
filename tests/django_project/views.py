"""Test-only views of the test project."""

from __future__ import annotations

from django.contrib.auth import get_user_model, login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def test_login(request: HttpRequest) -> HttpResponse:
    """Log the test superuser in and go on to ``next``: lets a headless browser,
    which cannot fill the login form, open admin pages in one command."""
    user = get_user_model().objects.get(username="editor")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    target = request.GET.get("next", "/admin/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = "/admin/"
    return HttpResponseRedirect(target)


_ACTION_PAGE = """<!doctype html><html><body>
<iframe id="admin" src="%(changelist)s" style="width: 1200px; height: 800px"></iframe>
<pre id="result">pending</pre>
<script>
const frame = document.getElementById("admin");
let chosen = false;
frame.addEventListener("load", () => {
  const page = frame.contentDocument;
  if (!chosen) {
    chosen = true;
    const box = page.querySelector('input[name="_selected_action"][value="%(id)s"]');
    if (box === null) {
      document.getElementById("result").textContent = "no checkbox for %(id)s";
      return;
    }
    box.click();
    page.querySelector('select[name="action"]').value = "%(action)s";
    page.querySelector('button[name="index"]').click();
    return;
  }
  const said = page.querySelector(".messagelist");
  const counts = page.querySelector(".wonderblogs-failures");
  document.getElementById("result").textContent =
    "messages: " + (said ? said.innerText : "none") +
    "\\ncounts: " + (counts ? counts.innerText : "none");
});
</script></body></html>"""


def test_admin_action(request: HttpRequest) -> HttpResponse:
    """A page that, in a browser, ticks row ``id`` of an admin changelist,
    runs ``action`` on it with the admin's own form, and then shows the
    messages the admin answered: the headless browser's hands."""
    from django.utils.html import escapejs

    values = {name: escapejs(request.GET.get(name, "")) for name in ("changelist", "action", "id")}
    if not values["changelist"].startswith("/admin/"):
        return HttpResponse("changelist must be an admin path", status=400)
    return HttpResponse(_ACTION_PAGE % values)
