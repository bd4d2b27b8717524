"""Evidence of progress: files attached to benchmark status and outcome result reports.

Files are stored content-addressed: a file's bytes are kept once, under their SHA-256,
and an event refers to a file by that digest with its name, media type and size (see
``DistrictPlan.BenchmarkStatusReported``). A file is uploaded *to a plan* first; only
files uploaded to a plan can be referenced by its reports, and downloaded through it
(so only by people who may read that plan).

:class:`EvidenceStore` keeps them in a local directory (:func:`evidence_directory`):

    DIR/blobs/ab/abcdef…            the bytes, named by their SHA-256
    DIR/plans/PLAN/abcdef….json     a file uploaded to PLAN: name, media type, size

Each is written to a temporary file and renamed into place, so a reader never sees a
half-written file and a crash leaves at most an unreferenced temporary file. A file
uploaded but never referenced by a report stays (it costs its bytes, nothing else).

Every upload is checked: at most :data:`MAX_FILE` bytes, not empty, and of one of the
:data:`MEDIA_TYPES`, whose content must be what the type says (its magic bytes: a file
sent as ``image/png`` that is not a PNG is refused).

>>> sniff(b"%PDF-1.7 ...")
'application/pdf'
>>> try:
...     check_content("image/png", b"GIF89a...", "file")
... except InvalidValue as e:
...     print(e.path, "-", e.expected, "-", e.got)
file - a PNG image (image/png) - content that is not one (a GIF image)
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import unicodedata
import uuid
import weakref
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from coherence.application.settings import Settings
from coherence.domain.errors import EvidenceNotFound, FileTooLarge, InvalidValue
from coherence.domain.values import check_plan_ref, check_sha256, check_url

MAX_FILE = 10 * 1024 * 1024
"""The largest evidence file (10 MiB)."""

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES: dict[str, str] = {
    "application/pdf": "a PDF document",
    "image/png": "a PNG image",
    "image/jpeg": "a JPEG image",
    "image/gif": "a GIF image",
    "image/webp": "a WebP image",
    XLSX: "an Excel workbook (XLSX)",
    "text/csv": "a CSV file (text)",
    "text/plain": "a text file",
}
"""The media types accepted as evidence, and what each is."""
ALIASES = {"image/jpg": "image/jpeg", "application/vnd.ms-excel": "text/csv"}
"""Types browsers send for the same thing (Windows sends CSV as ``vnd.ms-excel``)."""
EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    XLSX: ".xlsx",
    "text/csv": ".csv",
    "text/plain": ".txt",
}


@dataclass(frozen=True)
class EvidenceFile:
    """A file as a report refers to it."""

    sha256: str
    name: str
    media_type: str
    size: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- what a file is --------------------------------------------------------------------


def _is_text(data: bytes) -> bool:
    head = data[:65536]
    if b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            continue
        return not any(
            unicodedata.category(c) == "Cc" and c not in "\t\n\r\f" for c in text[:65000]
        )
    return False


def _is_xlsx(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return False


def sniff(data: bytes) -> str | None:
    """The media type that ``data``'s content is (by its magic bytes), if one accepted."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if _is_xlsx(data):
        return XLSX
    if _is_text(data):
        return "text/plain"
    return None


def media_type_of(declared: str | None) -> str | None:
    """A Content-Type header's media type, lower case, without parameters (None if none)."""
    if not declared:
        return None
    kind = declared.split(";", 1)[0].strip().lower()
    return ALIASES.get(kind, kind) or None


