"""The target endpoint: GET answers the brand context, POST receives an article.

Adapters hand over a `Request` and send back the
`Response`; they decide nothing. The flow below
is written once and driven sync or async (see `_flow`); the parts every
endpoint shares (answers, body limits, calling user code) are in
`_endpoint`, the key rules in `_keys`.

An article goes to ``on_publish``, to a [`Store`][wonderblogs_target.stores.Store],
or to both (the store first, then ``on_publish`` as a hook). With a store,
``recent_articles`` of the context comes from it whenever the site's own
document leaves it out.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Awaitable, Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

from typing_extensions import Required, TypedDict

from ._concurrency import is_async_callable
from ._endpoint import (
    ACCEPTED,
    DEFAULT_BODY_TIMEOUT,
    INTERNAL_ERROR,
    JSON_CONTENT,
    UNAUTHORIZED,
    Endpoint,
    callback_failed,
    error_response,
    logger,
    validation_failed,
)
from ._flow import Flow, Step
from ._keys import ApiKey, KeyRing
from .errors import ConfigurationError, PublishRejected, format_location
from .http import Request, Response
from .stores import (
    RECENT_LIMIT,
    Store,
    Unstored,
    delivery_log_of,
    describe_failure,
    open_store,
)

if TYPE_CHECKING:
    from pydantic import ValidationError

    from .models import ContextResponse, PublishPayload

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "ContextDocument",
    "ContextProvider",
    "PublishHandler",
    "TargetOptions",
    "WonderblogsTarget",
]

#: 5 MiB: far above any real article, far below what would hurt a worker.
DEFAULT_MAX_BODY_SIZE = 5 * 1024 * 1024
#: Articles checked and saved at once by one target: enough to keep a
#: database busy (a SQLite file takes one writer at a time anyway), few enough
#: that many large bodies in flight cost about their own bytes.
DEFAULT_MAX_CONCURRENT_SAVES = 4

ContextDocument: TypeAlias = "ContextResponse | Mapping[str, Any]"
ContextProvider: TypeAlias = Callable[[], "ContextDocument | Awaitable[ContextDocument]"]
PublishHandler: TypeAlias = Callable[["PublishPayload"], "object | Awaitable[object]"]


class TargetOptions(TypedDict, total=False):
    """The keyword arguments every adapter factory accepts and hands to the core."""

    api_key: ApiKey
    get_context: Required[ContextProvider | ContextDocument]
    on_publish: PublishHandler | None
    store: Store | str | None
    allow_unauthenticated: bool
    max_body_size: int
    callback_timeout: float | None
    body_timeout: float | None
    max_concurrent_saves: int


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{format_location(e['loc'])}: {e['msg']}"
        for e in exc.errors(include_url=False, include_input=False)
    )


NOT_JSON = error_response(
    415, "Content-Type must be application/json: this endpoint takes requests without a key"
)


def _declares_json(content_type: str | None) -> bool:
    """``application/json``, with any parameters such as ``charset``."""
    if not content_type:
        return False
    return content_type.split(";", 1)[0].strip().lower() == "application/json"


# The models' module is imported where a document or a body is first checked
# (at the latest, when the target is made), not with this one: importing an
# adapter stays cheap for a process that never makes a target.


def _lacks_recent(document: object) -> bool:
    from .models import ContextResponse

    if isinstance(document, ContextResponse):
        return not document.recent_articles
    return isinstance(document, Mapping) and not document.get("recent_articles")


def _with_recent(document: ContextDocument, recent: list[dict[str, str]]) -> dict[str, Any]:
    """The site's document with ``recent_articles`` taken from the store."""
    from .models import ContextResponse

    if isinstance(document, ContextResponse):
        document = document.model_dump(exclude_unset=True)
    return {**document, "recent_articles": recent}


def _error_of(answer: Response) -> str:
    """The message of one of the target's own error answers."""
    try:
        return str(json.loads(answer.body)["error"])
    except (ValueError, KeyError, TypeError):
        return f"status {answer.status}"


def _context_json(document: object) -> bytes:
    """The wire JSON of a context document; raises ``ValidationError``."""
    from .models import ContextResponse, context_json

    if isinstance(document, ContextResponse):
        return document.to_json()
    return context_json(document)


def _checked(body: bytes | bytearray) -> PublishPayload | ValidationError:
    """The article in ``body``, or why it is not one."""
    from pydantic import ValidationError

    from .models import PublishPayload

    try:
        return PublishPayload.model_validate_json(body)
    except ValidationError as exc:
        return exc


