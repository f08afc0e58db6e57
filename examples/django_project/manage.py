#!/usr/bin/env python
"""Django example, with the Wonderblogs app:
WONDERBLOGS_API_KEY=dev-key python examples/django_project/manage.py migrate
WONDERBLOGS_API_KEY=dev-key python examples/django_project/manage.py runserver 127.0.0.1:8000
"""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exampleproject.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
