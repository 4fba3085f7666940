"""Ingest stage: find every file under the source, read and decode the text ones.

Every file found is returned as a row: `status` is `ok` (decoded text
attached), `skipped` (not a supported file type) or `quarantined` (a text
file that cannot be used, with a `reason` a person understands).
"""
from __future__ import annotations

import codecs
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")
# Byte-order marks, longest first (UTF-32 LE starts with the UTF-16 LE mark).
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Share of U+FFFD replacement characters tolerated in almost-UTF-8 input
# (a truncated last character, a stray byte) before another codec is tried.
MAX_REPLACED_SHARE = 0.001
# Share of control characters (other than tab, newline, carriage return,
# form feed) above which a decoded file is treated as binary.
MAX_CONTROL_SHARE = 0.01


class DecodeError(ValueError):
    """The bytes are not text in any encoding we can trust."""


@dataclass(frozen=True)
class FoundFile:
    """A file found under the source folder (path may be a broken symlink)."""

    path: Path
    doc_name: str


def discover(source: Path) -> list[FoundFile]:
    """Every file under `source`, recursively, sorted by its relative name.

    Symlinked folders are not followed (that also stops symlink loops);
    symlinked files are listed and resolved when read.
    """
    found = []
    for folder, dirs, files in os.walk(source, followlinks=False):
        dirs.sort()
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            path = Path(folder) / name
            found.append(FoundFile(path, path.relative_to(source).as_posix()))
    return sorted(found, key=lambda f: f.doc_name)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode text bytes; return (text, encoding name) or raise DecodeError."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise DecodeError(f"starts with a {encoding} byte-order mark but does not decode: {exc.reason}") from exc
    if b"\x00" in data:
        raise DecodeError("contains NUL bytes: binary data, not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for cut in (1, 2, 3):
        try:
            return data[:-cut].decode("utf-8"), "utf-8 (truncated last character dropped)"
        except UnicodeDecodeError:
            continue
    text = data.decode("utf-8", errors="replace")
    if text.count("\ufffd") <= max(1, MAX_REPLACED_SHARE * len(text)):
        return text, "utf-8 (invalid bytes replaced)"
    best = from_bytes(data).best()
    if best is None:
        raise DecodeError("not text in any known encoding")
    return str(best), best.encoding


def control_share(text: str) -> float:
    """Share of control characters other than ordinary white space."""
    if not text:
        return 0.0
    bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    return bad / len(text)


def doc_id_of(data: bytes) -> str:
    """Content hash identifying a document: sha256 of its bytes."""
    return hashlib.sha256(data).hexdigest()


def read_document(found: FoundFile) -> dict:
    """Read one found file into a documents row (with `raw_text` when ok)."""
    row = {
        "doc_id": None,
        "doc_name": found.doc_name,
        "bytes": None,
        "encoding": None,
        "format": None,
        "status": "quarantined",
        "reason": None,
        "raw_text": None,
    }
    suffix = found.path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kind = "a folder" if found.path.is_dir() and not found.path.is_symlink() else f"type {suffix or '(no extension)'}"
        return row | {"status": "skipped", "reason": f"not a supported document ({kind}); supported: {', '.join(SUPPORTED_SUFFIXES)}"}
    row["format"] = "html" if suffix in HTML_SUFFIXES else "text"
    try:
        data = found.path.read_bytes()
    except FileNotFoundError:
        reason = "dangling symlink" if found.path.is_symlink() else "file disappeared before it could be read"
        return row | {"reason": reason}
    except IsADirectoryError:
        return row | {"status": "skipped", "reason": "a folder named like a document"}
    except OSError as exc:
        return row | {"reason": f"cannot be read: {exc.strerror or exc}"}
    row |= {"doc_id": doc_id_of(data), "bytes": len(data)}
    if not data.strip():
        return row | {"reason": "empty file" if not data else "only white space"}
    try:
        text, encoding = decode_bytes(data)
    except DecodeError as exc:
        return row | {"reason": str(exc)}
    if control_share(text) > MAX_CONTROL_SHARE:
        return row | {"encoding": encoding, "reason": "too many control characters: binary data, not text"}
    return row | {"encoding": encoding, "status": "ok", "raw_text": text}


def ingest_files(found: list[FoundFile]) -> list[dict]:
    """Read a batch of found files into documents rows."""
    return [read_document(f) for f in found]


STAGED_COLUMNS = ("doc_name", "doc_id", "bytes", "encoding", "format", "status", "reason", "raw_text", "reused")


def ingest_batch(found: list[FoundFile], unchanged: dict[str, str], out: Path) -> list[dict]:
    """Read a batch of files into out/ingested.parquet; return its small manifest.

    `unchanged` maps doc_name -> doc_id of documents the previous run processed
    with the current rules: when the bytes still hash to that doc_id the
    document is marked `reused` and its text is not carried further.
    """
    import polars as pl

    rows = ingest_files(found)
    for row in rows:
        row["reused"] = row["status"] == "ok" and unchanged.get(row["doc_name"]) == row["doc_id"]
        if row["reused"]:
            row["raw_text"] = None
    frame = pl.DataFrame(
        [{k: r[k] for k in STAGED_COLUMNS} for r in rows],
        schema={"doc_name": pl.String, "doc_id": pl.String, "bytes": pl.Int64, "encoding": pl.String,
                "format": pl.String, "status": pl.String, "reason": pl.String, "raw_text": pl.String,
                "reused": pl.Boolean},
    )
    out.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(out / "ingested.parquet")
    return [{k: r[k] for k in ("doc_name", "doc_id", "status", "reason", "reused")} for r in rows]


def find_duplicates(manifest: list[dict]) -> dict[str, str]:
    """doc_name -> the first doc_name with the same bytes, for every later copy."""
    first: dict[str, str] = {}
    duplicates = {}
    for row in sorted(manifest, key=lambda r: r["doc_name"]):
        if row["status"] != "ok":
            continue
        if row["doc_id"] in first:
            duplicates[row["doc_name"]] = first[row["doc_id"]]
        else:
            first[row["doc_id"]] = row["doc_name"]
    return duplicates
