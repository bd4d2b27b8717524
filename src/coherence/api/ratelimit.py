"""How often one may try to sign in: per client address and per account.

In memory, per process: each worker process of ``coherence serve --workers N`` counts
on its own, so a client spread over N workers gets up to N times the limit, and the
counts start again when the server restarts. Enough to slow guessing down (tokens
carry 256 random bits anyway); a proxy in front can add a shared limit. Behind such
a proxy every client has the proxy's address, so the per-address limit is then the
proxy's as a whole.

>>> clock = iter(range(0, 1000, 1)).__next__
>>> limits = RateLimiter(limit=2, window=60, clock=lambda: float(clock()))
>>> limits.hit("ip:1"), limits.hit("ip:1"), limits.hit("ip:1")
(0, 0, 58)
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from coherence.domain.errors import TooManyRequests

SIGN_IN_LIMIT = 10
"""Sign-in attempts allowed per address, and per account, in :data:`SIGN_IN_WINDOW`."""
SIGN_IN_WINDOW = 60.0


class RateLimiter:
    """A sliding window of attempts per key."""

    def __init__(
        self,
        limit: int = SIGN_IN_LIMIT,
        window: float = SIGN_IN_WINDOW,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int:
        """Count an attempt; 0 when allowed, else the seconds until the next one is."""
        now = self.clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= self.max_keys:
                    self._forget_old(now)
                hits = self._hits[key] = deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.window - now))
            hits.append(now)
            return 0

    def check(self, *keys: str) -> None:
        """Count an attempt under every key; 429 (:class:`TooManyRequests`) if any is over."""
        wait = max((self.hit(key) for key in keys), default=0)
        if wait:
            raise TooManyRequests(
                f"Too many sign-in attempts: try again in {wait} seconds", retry_after=wait
            )

    def _forget_old(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
            del self._hits[key]
