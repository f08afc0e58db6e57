"""Flask example (app factory): WONDERBLOGS_API_KEY=dev-key python examples/flask_app.py

Serves the target at http://127.0.0.1:8000/api/wonderblogs. The key comes from
app.config["WONDERBLOGS_API_KEY"], which the factory fills from the environment.
"""

from blog_store import BlogStore, api_key, listen_address
from flask import Flask

from wonderblogs_target.flask import create_wonderblogs_blueprint


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["WONDERBLOGS_API_KEY"] = api_key()
    store = BlogStore()
    app.register_blueprint(
        create_wonderblogs_blueprint(get_context=store.context, on_publish=store.save),
        url_prefix="/api/wonderblogs",
    )
    return app


if __name__ == "__main__":
    host, port = listen_address()
    create_app().run(host=host, port=port)