class WonderblogsTarget(Endpoint):
    """Serves the two Wonderblogs target operations on one URL.

    ``get_context`` is the brand context: a callable returning it (sync or
    async), or the document itself (a dict or a
    [`ContextResponse`][wonderblogs_target.models.ContextResponse]), checked here at start-up.

    Each article goes to ``store`` (a [`Store`][wonderblogs_target.stores.Store]
    or a store URL such as ``"sqlite:///wonderblogs.db"``), to ``on_publish``
    (sync or async), or to both: the store saves first, then ``on_publish``
    runs as a hook (a site rebuild, a notification). If the hook fails, the
    answer is the failure and the article stays saved; the re-push that follows
    is an update, so nothing is doubled. With a store, a context without
    ``recent_articles`` (left out, or empty) gets the store's newest 50.

    ``api_key`` takes one key, several (for rotation), or a callable returning
    them, read on every request, for keys that live in app config. Leaving it
    out is an error unless ``allow_unauthenticated=True`` says the endpoint is
    meant to be open (Wonderblogs then sends no ``Authorization`` header).

    With a store, at most ``max_concurrent_saves`` articles are checked and
    saved at once; the others wait with only their bodies read. Checking an
    article builds its model and saving it its document for the database,
    each about as large as the body, so 64 bodies of 5 MiB in flight cost
    about 64 bodies, not three times that.
    """

    allowed_methods = ("GET", "HEAD", "POST")

    def __init__(
        self,
        *,
        api_key: ApiKey = None,
        get_context: ContextProvider | ContextDocument,
        on_publish: PublishHandler | None = None,
        store: Store | str | None = None,
        allow_unauthenticated: bool = False,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        callback_timeout: float | None = None,
        body_timeout: float | None = DEFAULT_BODY_TIMEOUT,
        max_concurrent_saves: int = DEFAULT_MAX_CONCURRENT_SAVES,
    ) -> None:
        super().__init__(max_body_size, callback_timeout, body_timeout)
        if isinstance(max_concurrent_saves, bool) or not (
            isinstance(max_concurrent_saves, int) and max_concurrent_saves >= 1
        ):
            raise ConfigurationError("max_concurrent_saves must be a whole number, 1 or more")
        # Shared by the copies `bind` makes: one bound for the endpoint.
        self._saving = threading.BoundedSemaphore(max_concurrent_saves)
        if on_publish is None and store is None:
            raise ConfigurationError(
                "nowhere to put articles: pass store= (a Store or a URL such as "
                "'sqlite:///wonderblogs.db') or on_publish= (a callable)"
            )
        if on_publish is not None and not callable(on_publish):
            raise ConfigurationError("on_publish must be a callable")
        if allow_unauthenticated and api_key is not None:
            raise ConfigurationError("give api_key or allow_unauthenticated=True, not both")
        if api_key is None and not allow_unauthenticated:
            raise ConfigurationError(
                "no api_key given; pass the Target Authentication Key configured in "
                "Wonderblogs, or allow_unauthenticated=True for an open endpoint"
            )
        self._keys = None if api_key is None else KeyRing(api_key)
        self.allow_unauthenticated = allow_unauthenticated
        self.on_publish = on_publish
        self._publish_is_async = on_publish is not None and is_async_callable(on_publish)
        self.store = self._owning(open_store(store)) if isinstance(store, str) else store
        self._delivery_log = delivery_log_of(self.store)
        self.store_location = getattr(self.store, "location", "the store")

        self.get_context: ContextProvider | None = None
        # A fixed document is answered from its JSON, checked and encoded once:
        # whole, or around the store's recent articles.
        self._fixed_body: bytes | None = None
        self._around_recent: tuple[bytes, bytes] | None = None
        # The store's last recent list and its checked JSON (a GET repeats it).
        self._last_recent: tuple[list[dict[str, str]], bytes] | None = None
        from .models import ContextResponse

        if callable(get_context):
            self.get_context = get_context
        elif isinstance(get_context, ContextResponse | Mapping):
            self._fixed_body = self._check_fixed_context(get_context)
        else:
            raise ConfigurationError(
                "get_context must be a callable, a dict or a ContextResponse, "
                f"not {type(get_context).__name__}"
            )
        self._context_is_async = is_async_callable(get_context)

    def _check_fixed_context(self, document: ContextDocument) -> bytes | None:
        """Refuse a fixed document that breaks the contract now, not on the first
        GET; return its wire JSON when it never changes (no store to fill it)."""
        from pydantic import ValidationError

        filled = self.store is not None and _lacks_recent(document)
        try:
            body = _context_json(_with_recent(document, []) if filled else document)
        except ValidationError as exc:
            raise ConfigurationError(f"get_context breaks the contract: {_problems(exc)}") from None
        if not filled:
            return body
        # Quotes inside JSON strings are escaped, so this can only be the key itself.
        before, _, after = body.partition(b'"recent_articles":[]')
        self._around_recent = (before + b'"recent_articles":', after)
        return None

    @property
    def has_async_callbacks(self) -> bool:
        return self._context_is_async or self._publish_is_async

    def _check_and_save(
        self, store: Store, body: bytes | bytearray
    ) -> tuple[PublishPayload | ValidationError, Exception | None]:
        """Check the body and save the article, in one step: from async code
        both run in a worker thread (a large body's check does not hold up the
        event loop), within one of the target's save slots. The article, or
        its ``ValidationError``; and what the store raised, if it did."""
        with self._saving:
            checked = _checked(body)
            if isinstance(checked, Exception):
                return checked, None
            try:
                store.save(checked)
            except Exception as exc:
                return checked, exc
            return checked, None

    def _context_response(self, document: object, head: bool) -> Response:
        from pydantic import ValidationError

        try:
            body = _context_json(document)
        except ValidationError as exc:
            logger.error("get_context returned an invalid context document: %s", _problems(exc))
            return INTERNAL_ERROR
        return Response(200, (JSON_CONTENT,), b"" if head else body)

    def _context_flow(self, head: bool) -> Flow:
        if self._fixed_body is not None:
            return Response(200, (JSON_CONTENT,), b"" if head else self._fixed_body)
        if self._around_recent is not None and self.store is not None:
            return (yield from self._around_store(self.store, self._around_recent, head))
        assert self.get_context is not None  # a fixed document left above
        try:
            document = yield self.call(self.get_context, (), self._context_is_async)
        except Exception as exc:
            return callback_failed(exc, "get_context")
        if self.store is not None and _lacks_recent(document):
            recent = yield from self._recent_from(self.store)
            if isinstance(recent, Response):
                return recent
            document = _with_recent(document, recent)
        return self._context_response(document, head)

    def _recent_from(self, store: Store) -> Generator[Step, Any, list[dict[str, str]] | Response]:
        """Sub-flow: the store's recent articles, or the answer to its failure."""
        try:
            recent: list[dict[str, str]] = yield self.call(
                store.recent_articles, (RECENT_LIMIT,), False
            )
        except Exception as exc:
            return callback_failed(exc, "the store (reading recent articles)")
        return recent

    def _around_store(self, store: Store, around: tuple[bytes, bytes], head: bool) -> Flow:
        """The start-up-checked brand JSON around the store's recent articles,
        of which only the store's part is checked per request."""
        recent = yield from self._recent_from(store)
        if isinstance(recent, Response):
            return recent
        last = self._last_recent
        if last is not None and last[0] == recent:
            listed = last[1]  # the same list as last time: checked already
        else:
            from pydantic import ValidationError

            from .models import recent_articles_json

            try:
                listed = recent_articles_json(recent)
            except ValidationError as exc:
                logger.error("the store's recent articles break the contract: %s", _problems(exc))
                return INTERNAL_ERROR
            # Compared by value, not identity: a store may hand out one list it changes.
            self._last_recent = ([dict(item) for item in recent], listed)
        before, after = around
        return Response(200, (JSON_CONTENT,), b"" if head else before + listed + after)

    def flow(self, request: Request, facts: dict[str, Any]) -> Flow:
        failed: dict[str, Any] = {}
        answer: Response = yield from self._answer(request, facts, failed)
        log = self._delivery_log
        if log is not None and answer.status >= 300 and request.method.upper() == "POST":
            # 5xx with the body of a valid article the store could not save; or a refusal.
            unstored = Unstored(
                answer.status,
                failed.get("error") or _error_of(answer),
                failed.get("body") if answer.status >= 500 else None,
            )
            try:
                yield self.call(log.record, (unstored,), False)
            except Exception:  # the answer stands; Wonderblogs keeps the article too
                logger.exception("could not record the delivery in %s", self.store_location)
        return answer

    def _answer(self, request: Request, facts: dict[str, Any], failed: dict[str, Any]) -> Flow:
        method = request.method.upper()
        if method not in self.allowed_methods:
            return self._not_allowed
        keys = self._keys
        try:
            authorised = keys is None or keys.matches_bearer(request.headers.get("authorization"))
        except ConfigurationError:
            logger.exception("wonderblogs target is misconfigured")
            return INTERNAL_ERROR
        if not authorised:
            return UNAUTHORIZED
        if method != "POST":
            return (yield from self._context_flow(head=method == "HEAD"))

        if keys is None and not _declares_json(request.headers.get("content-type")):
            # Without a key, only the media type tells Wonderblogs from a web page:
            # a cross-site form can post text/plain without a preflight, never JSON.
            return NOT_JSON
        body = yield from self.read_body(request, facts)
        if isinstance(body, Response):
            return body
        from pydantic import ValidationError

        store = self.store
        checked: PublishPayload | ValidationError | None = None
        saved: Exception | None = None
        if store is None:
            checked = _checked(body)
        else:
            try:
                checked, saved = yield self.call(self._check_and_save, (store, body), False)
            except Exception as exc:  # ran past the time limit
                saved = exc
        if isinstance(checked, ValidationError):
            return validation_failed(checked, "Invalid publish payload")
        if checked is not None:
            facts.update(
                slug=checked.slug, locale=checked.locale, action=checked.action or "publish"
            )
        if saved is not None:
            if not isinstance(saved, PublishRejected):
                failed.update(body=bytes(body), error=describe_failure(saved))
            return callback_failed(saved, "the store (saving an article)")
        assert checked is not None  # the step returned it, or raised
        payload = checked
        if self.on_publish is not None:
            try:
                yield self.call(self.on_publish, (payload,), self._publish_is_async)
            except Exception as exc:
                return callback_failed(exc, "on_publish")
        return ACCEPTED
