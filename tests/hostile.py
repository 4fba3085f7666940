"""A corpus of hostile inputs for the ingest and clean stages.

`build_hostile_corpus(root)` writes one file (or link, pipe, folder) per kind
of trouble under `root` and returns what the documents table must say about
each: doc_name -> (expected status, words the reason must contain, or None
for an `ok` row, which has no reason). The decisions behind the expected
statuses are documented in tests/test_hostile_inputs.py.

Everything is deterministic (fixed seeds); kinds the platform cannot create
(a FIFO on Windows, a file name that is not UTF-8 on a file system that
insists on UTF-8, permissions when running as root) are left out of the
returned dict, so the tests only check what was made.
"""
from __future__ import annotations

import gzip
import io
import os
import random
import zipfile
from pathlib import Path

# The statistic hidden in every file whose odd encoding must still be read:
# 921,000 invention patents granted, up 15.3 %.
STAT_HANS = "2023年,发明专利授权92.1万件,同比增长15.3%。"
STAT_HANT = "2023年,發明專利授權92.1萬件,同比增長15.3%。"
STAT_EN = "In 2023, 921,000 invention patents were granted, up 15.3% year on year."
STATISTIC = {"value": 921000.0, "unit": "count", "change_pct": 15.3}
INTRO_HANS = "国家知识产权局今天发布了年度统计数据。"
INTRO_HANT = "國家知識產權局今天發布了年度統計數據。"
INTRO_EN = "The China National Intellectual Property Administration released its annual figures today."

# Files (doc_name) that carry the statistic and must yield it after clean + extract.
STATISTIC_DOCS: set[str] = set()
# The two big files whose processing time is measured.
BIG_LINE = "big/single_line_3mb.txt"
BIG_NUMBERS = "big/random_numbers_20000.txt"

PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
MIB = 1024 * 1024