def check_content(declared: str | None, data: bytes, path: str = "file") -> str:
    """The media type of an upload: the declared one, when the content is what it says
    (``application/octet-stream`` or none: what the content is); else
    :class:`InvalidValue` naming ``path``."""
    kind = media_type_of(declared)
    found = sniff(data)
    if kind in (None, "application/octet-stream"):
        if found is None:
            raise InvalidValue(path, "one of " + ", ".join(MEDIA_TYPES.values()), "other content")
        return found
    if kind not in MEDIA_TYPES:
        raise InvalidValue(f"{path}.content_type", "one of " + ", ".join(MEDIA_TYPES), declared)
    matches = found == kind or (kind in ("text/csv", "text/plain") and found == "text/plain")
    if not matches:
        what = f" ({MEDIA_TYPES[found]})" if found and found != "text/plain" else ""
        raise InvalidValue(path, f"{MEDIA_TYPES[kind]} ({kind})", f"content that is not one{what}")
    return kind


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def clean_name(name: str | None, media_type: str) -> str:
    """A file name safe to show and to offer for download (no path, no control
    characters, at most 200 characters), with a default when none was given."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", unicodedata.normalize("NFC", base)).strip(" ._")
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else base[:200]
    return base or "evidence" + EXTENSIONS.get(media_type, "")


# -- where files are kept ----------------------------------------------------------------


def evidence_directory(settings: Settings) -> Path:
    """Where evidence files are kept: ``settings.evidence_dir`` when given
    (``$COHERENCE_EVIDENCE_DIR``); else beside a SQLite store's file (``plans.db`` keeps
    them in ``plans.evidence/``); for a memory store a new temporary directory; for a
    PostgreSQL store ``coherence-evidence`` in the working directory, which suits one
    server only: several servers of one PostgreSQL store must share one directory
    (a volume they all mount), given as ``COHERENCE_EVIDENCE_DIR``."""
    if settings.evidence_dir:
        return Path(settings.evidence_dir)
    parts = urlsplit(settings.store)
    if parts.scheme == "sqlite":
        path = parts.path[1:] if parts.path.startswith("/") else parts.path
        if path and not path.startswith("file:") and path != ":memory:":
            db = Path(path)
            return db.with_name(db.stem + ".evidence")
    if parts.scheme in ("memory", "sqlite"):
        return Path(tempfile.gettempdir()) / f"coherence-evidence-{uuid.uuid4().hex}"
    return Path("coherence-evidence")


class EvidenceStore:
    """Evidence files in a local directory, content-addressed by SHA-256 (see the module)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    @classmethod
    def of(cls, settings: Settings) -> EvidenceStore:
        """The store of :func:`evidence_directory`; a memory store's temporary directory is
        removed with it (at the latest when the process exits), as the plans are."""
        store = cls(evidence_directory(settings))
        if urlsplit(settings.store).scheme == "memory" and not settings.evidence_dir:
            weakref.finalize(store, shutil.rmtree, store.root, ignore_errors=True)
        return store

    def _blob(self, sha256: str) -> Path:
        return self.root / "blobs" / sha256[:2] / sha256

    def _entry(self, plan_id: str, sha256: str) -> Path:
        return self.root / "plans" / check_plan_ref(plan_id, "plan") / f"{sha256}.json"

    def put(
        self, plan_id: str, name: str | None, declared_type: str | None, data: bytes
    ) -> EvidenceFile:
        """Keep a file uploaded to a plan, once checked (size, emptiness, type)."""
        if len(data) > MAX_FILE:
            raise FileTooLarge("file", f"a file of at most {MAX_FILE // (1024 * 1024)} MB")
        if not data:
            raise InvalidValue("file", "a file that is not empty")
        media_type = check_content(declared_type, data)
        sha256 = hashlib.sha256(data).hexdigest()
        found = EvidenceFile(sha256, clean_name(name, media_type), media_type, len(data))
        blob = self._blob(sha256)
        if not blob.is_file():
            _write_atomically(blob, data)
        _write_atomically(self._entry(plan_id, sha256), json.dumps(found.to_dict()).encode())
        return found

    def find(self, plan_id: str, sha256: str) -> EvidenceFile | None:
        """The file of that digest uploaded to the plan, if any."""
        try:
            check_sha256(sha256, "sha256")
            entry = json.loads(self._entry(plan_id, sha256).read_bytes())
        except (InvalidValue, FileNotFoundError):
            return None
        return EvidenceFile(**entry)

    def read(self, plan_id: str, sha256: str) -> tuple[EvidenceFile, bytes]:
        """A file uploaded to the plan and its bytes, or :class:`EvidenceNotFound`."""
        found = self.find(plan_id, sha256)
        if found is None:
            raise EvidenceNotFound(f"Plan {plan_id} has no evidence file {sha256[:64]}")
        try:
            return found, self._blob(found.sha256).read_bytes()
        except FileNotFoundError:
            raise EvidenceNotFound(
                f"The evidence file {sha256} of plan {plan_id} is missing from the store"
            ) from None

    def resolve(
        self, plan_id: str, references: Iterable[Mapping[str, object]]
    ) -> list[dict[str, Any]]:
        """The evidence of a report as its event records it: links ``{"url"}`` as they
        are, files ``{"sha256"}`` with the name, media type and size they were uploaded
        with; a digest of no file uploaded to the plan is refused by its path."""
        out: list[dict[str, Any]] = []
        for i, ref in enumerate(references):
            path = f"evidence[{i}]"
            if "sha256" in ref and len(ref) == 1:
                sha256 = check_sha256(ref["sha256"], f"{path}.sha256")
                found = self.find(plan_id, sha256)
                if found is None:
                    raise InvalidValue(
                        f"{path}.sha256",
                        f"the SHA-256 of a file uploaded to plan {plan_id} "
                        f"(POST /api/v1/plans/{plan_id}/evidence)",
                        sha256,
                    )
                out.append(found.to_dict())
            elif "url" in ref and len(ref) == 1:
                out.append({"url": check_url(ref["url"], f"{path}.url")})
            else:
                raise InvalidValue(path, "a link {url} or a file {sha256}", dict(ref))
        return out


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
