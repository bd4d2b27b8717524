"""The text of a plan file, read defensively: a size limit, the encoding (UTF-8, or
UTF-16/32 with a byte order mark; anything else refused naming the byte offset), YAML
without aliases or duplicate keys, JSON without duplicate keys, numbers and strings a
store can hold, and a depth limit. Every refusal is a :class:`PlanFileError` naming the
file and where in it."""

from __future__ import annotations

import codecs
import json
import re
import sys
from collections.abc import Hashable, Iterable
from typing import Any

import yaml

from coherence.domain.errors import InvalidInput, PlanFileError

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 32


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without aliases and without duplicate keys."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.constructor.ConstructorError(
                None, None, "aliases (*name) are not allowed in plan files", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError(
                    None, None, "a list or mapping cannot be a key", key_node.start_mark
                )
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_text(data: bytes | str, *, filename: str, media: str | None = None) -> Any:
    """Parse YAML or JSON (by ``media`` or the file name) into plain data."""
    size = len(data)
    if size > MAX_FILE_BYTES:
        raise PlanFileError(
            filename, "(file)", f"a file of at most {MAX_FILE_BYTES} bytes", f"{size} bytes"
        )
    text = _decode(data, filename) if isinstance(data, bytes) else data
    is_json = media == "json" or (media is None and filename.lower().endswith(".json"))
    try:
        if is_json:
            data = json.loads(text, object_pairs_hook=_no_duplicate_pairs)
        else:
            data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader
        _depth_ok(data)
        _scalars_ok(text, data)
        return data
    except InvalidInput as e:
        raise PlanFileError(filename, e.path, e.expected) from None
    except RecursionError:
        raise PlanFileError(
            filename, "(document)", f"a document nested at most {MAX_DEPTH} deep"
        ) from None
    except json.JSONDecodeError as e:
        raise PlanFileError(
            filename, f"line {e.lineno} column {e.colno}", f"valid JSON ({e.msg})"
        ) from None
    except _DuplicateKey as e:
        raise PlanFileError(filename, "(document)", "each key once in a mapping", str(e)) from None
    except yaml.YAMLError as e:
        raise PlanFileError(filename, _yaml_where(e), f"valid YAML ({_yaml_problem(e)})") from None
    except ValueError:  # Python's limit on the digits of an integer read from text
        digits = sys.get_int_max_str_digits()
        raise PlanFileError(filename, "(document)", f"numbers of at most {digits} digits") from None


MAX_INTEGER = 2**63 - 1
"""The largest integer an event can hold (a number beyond it is not a plan's)."""
_SUSPECT = re.compile(r"\\[uU]0{0,4}[dD][89a-fA-F]|[0-9]{19}")
"""Text that may parse to a lone surrogate (an escape) or an integer beyond 64 bits."""


def _scalars_ok(text: str, data: object) -> None:
    """Refuse text that is not Unicode (a lone surrogate, e.g. from an escape such as
    ``"\\ud800"``) and integers beyond 64 bits: no event can hold them. Only a
    document whose text looks suspect is walked."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InvalidInput(f"character {e.start}", "Unicode text (no lone surrogates)") from None
    if _SUSPECT.search(text) is None:
        return
    stack: list[tuple[str, object]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((f"{path}.{k}" if path else str(k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(value))
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                where = path or "(document)"
                raise InvalidInput(where, "Unicode text (no lone surrogates)") from None
        elif isinstance(value, int) and abs(value) > MAX_INTEGER:
            where = path or "(document)"
            raise InvalidInput(where, f"a number between -{MAX_INTEGER} and {MAX_INTEGER}")


BYTE_ORDER_MARKS = (  # UTF-32 first: its little-endian mark starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
TEXT_EXPECTED = "UTF-8 text (or UTF-16 or UTF-32 with a byte order mark)"


def _decode(data: bytes, filename: str) -> str:
    """The text of a plan file: UTF-8, or UTF-8, UTF-16 or UTF-32 after a byte order
    mark; anything else is refused naming the first byte that is not.

    A NUL byte is refused too: no plan file has one, and UTF-16 or UTF-32 without a
    byte order mark is full of them.

    >>> _decode("Équité".encode("utf-16"), "f")
    'Équité'
    >>> try:
    ...     _decode("plan: café".encode("latin-1"), "f.yaml")
    ... except PlanFileError as e:
    ...     print(e.path, e.got)
    byte 9 byte 0xe9
    """
    encoding = next((e for bom, e in BYTE_ORDER_MARKS if data.startswith(bom)), "utf-8")
    bad = data.find(0) if encoding == "utf-8" else -1
    try:
        text = data.decode(encoding, errors="strict")
    except UnicodeDecodeError as e:
        bad = e.start if bad < 0 else min(bad, e.start)
    if bad < 0:
        return text
    raise PlanFileError(filename, f"byte {bad}", TEXT_EXPECTED, f"byte 0x{data[bad]:02x}")


class _DuplicateKey(ValueError):
    pass


def _no_duplicate_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return out


def _yaml_where(e: yaml.YAMLError) -> str:
    mark = getattr(e, "problem_mark", None)
    return f"line {mark.line + 1} column {mark.column + 1}" if mark else "(document)"


def _yaml_problem(e: yaml.YAMLError) -> str:
    return str(getattr(e, "problem", None) or e).strip()


def _depth_ok(data: object) -> None:
    """Refuse parsed data nested deeper than MAX_DEPTH, naming the first place that is."""
    if _depth(data, 0) > MAX_DEPTH:
        path = _deep_path(data, "", 0) or "(document)"
        raise InvalidInput(path, f"a document nested at most {MAX_DEPTH} deep")


def _depth(value: object, depth: int) -> int:
    """How deep the parser's dicts and lists go under ``value`` (stops past MAX_DEPTH)."""
    if depth > MAX_DEPTH:
        return depth
    children: Iterable[object] = ()
    if isinstance(value, dict):
        children = value.values()
    elif isinstance(value, list):
        children = value
    deepest = depth
    for v in children:
        if type(v) in _CONTAINERS:
            deepest = max(deepest, _depth(v, depth + 1))
            if deepest > MAX_DEPTH:
                break
    return deepest


def _deep_path(value: object, path: str, depth: int) -> str | None:
    """The path of the first place nested deeper than MAX_DEPTH (only for the error)."""
    if depth > MAX_DEPTH:
        return path
    items: Iterable[tuple[str, object]] = ()
    if type(value) is dict:
        items = ((f"{path}.{k}" if path else str(k), v) for k, v in value.items())
    elif type(value) is list:
        items = ((f"{path}[{i}]", v) for i, v in enumerate(value))
    for where, v in items:
        if type(v) in _CONTAINERS and (found := _deep_path(v, where, depth + 1)):
            return found
    return None


_CONTAINERS = (dict, list)
