"""Slots for long responses, so exports never take every thread of a worker.

A streamed export holds its thread until the last byte is sent; eight slow readers used to
hold all of a deployment's threads, and /healthz with them. Each worker process lets at most
``MAX_CONCURRENT_EXPORTS`` stream at once; another gets 429 with ``Retry-After``.
"""

import threading
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from functools import wraps
from typing import Any
from typing import TypeVar
from typing import cast

from flask import Response
from flask import current_app
from flask import jsonify
from flask.typing import ResponseReturnValue

View = TypeVar("View", bound=Callable[..., ResponseReturnValue])

RETRY_AFTER = 5
_slots: dict[int, threading.BoundedSemaphore] = {}
_made = threading.Lock()


def _semaphore() -> threading.BoundedSemaphore:
    """This application's slots in this process (one per app, so tests' apps do not share)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _made:
        found = _slots.get(id(app))
        if found is None:
            found = threading.BoundedSemaphore(app.config["MAX_CONCURRENT_EXPORTS"])
            _slots[id(app)] = found
        return found


def export_slot(view: View) -> View:
    """Run the view in a slot held until its response is closed (streamed to the end)."""

    @wraps(view)
    def limited(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        slots = _semaphore()
        if not slots.acquire(blocking=False):
            busy = jsonify(error="too many exports at once; try again shortly")
            busy.status_code = 429
            busy.headers["Retry-After"] = str(RETRY_AFTER)
            return busy
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except BaseException:
            slots.release()
            raise
        release = _once(slots.release)
        # Free when the body is sent to its end, or when the server closes it (a client gone).
        response.response = _releasing(response.response, release)
        response.call_on_close(release)
        return cast(Response, response)

    return cast(View, limited)


def _once(action: Callable[[], Any]) -> Callable[[], None]:
    done = threading.Lock()

    def run() -> None:
        if done.acquire(blocking=False):
            action()

    return run


def _releasing(body: Iterable[Any], release: Callable[[], None]) -> Iterator[Any]:
    try:
        yield from body
    finally:
        release()
