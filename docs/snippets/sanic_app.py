import os

from hypercorn.middleware import DispatcherMiddleware
from sanic import Sanic
from site_callbacks import get_context, on_publish

from wonderblogs_target.asgi import create_wonderblogs_app

KEY = os.environ["WONDERBLOGS_API_KEY"]
site = Sanic("blog")
wonderblogs = create_wonderblogs_app(api_key=KEY, get_context=get_context, on_publish=on_publish)
# Served as ASGI (uvicorn or hypercorn), Sanic sits behind the same dispatcher.
app = DispatcherMiddleware({"/api/wonderblogs": wonderblogs, "": site})
