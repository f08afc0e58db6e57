import os

from mangum import Mangum
from site_callbacks import get_context, on_publish
from starlette.applications import Starlette

from wonderblogs_target.asgi import create_wonderblogs_app

KEY = os.environ["WONDERBLOGS_API_KEY"]
wonderblogs = create_wonderblogs_app(api_key=KEY, get_context=get_context, on_publish=on_publish)
app = Starlette(routes=wonderblogs.routes("/api/wonderblogs"))
handler = Mangum(app, lifespan="off")  # the function AWS Lambda calls, behind API Gateway
