import os

from litestar import Litestar, asgi
from site_callbacks import get_context, on_publish

from wonderblogs_target.asgi import create_wonderblogs_app

KEY = os.environ["WONDERBLOGS_API_KEY"]
wonderblogs = create_wonderblogs_app(api_key=KEY, get_context=get_context, on_publish=on_publish)
app = Litestar(
    route_handlers=[asgi("/api/wonderblogs", is_mount=True, copy_scope=True)(wonderblogs)]
)
