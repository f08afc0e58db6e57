import os
import sys

from flask import Flask
from site_callbacks import get_context, on_publish

KEY = os.environ.get("WONDERBLOGS_API_KEY") or sys.exit(
    "Set WONDERBLOGS_API_KEY to the key Wonderblogs shows for your site."
)
app = Flask(__name__)
# --8<-- [start:blueprint]
from wonderblogs_target.flask import create_wonderblogs_blueprint  # noqa: E402

app.register_blueprint(
    create_wonderblogs_blueprint(api_key=KEY, get_context=get_context, on_publish=on_publish),
    url_prefix="/api/wonderblogs",
)
# --8<-- [end:blueprint]
