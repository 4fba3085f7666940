"""Ingest stage: find every file under the source, read and decode the text ones.

Every file found is returned as a row: `status` is `ok` (decoded text
attached), `skipped` (not a supported file type, not a regular file) or
`quarantined` (a file with a document extension that cannot be used, with a
`reason` a person understands). Reading never raises: whatever a file does
(vanish, loop, block, hold binary data) ends up as that file's row.
"""
from __future__ import annotations

import codecs
import errno
import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes
from charset_normalizer.utils import is_multi_byte_encoding

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
# Signatures of binary formats people save under a text name by mistake
# (an export renamed to .txt, an image saved as .html): named in the reason.
MAGIC_NUMBERS = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or a .docx/.xlsx/.pptx document)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document (.doc/.xls/.ppt)"),
    (b"{\\rtf", "an RTF document"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"BZh91AY&SY", "bzip2-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "a program (ELF executable)"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
# UTF-8 with a few invalid bytes (a damaged copy, a stray byte pasted in) is
# still UTF-8 when at most this share of its non-ASCII characters are bad; a
# file in another encoding read as UTF-8 turns almost all of them bad.
MAX_INVALID_UTF8_SHARE = 0.1
# Replacement characters tolerated in a file with a byte-order mark.
MAX_INVALID_BOM_SHARE = 0.001
# Share of control characters (other than tab, newline, carriage return,
# form feed) above which a decoded file is treated as binary. Binary data
# read through a single-byte code page gives about one in eight; text with
# stray controls (terminal colour codes, pasted bells) a few percent at most.
MAX_CONTROL_SHARE = 0.05
# The single-byte code page preferred when charset-normalizer finds several
# that fit equally well (it cannot tell cp1250 from cp1252 or cp775 on a few
# accented letters): English is the only single-byte language expected here.
PREFERRED_SINGLE_BYTE = "cp1252"
# Files larger than this are not read into memory (no document about IP
# statistics is that big; a disk image named .txt is).
MAX_BYTES = 64 * 1024 * 1024

# Control characters that ordinary text does not contain (not tab, newline,
# carriage return or form feed).
CONTROL_CHAR = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# Characters outside ASCII.
NON_ASCII = re.compile(r"[^\x00-\x7f]")

FILE_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class DecodeError(ValueError):
    """The bytes are not text in any encoding we can trust."""


@dataclass(frozen=True)
class FoundFile:
    """A file found under the source folder (path may be a broken symlink).

    `error` is set for a folder that could not be listed: the row then
    reports it instead of its (unknown) files.
    """

    path: Path
    doc_name: str
    error: str | None = None


def display_name(relative: str) -> str:
    """A file name that is valid text: undecodable bytes in it (os.walk keeps
    them as lone surrogates, which Parquet cannot store) written as \\xNN."""
    return relative.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def discover(source: Path) -> list[FoundFile]:
    """Every file under `source`, recursively, sorted by its relative name.

    Symlinked folders are not followed (that also stops symlink loops); they
    are listed so that their row says why. Symlinked files are listed and
    resolved when read. A sub-folder that cannot be listed is listed itself,
    with the error. The source folder itself must be listable.
    """
    source = Path(source)
    found = []
    unreadable: list[OSError] = []
    for folder, dirs, files in os.walk(source, followlinks=False, onerror=unreadable.append):
        dirs.sort()
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            path = Path(folder) / name
            found.append(FoundFile(path, display_name(path.relative_to(source).as_posix())))
    for exc in unreadable:
        path = Path(exc.filename)
        if path == source:
            raise exc
        if isinstance(exc, FileNotFoundError):
            reason = "folder disappeared before it could be listed"
        else:
            reason = f"folder cannot be listed: {exc.strerror or exc}"
        found.append(FoundFile(path, display_name(path.relative_to(source).as_posix()), error=reason))
    return sorted(found, key=lambda f: f.doc_name)


# --- decoding ---------------------------------------------------------------------

def _with_note(encoding: str, note: str) -> str:
    """`utf-8` + `3 NUL bytes removed` -> `utf-8 (3 NUL bytes removed)`, notes joined by `; `."""
    if encoding.endswith(")"):
        return f"{encoding[:-1]}; {note})"
    return f"{encoding} ({note})"


def control_share(text: str) -> float:
    """Share of control characters other than ordinary white space (C0, DEL and C1)."""
    if not text:
        return 0.0
    return len(CONTROL_CHAR.findall(text)) / len(text)


def sniff_binary(data: bytes) -> str | None:
    """The binary format the bytes start with, when it is a well-known one."""
    for magic, kind in MAGIC_NUMBERS:
        if data.startswith(magic):
            return kind
    return None


def _decode_with_bom(data: bytes, encoding: str) -> tuple[str, str]:
    """Decode bytes that start with a byte-order mark, tolerating a cut-off last character."""
    text = data.decode(encoding, errors="replace")
    if encoding == "utf-8-sig":
        text = text.removeprefix("\ufeff")
    bad = text.count("\ufffd")
    if not bad:
        return text, encoding
    if bad == 1 and text.endswith("\ufffd"):
        return text[:-1], _with_note(encoding, "truncated last character dropped")
    if bad <= MAX_INVALID_BOM_SHARE * len(text):
        return text, _with_note(encoding, "invalid bytes replaced")
    raise DecodeError(f"starts with a {encoding} byte-order mark but does not decode as {encoding} "
                      f"({bad} invalid characters)")


def best_guess(data: bytes):
    """charset-normalizer's best match for the bytes (None when nothing fits), with
    PREFERRED_SINGLE_BYTE winning ties among single-byte code pages."""
    results = from_bytes(data)
    best = results.best()
    if best is not None and not is_multi_byte_encoding(best.encoding):
        for match in results:
            if match.encoding == PREFERRED_SINGLE_BYTE and match.percent_chaos <= best.percent_chaos:
                return match
    return best


def _decode_wide(data: bytes) -> tuple[str, str] | None:
    """UTF-16/UTF-32 text without a byte-order mark (its ASCII letters carry NUL bytes)."""
    best = best_guess(data)
    if best is None or not best.encoding.startswith(("utf_16", "utf_32")):
        return None
    text = str(best)
    if control_share(text) > MAX_CONTROL_SHARE:
        return None
    return text, _with_note(best.encoding.replace("_", "-"), "no byte-order mark")


def _decode_plain(data: bytes) -> tuple[str, str]:
    """Decode bytes without NULs or a byte-order mark."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for cut in (1, 2, 3):
        try:
            return data[:-cut].decode("utf-8"), "utf-8 (truncated last character dropped)"
        except UnicodeDecodeError:
            continue
    as_utf8 = data.decode("utf-8", errors="replace")
    bad = as_utf8.count("\ufffd")
    non_ascii = len(NON_ASCII.findall(as_utf8))
    if bad <= MAX_INVALID_UTF8_SHARE * non_ascii:
        return as_utf8, "utf-8 (invalid bytes replaced)"
    best = best_guess(data)
    if best is not None:
        return str(best), best.encoding
    if bad < non_ascii - bad:
        # No other encoding fits and most non-ASCII characters are valid UTF-8.
        return as_utf8, "utf-8 (invalid bytes replaced)"
    raise DecodeError("not text in any known encoding: binary data, or a damaged file")


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode text bytes; return (text, encoding name) or raise DecodeError.

    In order: a byte-order mark; UTF-16/32 without one (its ASCII characters
    carry NUL bytes); stray NUL bytes dropped when what is left is text; UTF-8; UTF-8 cut off in the middle of
    its last character; UTF-8 with a few invalid bytes; charset-normalizer's
    best guess (which honours a <meta charset> declaration); UTF-8 again when
    nothing else fits and most of it is valid. The encoding name carries a
    note of any repair made.
    """
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return _decode_with_bom(data, encoding)
    if b"\x00" not in data:
        return _decode_plain(data)
    wide = _decode_wide(data)
    if wide:
        return wide
    nul = data.count(0)
    if not data.replace(b"\x00", b"").strip():
        raise DecodeError(f"no text: only NUL bytes ({nul}) and white space")
    try:
        text, encoding = _decode_plain(data.replace(b"\x00", b""))
    except DecodeError:
        text = None
    if text is None or control_share(text) > MAX_CONTROL_SHARE:
        raise DecodeError(f"binary data, not text: {nul} NUL bytes among {len(data)}")
    return text, _with_note(encoding, f"{nul} NUL byte{'s' if nul > 1 else ''} removed")


def doc_id_of(data: bytes) -> str:
    """Content hash identifying a document: sha256 of its bytes."""
    return hashlib.sha256(data).hexdigest()


# --- reading ----------------------------------------------------------------------

class Unreadable(Exception):
    """A file that yields no bytes; `status` and `reason` are its row's."""

    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def _open_error(found: FoundFile, exc: OSError) -> Unreadable:
    """The row verdict for a file that cannot be opened."""
    if isinstance(exc, FileNotFoundError):
        if found.path.is_symlink():
            return Unreadable("quarantined", "dangling symlink")
        return Unreadable("quarantined", "file disappeared before it could be read")
    if exc.errno == errno.ELOOP:
        return Unreadable("quarantined", "symlink loop: the link leads back to itself")
    if isinstance(exc, PermissionError):
        return Unreadable("quarantined", "cannot be read: permission denied")
    return Unreadable("quarantined", f"cannot be read: {exc.strerror or exc}")


def read_bytes(found: FoundFile) -> bytes:
    """The bytes of a regular file, or raise Unreadable.

    The file is opened without blocking and checked on the open descriptor,
    so a named pipe, a device or a folder named like a document is never read
    (reading a pipe would wait forever) and a file replaced between the check
    and the read cannot slip through.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(found.path, flags)
    except OSError as exc:
        raise _open_error(found, exc) from exc
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise Unreadable("skipped", "a folder named like a document")
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in FILE_KINDS if test(info.st_mode)), "a special file")
            raise Unreadable("skipped", f"not a regular file ({kind}); only regular files are read")
        if info.st_size > MAX_BYTES:
            raise Unreadable("quarantined", f"too large to be a document: {info.st_size / 2**20:.0f} MiB "
                                            f"(the limit is {MAX_BYTES // 2**20} MiB)")
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BYTES:
                raise Unreadable("quarantined", f"too large to be a document: grew past {MAX_BYTES // 2**20} MiB while read")
        return b"".join(chunks)
    except OSError as exc:
        raise Unreadable("quarantined", f"cannot be read: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)


def _folder_link(path: Path) -> bool:
    """True for a symbolic link to a folder (discover lists those without following them)."""
    return path.is_symlink() and path.is_dir()


def read_document(found: FoundFile, known_id: str | None = None) -> dict:
    """Read one found file into a documents row (with `raw_text` when ok). Never raises.

    known_id: the doc_id of this file when the last run read it fine with the
    current rules; when the bytes still hash to it, the file is not decoded
    again and the row is marked `reused`.
    """
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
    if found.error:
        return row | {"reason": found.error}
    if _folder_link(found.path):
        return row | {"status": "skipped",
                      "reason": "a symbolic link to a folder: not followed (linked folders can loop back to their ancestors)"}
    suffix = found.path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        return row | {"status": "skipped", "reason": f"not a supported document (type {suffix or '(no extension)'}); "
                                                     f"supported: {', '.join(SUPPORTED_SUFFIXES)}"}
    row["format"] = "html" if suffix in HTML_SUFFIXES else "text"
    try:
        data = read_bytes(found)
    except Unreadable as verdict:
        return row | {"status": verdict.status, "reason": verdict.reason}
    row |= {"doc_id": doc_id_of(data), "bytes": len(data)}
    if known_id is not None and row["doc_id"] == known_id:
        return row | {"status": "ok", "reused": True}
    if not data.strip():
        return row | {"reason": "empty file" if not data else "only white space"}
    binary = sniff_binary(data)
    if binary:
        return row | {"reason": f"not a text document: {binary} named {found.path.suffix}"}
    try:
        text, encoding = decode_bytes(data)
    except DecodeError as exc:
        return row | {"reason": str(exc)}
    if not text.strip():
        return row | {"encoding": encoding, "reason": "only white space"}
    if control_share(text) > MAX_CONTROL_SHARE:
        return row | {"encoding": encoding, "reason": "binary data, not text: too many control characters"}
    return row | {"encoding": encoding, "status": "ok", "raw_text": text}


def ingest_files(found: list[FoundFile], unchanged: dict[str, str] | None = None, workers: int | None = None) -> list[dict]:
    """Read a batch of found files into documents rows.

    Files the last run read are checked here (hashing them is fast; the few
    that changed are decoded here too); new files are decoded on `workers`
    processes.
    """
    from tasks.common.parallel import map_ordered

    unchanged = unchanged or {}
    rows: list[dict] = [{} for _ in found]
    new = [i for i, f in enumerate(found) if f.doc_name not in unchanged]
    for i, f in enumerate(found):
        if f.doc_name in unchanged:
            rows[i] = read_document(f, unchanged[f.doc_name])
    for i, row in zip(new, map_ordered(read_document, [found[i] for i in new], workers)):
        rows[i] = row
    return [{"reused": False} | row for row in rows]


def ingest_batch(found: list[FoundFile], unchanged: dict[str, str], out: Path, workers: int | None = None) -> list[dict]:
    """Read a batch of files into out/ingested.parquet (schemas/staging.py); return its small manifest.

    `unchanged` maps doc_name -> doc_id of documents the previous run processed
    with the current rules: when the bytes still hash to that doc_id the
    document is marked `reused`, and is neither decoded nor carried further.
    """
    import polars as pl

    from schemas.staging import INGESTED, INGESTED_SCHEMA

    rows = ingest_files(found, unchanged, workers)
    frame = pl.DataFrame([{k: r[k] for k in INGESTED_SCHEMA} for r in rows], schema=INGESTED_SCHEMA)
    out.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(out / INGESTED)
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
