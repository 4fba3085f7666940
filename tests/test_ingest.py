"""Ingest: every file accounted for; encodings detected by a library."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from tasks.ingest import FoundFile, decode_bytes, discover, find_duplicates, ingest_files, read_document

ZH_HANS = "国家知识产权局发布数据：今年前三季度专利质押融资登记金额达到七千亿元，同比增长百分之六十。发明专利授权量稳步增长。"
ZH_HANT = "國家知識產權局發布數據：今年前三季度專利質押融資登記金額達到七千億元，同比增長百分之六十。發明專利授權量穩步增長。"


def write(path: Path, data: bytes) -> Path:
    """Write bytes to a file, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def read(path: Path, root: Path) -> dict:
    """Ingest one file found under root."""
    return read_document(FoundFile(path, path.relative_to(root).as_posix()))


def test_gbk_and_big5_decode_to_the_original_text(tmp_path):
    gbk = read(write(tmp_path / "a.txt", ZH_HANS.encode("gbk")), tmp_path)
    big5 = read(write(tmp_path / "b.txt", ZH_HANT.encode("big5")), tmp_path)
    assert gbk["status"] == "ok" and gbk["raw_text"] == ZH_HANS
    assert big5["status"] == "ok" and big5["raw_text"] == ZH_HANT
    assert "big5" in big5["encoding"].lower()


def test_byte_order_marks_are_honoured():
    assert decode_bytes("\ufeff专利 12件".encode("utf-8")) == ("专利 12件", "utf-8-sig")
    text, encoding = decode_bytes("专利 12件".encode("utf-16"))
    assert (text, encoding) == ("专利 12件", "utf-16")


def test_truncated_utf8_keeps_the_good_text(tmp_path):
    data = ("发明专利授权92.1万件。" * 50).encode("utf-8") + "专".encode("utf-8")[:2]
    row = read(write(tmp_path / "t.txt", data), tmp_path)
    assert row["status"] == "ok"
    assert row["raw_text"].startswith("发明专利授权92.1万件。")
    assert row["encoding"] == "utf-8 (truncated last character dropped)"
    stray = "发明专利".encode("utf-8") + b"\xff" + ("授权92.1万件。" * 200).encode("utf-8")
    text, encoding = decode_bytes(stray)
    assert encoding == "utf-8 (invalid bytes replaced)" and text.count("\ufffd") == 1


def test_unusable_files_are_quarantined_with_a_reason(tmp_path):
    rows = {
        r["doc_name"]: r
        for r in ingest_files([
            FoundFile(write(tmp_path / n, d), n)
            for n, d in [("empty.txt", b""), ("blank.txt", b" \n\t\n"), ("binary.txt", b"\x00\x01\x02PK\x03\x04" * 20)]
        ])
    }
    assert rows["empty.txt"]["status"] == "quarantined" and rows["empty.txt"]["reason"] == "empty file"
    assert rows["blank.txt"]["reason"] == "only white space"
    assert "NUL" in rows["binary.txt"]["reason"]
    assert all(r["raw_text"] is None for r in rows.values())


def test_unsupported_types_are_skipped_and_extensions_are_case_insensitive(tmp_path):
    pdf = read(write(tmp_path / "report.pdf", b"%PDF-1.4"), tmp_path)
    upper = read(write(tmp_path / "NEWS.HTML", b"<p>12 patents</p>"), tmp_path)
    assert pdf["status"] == "skipped" and ".pdf" in pdf["reason"]
    assert upper["status"] == "ok" and upper["format"] == "html"


def test_discover_lists_every_file_recursively_with_relative_names(tmp_path):
    write(tmp_path / "b" / "deep" / "x y 文件.txt", b"1")
    write(tmp_path / "a.txt", b"2")
    os.symlink(tmp_path / "nowhere.txt", tmp_path / "dangling.txt")
    os.symlink(tmp_path, tmp_path / "b" / "loop")
    names = [f.doc_name for f in discover(tmp_path)]
    assert names == ["a.txt", "b/deep/x y 文件.txt", "b/loop", "dangling.txt"]
    rows = {r["doc_name"]: r for r in ingest_files(discover(tmp_path))}
    assert rows["dangling.txt"]["reason"] == "dangling symlink"
    assert rows["b/loop"]["status"] == "skipped"


def test_doc_id_is_the_sha256_of_the_bytes_and_duplicates_are_found(tmp_path):
    rows = ingest_files([FoundFile(write(tmp_path / n, b"same bytes"), n) for n in ("a.txt", "z/b.txt")])
    assert rows[0]["doc_id"] == hashlib.sha256(b"same bytes").hexdigest() == rows[1]["doc_id"]
    assert find_duplicates(rows) == {"z/b.txt": "a.txt"}


def test_a_file_the_last_run_read_is_not_decoded_again_while_its_bytes_are_the_same(tmp_path):
    path = write(tmp_path / "a.txt", ZH_HANS.encode("gbk"))
    found = FoundFile(path, "a.txt")
    first = read_document(found)
    again = read_document(found, known_id=first["doc_id"])
    assert first["encoding"] and first["raw_text"] == ZH_HANS and "reused" not in first
    assert again["reused"] and again["status"] == "ok" and again["raw_text"] is None and again["encoding"] is None
    changed = read_document(found, known_id="0" * 64)
    assert changed["raw_text"] == ZH_HANS and "reused" not in changed
