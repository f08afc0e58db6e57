"""FastAPI example: WONDERBLOGS_API_KEY=dev-key python examples/fastapi_app.py

Serves the target at http://127.0.0.1:8000/api/wonderblogs; see /docs.
"""

import uvicorn
from blog_store import BlogStore, api_key, listen_address
from fastapi import FastAPI

from wonderblogs_target.fastapi import create_wonderblogs_router

store = BlogStore()
app = FastAPI(title="Example blog")
app.include_router(
    create_wonderblogs_router(
        api_key=api_key(),
        get_context=store.context,
        on_publish=store.save,
    ),
    prefix="/api/wonderblogs",
)

if __name__ == "__main__":
    host, port = listen_address()
    uvicorn.run(app, host=host, port=port)
