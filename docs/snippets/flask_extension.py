import os
import sys

from flask import Flask
from site_callbacks import get_context as brand_context
from site_callbacks import on_publish

from wonderblogs_target import PublishPayload
from wonderblogs_target.flask import Wonderblogs

wonderblogs = Wonderblogs()  # or Wonderblogs(store="sqlite:///wonderblogs.db")


@wonderblogs.context_provider
def context() -> dict:
    return brand_context()


@wonderblogs.publish_handler
def save(article: PublishPayload) -> None:
    on_publish(article)


def create_app() -> Flask:
    app = Flask(__name__)
    key = os.environ.get("WONDERBLOGS_API_KEY")
    if not key:
        sys.exit("Set WONDERBLOGS_API_KEY to the key Wonderblogs shows for your site.")
    app.config["WONDERBLOGS_API_KEY"] = key
    wonderblogs.init_app(app)  # URL from WONDERBLOGS_URL (default "/api/wonderblogs")
    return app


app = create_app()
