import os

from site_callbacks import get_context, on_publish

from wonderblogs_target.wsgi import create_wonderblogs_wsgi_app

KEY = os.environ["WONDERBLOGS_API_KEY"]
application = create_wonderblogs_wsgi_app(
    api_key=KEY, get_context=get_context, on_publish=on_publish
)
app = application
