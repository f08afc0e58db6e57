import os

import falcon.asgi
from hypercorn.middleware import DispatcherMiddleware
from site_callbacks import get_context, on_publish

from wonderblogs_target.asgi import create_wonderblogs_app

KEY = os.environ["WONDERBLOGS_API_KEY"]
site = falcon.asgi.App()
wonderblogs = create_wonderblogs_app(api_key=KEY, get_context=get_context, on_publish=on_publish)
# Falcon has no mounts for other ASGI apps; a dispatcher in front routes by prefix.
app = DispatcherMiddleware({"/api/wonderblogs": wonderblogs, "": site})
