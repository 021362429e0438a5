"""A cache of rendered pages keyed by everything they show, so a page that has not
changed costs one indexed query instead of its queries and its template (docs/performance.md).

The key is the page's own rows (read in one query by `services.state_rows`), the
template variant and the URL; any write that changes what the page shows changes its
key, whichever process made it (the web app, the CLI, another tab). The CSRF token is
left out of the cached HTML and put back for each request. Pages for a signed-in user
(server mode) are never cached: their header and messages are that user's own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

TOKEN_SLOT = "csrf-token-slot-7f3a9c"
"""Stands for the CSRF token in cached HTML (letters, digits and '-' only: never escaped)."""
MAX_PAGES = 32

_pages: OrderedDict[Hashable, tuple[int, bytes, str]] = OrderedDict()
_lock = threading.Lock()


def cached_page(request: HttpRequest, key: Hashable, render: Callable[[str], HttpResponse]) -> HttpResponse:
    """The page for `key`: from the cache, or `render(token)` (cached when it is a 200).

    `render` gets the CSRF token to put in the page: TOKEN_SLOT when the result may be
    cached.
    """
    token = get_token(request)  # also makes sure the CSRF cookie is set
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # Server mode: the header names who is signed in and may carry a one-time message,
        # neither of which is in the key; two people's pages must never share an entry.
        return render(token)
    with _lock:
        hit = _pages.get(key)
        if hit is not None:
            _pages.move_to_end(key)
    if hit is None:
        response = render(TOKEN_SLOT)
        if response.status_code != 200 or response.streaming:
            return response
        hit = (response.status_code, response.content, response["Content-Type"])
        with _lock:
            _pages[key] = hit
            while len(_pages) > MAX_PAGES:
                _pages.popitem(last=False)
    status, content, content_type = hit
    return HttpResponse(
        content.replace(TOKEN_SLOT.encode(), token.encode()), status=status, content_type=content_type
    )


def clear() -> None:
    with _lock:
        _pages.clear()
