"""Results kept per data version: a new import changes the version, so nothing stale is served.

Every service that caches keys its results by `data_version` (one census), `store_version` (any census) or
`data_key` (censuses and absence extracts); `clear_caches` empties every cache, including the rendered pages
that web/ registers with `on_clear`.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import polars as pl
from sqlalchemy import func, select

from hcsworkforce.store import Store
from hcsworkforce.store import tables as t
from hcsworkforce.store.tables_absence import absence_census_dates

T = TypeVar("T")


class Cache:
    """A bounded least-recently-used map in which one thread computes a missing value while others wait."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self.items: OrderedDict[Any, Any] = OrderedDict()
        self.making: dict[Any, threading.Lock] = {}
        self.lock = threading.Lock()

    def get(self, key: Any, make: Callable[[], T]) -> T:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]  # type: ignore[no-any-return]
            key_lock = self.making.setdefault(key, threading.Lock())
        # One thread computes a missing result while the others wait for it: without this, fifty users arriving
        # together after an import would each read the whole census and compute the same profile.
        with key_lock:
            with self.lock:
                if key in self.items:
                    return self.items[key]  # type: ignore[no-any-return]
            value = make()
            with self.lock:
                self.items[key] = value
                self.making.pop(key, None)
                while len(self.items) > self.size:
                    self.items.popitem(last=False)
        return value

    def peek(self, key: Any) -> Any:
        """A cached value or None, without waiting for another thread that is computing it (async callers)."""
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


frames_cache = Cache(size=4)
results_cache = Cache(size=1024)

_version_memo: dict[Any, tuple[float, tuple[Any, ...] | None]] = {}
VERSION_TTL_SECONDS = 1.0


def _memo(key: Any) -> tuple[Any, ...] | None:
    hit = _version_memo.get(key)
    if hit is not None and time.monotonic() - hit[0] < VERSION_TTL_SECONDS:
        return hit[1]
    return None


def data_version(store: Store, census_date: date | None = None) -> tuple[Any, ...] | None:
    """Identifies the census a request reads. A three-column query, remembered for a second: a page asks for it
    several times, and fifty users at once would otherwise ask the database hundreds of times a second."""
    memo_key = (str(store.engine.url), census_date)
    hit = _version_memo.get(memo_key)
    if hit is not None and time.monotonic() - hit[0] < VERSION_TTL_SECONDS:
        return hit[1]
    c = t.censuses.c
    q = select(c.id, c.imported_at, c.census_date)
    q = q.where(c.census_date == census_date) if census_date else q.order_by(c.census_date.desc())
    with store.engine.connect() as conn:
        row = conn.execute(q.limit(1)).first()
    version = None
    if row is not None:
        cdate = row[2] if isinstance(row[2], date) else date.fromisoformat(str(row[2])[:10])
        version = (str(store.engine.url), row[0], str(row[1]), cdate)
    _version_memo[memo_key] = (time.monotonic(), version)
    return version


def store_version(store: Store) -> tuple[Any, ...]:
    """Changes whenever any census is loaded or replaced (the latest or not): the key for rendered pages, which
    also list the census dates. Remembered for a second, like data_version."""
    memo_key = (str(store.engine.url), "store")
    hit = _memo(memo_key)
    if hit is not None:
        return hit
    c = t.censuses.c
    with store.engine.connect() as conn:
        row = conn.execute(select(func.count(c.id), func.max(c.id), func.max(c.imported_at))).first()
    version = (str(store.engine.url), *(str(v) for v in (row or ())))
    _version_memo[memo_key] = (time.monotonic(), version)
    return version


def absence_version(store: Store) -> tuple[str, ...]:
    """The absence extracts loaded (by census date). An absence import does not change the census tables, so
    results that use absence are keyed by this too. Remembered for a second, like store_version."""
    memo_key = (str(store.engine.url), "absence")
    hit = _memo(memo_key)
    if hit is not None:
        return hit
    try:
        version = tuple(d.isoformat() for d in absence_census_dates(store))
    except Exception:  # a database without the absences table has no absence loaded
        version = ()
    _version_memo[memo_key] = (time.monotonic(), version)
    return version


def data_key(store: Store) -> tuple[Any, ...]:
    """Censuses and absence extracts together: the key for results that read the whole history."""
    return (store_version(store), absence_version(store))


@dataclass
class Frames:
    census_date: date
    staff: pl.DataFrame
    leavers: pl.DataFrame
    establishment: pl.DataFrame
    has_leaver_data: bool
    organisations: pl.DataFrame


def load_frames(store: Store, version: tuple[Any, ...]) -> Frames:
    """The whole census, read once per data version; scoping is applied on these frames per request."""

    def make() -> Frames:
        census_date = version[3]
        info = store.census_info(census_date) or {}
        return Frames(
            census_date=census_date,
            staff=store.staff(census_date),
            leavers=store.leavers(census_date),
            establishment=store.establishment(census_date),
            has_leaver_data=bool(info.get("has_leaver_data", False)),
            organisations=store.organisations(),
        )

    return frames_cache.get(version, make)


_clear_hooks: list[Callable[[], None]] = []  # other caches keyed by data version (rendered pages)


def on_clear(hook: Callable[[], None]) -> None:
    """Empty another cache (rendered pages) whenever these are emptied."""
    _clear_hooks.append(hook)


def clear_caches() -> None:
    _version_memo.clear()
    frames_cache.clear()
    results_cache.clear()
    for hook in _clear_hooks:
        hook()
