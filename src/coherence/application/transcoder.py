"""A JSON transcoder on orjson for the event store.

Plan events and snapshots hold plain JSON values by design (dates as ISO text);
only the library's own attributes (``timestamp``, ``_created_on``...) are
datetimes, and the odd UUID. They are written as the library's JSON transcoder
writes them (``{"_type_": "datetime_iso", "_data_": ...}``), so stored events read
the same with either transcoder.

>>> from datetime import datetime, timezone
>>> t = OrjsonTranscoder()
>>> data = t.encode({"timestamp": datetime(2026, 1, 1, tzinfo=timezone.utc), "n": [1]})
>>> t.decode(data)["timestamp"].year
2026
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Transcoder

_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_NON_STR_KEYS
)


def _default(obj: Any) -> Any:
    if isinstance(obj, datetime):
        return {"_type_": "datetime_iso", "_data_": obj.isoformat()}
    if isinstance(obj, UUID):
        return {"_type_": "uuid_hex", "_data_": obj.hex}
    if isinstance(obj, Decimal):
        return {"_type_": "decimal_str", "_data_": str(obj)}
    raise TypeError(f"cannot encode {type(obj).__name__} in an event")


def _revive(value: Any) -> Any:
    if isinstance(value, dict):
        if "_type_" in value and "_data_" in value and len(value) == 2:
            kind, data = value["_type_"], value["_data_"]
            if kind == "datetime_iso":
                return datetime.fromisoformat(data)
            if kind == "uuid_hex":
                return UUID(data)
            if kind == "decimal_str":
                return Decimal(data)
        for k, v in value.items():
            if isinstance(v, dict | list):
                value[k] = _revive(v)
        return value
    if isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, dict | list):
                value[i] = _revive(v)
    return value


class OrjsonTranscoder(Transcoder):
    """Encodes with orjson, and revives the library's tagged datetimes, UUIDs and decimals."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj, default=_default, option=_OPTIONS)

    def decode(self, data: bytes) -> Any:
        value = orjson.loads(data)
        if b'"_type_"' not in data:
            return value
        return _revive(value)
