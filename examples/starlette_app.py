"""Starlette example: WONDERBLOGS_API_KEY=dev-key python examples/starlette_app.py

Serves the target at http://127.0.0.1:8000/api/wonderblogs.
"""

import uvicorn
from blog_store import BlogStore, api_key, listen_address
from starlette.applications import Starlette

from wonderblogs_target.asgi import create_wonderblogs_app

store = BlogStore()
wonderblogs = create_wonderblogs_app(
    api_key=api_key(),
    get_context=store.context,
    on_publish=store.save,
)
app = Starlette(routes=wonderblogs.routes("/api/wonderblogs"))

if __name__ == "__main__":
    host, port = listen_address()
    uvicorn.run(app, host=host, port=port)
