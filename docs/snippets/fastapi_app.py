import os

from fastapi import FastAPI
from site_callbacks import get_context, on_publish

KEY = os.environ["WONDERBLOGS_API_KEY"]
app = FastAPI()
# --8<-- [start:router]
from wonderblogs_target.fastapi import create_wonderblogs_router  # noqa: E402

app.include_router(
    create_wonderblogs_router(api_key=KEY, get_context=get_context, on_publish=on_publish),
    prefix="/api/wonderblogs",
)
# --8<-- [end:router]
