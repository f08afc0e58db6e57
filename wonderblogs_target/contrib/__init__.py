"""Integrations that are whole apps of a web framework or CMS, not just an
endpoint: the Django app (``contrib.django``) and, on top of it, Wagtail."""
