from wonderblogs_target.client import RunFailedError, WonderblogsClient


# --8<-- [start:client]
def new_post(client: WonderblogsClient, topic: str) -> bytes | None:
    """Start a run, wait for it, and return the cover image's bytes."""
    accepted = client.generate_post(topic, language="en")
    try:
        run = client.wait_for_run(accepted, timeout=600)
    except RunFailedError as exc:  # also raised, as RunSkippedError, for a skipped run
        print("no post:", exc.message)
        return None
    print(run.post.title, run.post.slug)
    if run.post.image_url:
        return client.download_image(run.post.image_url)  # the key goes to the API's host only
    return None


if __name__ == "__main__":
    with WonderblogsClient("wb_live_...") as client:
        new_post(client, "Cutting cloud spend")
# --8<-- [end:client]