def _write(root: Path, name: str, data: bytes | str) -> Path:
    """Write a file (str as UTF-8) under root, creating folders."""
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _docx_bytes() -> bytes:
    """A minimal ZIP container shaped like a .docx."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", f"<w:document><w:t>{STAT_EN}</w:t></w:document>")
    return buf.getvalue()


def single_line_text(target_bytes: int, seed: int = 3) -> str:
    """About `target_bytes` of varied English and Chinese statistic sentences with no line break
    (a scraped article whose paragraphs were glued together)."""
    rng = random.Random(seed)
    templates = [
        "In {y}, {n:,} invention patents were granted, up {p}% year on year. ",
        "The office received {n:,} trademark applications in {y}. ",
        "Patent pledge financing reached {m} billion yuan, an increase of {p}%. ",
        "{y}年,商标注册{w}万件,同比增长{p}%。",
        "全年共审结知识产权案件{n}件。",
        "Officials said the trend would continue and thanked the press for attending. ",
        "截至{y}年底,有效发明专利{w}万件。",
    ]
    parts, size = [], 0
    while size < target_bytes:
        sentence = rng.choice(templates).format(
            y=rng.randint(2010, 2024), n=rng.randint(1_000, 9_999_999), p=round(rng.uniform(0.1, 40), 1),
            m=round(rng.uniform(1, 999), 2), w=round(rng.uniform(1, 999), 1))
        parts.append(sentence)
        size += len(sentence.encode("utf-8"))
    return "".join(parts)


def random_numbers_text(count: int = 20_000, seed: int = 20_000) -> str:
    """`count` random numbers (integers, decimals, negatives, thousands separators), ten a line."""
    rng = random.Random(seed)
    numbers = []
    for _ in range(count):
        kind = rng.random()
        if kind < 0.4:
            numbers.append(str(rng.randint(0, 10**9)))
        elif kind < 0.7:
            numbers.append(f"{rng.uniform(-1e6, 1e6):.2f}")
        else:
            numbers.append(f"{rng.randint(1000, 10**8):,}")
    return "\n".join(" ".join(numbers[i:i + 10]) for i in range(0, count, 10)) + "\n"


def build_hostile_corpus(root: Path) -> dict[str, tuple[str, str | None]]:
    """Write the hostile corpus under root; return doc_name -> (status, reason words or None)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    expected: dict[str, tuple[str, str | None]] = {}
    STATISTIC_DOCS.clear()

    def add(name: str, data: bytes | str, status: str = "ok", reason: str | None = None, stat: bool = False) -> None:
        _write(root, name, data)
        expected[name] = (status, reason)
        if stat:
            STATISTIC_DOCS.add(name)

    # --- empty and blank ---------------------------------------------------------
    add("blank/empty.txt", b"", "quarantined", "empty file")
    add("blank/whitespace_only.txt", b" \n\t  \r\n\n   \n", "quarantined", "only white space")
    add("blank/nul_only.txt", b"\x00" * 4096, "quarantined", "only NUL bytes")
    add("blank/utf16_whitespace_only.txt", "   \n\t\n".encode("utf-16"), "quarantined", "only white space")

    # --- binary data and other file types ----------------------------------------
    add("binary/png_named.txt", PNG_1X1, "quarantined", "PNG image")
    add("binary/gzip_named.html", gzip.compress(STAT_EN.encode(), mtime=0), "quarantined", "gzip")
    add("binary/random_bytes.txt", random.Random(7).randbytes(4096), "quarantined", "binary data")
    add("binary/nul_riddled.md", b"\x00\x01\x02PK\x03\x04" * 50, "quarantined", "NUL bytes")
    add("types/report.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n", "skipped", "type .pdf")
    add("types/report.docx", _docx_bytes(), "skipped", "type .docx")
    add("types/table.csv", "year,grants\n2023,921000\n", "skipped", "type .csv")
    add("types/README", STAT_EN, "skipped", "no extension")
    add("types/.DS_Store", b"\x00\x00\x00\x01Bud1", "skipped", "no extension")

    # --- damaged text that still holds good text ---------------------------------
    nul = (INTRO_EN + "\n").encode() + b"In 2023,\x00 921,000 invention\x00 patents were granted,\x00 up 15.3% year on year." \
        + b"\x00" * 64 + b"\n"
    add("damaged/nul_bytes_inside.txt", nul, stat=True)
    body = (INTRO_HANS + STAT_HANS).encode()
    add("damaged/invalid_utf8_middle.txt", body[:30] + b"\xff\xfe\xc3(" + body[30:] + "\n第二段。".encode(), stat=True)
    add("damaged/truncated_utf8.txt", (INTRO_HANS + "\n" + STAT_HANS + "\n专利").encode()[:-2], stat=True)
    add("damaged/control_chars.txt",
        f"\x1b[1m{INTRO_EN}\x1b[0m\x07\n\x0bIn 2023,\u200b 921,000 invention patents\x08 were granted, "
        f"up 15.3%\x7f year on year.\x0c\nEnd of\x1f report.\n", stat=True)
    add("damaged/invisible_chars_in_numbers.txt",
        f"{INTRO_HANS}\n2023年,发明专利授权9\u200b2.1万件,同比增长1\u20605.3%。\u202c\n", stat=True)

    # --- encodings -----------------------------------------------------------------
    add("encodings/gbk.txt", (INTRO_HANS + "\n" + STAT_HANS + "\n").encode("gbk"), stat=True)
    add("encodings/gbk_short.txt", STAT_HANS.encode("gbk"), stat=True)
    add("encodings/big5.txt", (INTRO_HANT + "\n" + STAT_HANT + "\n").encode("big5"), stat=True)
    add("encodings/utf16_bom.txt", (INTRO_HANS + "\n" + STAT_HANS + "\n").encode("utf-16"), stat=True)
    add("encodings/utf16be_bom.txt", "\ufeff".encode("utf-16-be") + (INTRO_EN + "\n" + STAT_EN).encode("utf-16-be"), stat=True)
    add("encodings/utf16le_no_bom.txt", (INTRO_EN + "\n" + STAT_EN + "\n").encode("utf-16-le"), stat=True)
    add("encodings/utf8_bom.txt", ("\ufeff" + INTRO_HANS + "\n" + STAT_HANS + "\n").encode(), stat=True)
    add("encodings/crlf.txt", (INTRO_EN + "\r\n\r\n" + STAT_EN + "\r\nEnd.\r\n").encode(), stat=True)
    add("encodings/cr_only.txt", (INTRO_HANT + "\r" + STAT_HANT + "\r").encode(), stat=True)
    add("encodings/cp1252.txt", ("Caf\u00e9 r\u00e9sum\u00e9 na\u00efve. " + STAT_EN + "\n").encode("cp1252"), stat=True)

    # --- big files -------------------------------------------------------------------
    add(BIG_LINE, single_line_text(3 * 1000 * 1000))
    add(BIG_NUMBERS, random_numbers_text())
    huge = root / "big/sparse_100mib.txt"
    huge.parent.mkdir(parents=True, exist_ok=True)
    with open(huge, "wb") as fh:
        fh.truncate(100 * MIB)  # sparse: no disk space, never read
    expected["big/sparse_100mib.txt"] = ("quarantined", "too large")

    # --- HTML ------------------------------------------------------------------------
    add("html/scripts_only.html",
        "<html><head><title>统计</title><style>p{color:red}</style></head><body>"
        "<script>var total = 921000; document.write(total);</script><noscript></noscript>"
        "<!-- 2023年发明专利授权92.1万件 --></body></html>",
        "quarantined", "no text after cleaning")
    add("html/markup_only.html", "<html><body><div><p></p><br/><hr></div></body></html>",
        "quarantined", "no text after cleaning")
    add("html/broken_unclosed.html",
        f"<html><body><div class='a><p>{INTRO_EN}<p>{STAT_EN}<table><tr><td>x<b><i>unclosed",
        stat=True)
    add("html/xhtml_declaration.html",
        f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml">'
        f"<body><p>{INTRO_HANS}</p><p>{STAT_HANS}</p></body></html>", stat=True)
    add("html/control_chars.html", f"<html><body><p>{INTRO_EN}\x00\x07\x0c</p><p>{STAT_EN}\x1b</p></body></html>", stat=True)
    depth = 5000
    add("html/deep_nesting.html", f"<html><body>{'<div>' * depth}<p>{STAT_EN}</p>{'</div>' * depth}</body></html>", stat=True)
    add("html/gbk_meta_charset.html",
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>'
        f"<body><p>{INTRO_HANS}</p><p>{STAT_HANS}</p></body></html>".encode("gbk"), stat=True)

    # --- text with nothing to keep ----------------------------------------------------
    add("blank/invisible_only.txt", "\u200b\u200b\u200d\n\u2060\ufeff\u200b\n", "quarantined", "no text after cleaning")
    add("blank/boilerplate_only.txt", "Copyright © 2024 CNIPA. All rights reserved.\n扫一扫，关注我们\n",
        "quarantined", "no text after cleaning")

    # --- names and duplicates ----------------------------------------------------------
    add("names/报告 2023 年.txt", f"报告。\n{STAT_HANS}", stat=True)
    add("names/NEWS.TXT", f"News.\n{STAT_EN}", stat=True)
    add("names/PAGE.HTML", f"<p>頁面。</p><p>{STAT_HANT}</p>", stat=True)
    add("names/line\nbreak in name.txt", f"A name with a line break.\n{STAT_EN}", stat=True)
    # Three copies of the same bytes: the first name in sort order is processed.
    add("dup/a_original.txt", f"{INTRO_EN}\n{STAT_EN}\n", stat=True)
    add("dup/copies/a_original.txt", f"{INTRO_EN}\n{STAT_EN}\n", "skipped", "duplicate of dup/a_original.txt")
    add("dup/z_copy.txt", f"{INTRO_EN}\n{STAT_EN}\n", "skipped", "duplicate of dup/a_original.txt")
    try:
        bad = os.path.join(os.fsencode(root), b"names", b"latin1 \xe9t\xe9.txt")
        with open(bad, "wb") as fh:
            fh.write(f"A name that is not UTF-8.\n{STAT_EN}".encode())
        expected["names/latin1 \\xe9t\\xe9.txt"] = ("ok", None)
        STATISTIC_DOCS.add("names/latin1 \\xe9t\\xe9.txt")
    except (OSError, UnicodeError):
        pass  # a file system that only takes UTF-8 names

    # --- links, pipes, permissions ---------------------------------------------------------
    (root / "links").mkdir(exist_ok=True)
    os.symlink("..", root / "links" / "loop_to_root")  # a folder link to an ancestor
    expected["links/loop_to_root"] = ("skipped", "symbolic link to a folder")
    os.symlink("../dup", root / "links" / "to_folder.txt")  # a folder link named like a document
    expected["links/to_folder.txt"] = ("skipped", "symbolic link to a folder")
    os.symlink("nowhere.txt", root / "links" / "dangling.txt")
    expected["links/dangling.txt"] = ("quarantined", "dangling symlink")
    os.symlink("self_loop.txt", root / "links" / "self_loop.txt")
    expected["links/self_loop.txt"] = ("quarantined", "symlink loop")
    os.symlink("../dup/a_original.txt", root / "links" / "to_file.txt")  # a file link: same bytes, a duplicate
    expected["links/to_file.txt"] = ("skipped", "duplicate of dup/a_original.txt")
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "links" / "pipe.txt")  # reading it would block forever
        expected["links/pipe.txt"] = ("skipped", "named pipe")
    if hasattr(os, "geteuid") and os.geteuid() != 0:  # root reads everything
        locked = _write(root, "perms/locked.txt", STAT_EN)
        locked.chmod(0)
        expected["perms/locked.txt"] = ("quarantined", "permission denied")
        closed = root / "perms" / "closed_folder"
        _write(root, "perms/closed_folder/inside.txt", STAT_EN)
        closed.chmod(0)
        expected["perms/closed_folder"] = ("quarantined", "folder cannot be listed")
    return expected


def restore_permissions(root: Path) -> None:
    """Make everything under root removable again (undoes the permission kinds)."""
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            if not path.is_symlink():
                path.chmod(0o755)
