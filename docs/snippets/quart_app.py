import os

from hypercorn.middleware import DispatcherMiddleware
from quart import Quart
from site_callbacks import get_context, on_publish

from wonderblogs_target.asgi import create_wonderblogs_app

KEY = os.environ["WONDERBLOGS_API_KEY"]
site = Quart(__name__)
wonderblogs = create_wonderblogs_app(api_key=KEY, get_context=get_context, on_publish=on_publish)
# Quart has no mounts of its own; Hypercorn's dispatcher (a Quart dependency) routes by prefix.
app = DispatcherMiddleware({"/api/wonderblogs": wonderblogs, "": site})
