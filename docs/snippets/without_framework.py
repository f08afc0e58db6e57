import os

from site_callbacks import get_context, on_publish

KEY = os.environ["WONDERBLOGS_API_KEY"]
# --8<-- [start:core]
from wonderblogs_target import Request, WonderblogsTarget  # noqa: E402

target = WonderblogsTarget(api_key=KEY, get_context=get_context, on_publish=on_publish)
response = target.handle(Request("GET", {"authorization": f"Bearer {KEY}"}))
assert response.status == 200
# await target.handle_async(...) from async code
# --8<-- [end:core]
