import os

KEY = os.environ["WONDERBLOGS_API_KEY"]
body = b'{"event":"run.completed"}'
# --8<-- [start:signing]
from wonderblogs_target import sign_payload, verify_signature  # noqa: E402

headers = sign_payload(body, KEY)  # both headers, for tests and local tools
verify_signature(body, headers, KEY)  # raises SignatureVerificationError if not authentic
# --8<-- [end:signing]
