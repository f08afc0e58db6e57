from wonderblogs_target.client import WonderblogsClient
from wonderblogs_target.testing import WonderblogsEmulator

emulator = WonderblogsEmulator(api_keys=["wb_test_key"], target_key="site-key")
client = WonderblogsClient("wb_test_key", transport=emulator.transport(), sleep=lambda s: None)
run = client.wait_for_run(client.generate_post("A topic for the test"))
assert run.status == "completed"
