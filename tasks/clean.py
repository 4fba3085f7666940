"""Clean stage: raw document text -> plain, normalised, simplified-Chinese text.

HTML to visible text (lxml), pinyin annotations out, traditional to
simplified (OpenCC), NFKC (full-width digits and punctuation), boilerplate
lines and repeated paragraphs out; language, script and publication date
detected. Every rule's data lives in tasks/lexicon/.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import lxml.html
import opencc
from lxml import etree

from tasks.rules import any_of, rules

HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_LETTER = re.compile(r"[A-Za-z]")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Elements whose text is never visible.
INVISIBLE_TAGS = ("script", "style", "noscript", "template", "head", "svg", "iframe", "object")
# Elements that start a new line of text.
BLOCK_TAGS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 tr table section article header footer "
    "nav aside blockquote pre dd dt dl figure figcaption hr main form title td th".split()
)


# Columns of a batch's clean.parquet (all strings).
CLEAN_SCHEMA = ("doc_name", "doc_id", "text", "lang", "script", "published")


@dataclass(frozen=True)
class CleanDocument:
    """The clean text of one document and what was detected about it."""

    text: str
    lang: str
    script: str
    published: str | None


@lru_cache(maxsize=None)
def converter() -> opencc.OpenCC:
    """The OpenCC traditional-to-simplified converter (built once per process)."""
    return opencc.OpenCC(rules().script["opencc_config"])


@lru_cache(maxsize=None)
def _patterns() -> dict:
    """Compiled clean-stage patterns."""
    r = rules()
    return {
        "pinyin": re.compile(r.script["pinyin_annotation"]),
        "boilerplate": any_of(r.boilerplate["line_patterns"]),
        "punct": str.maketrans(r.script["punctuation"]),
    }


def html_to_text(html: str) -> str:
    """Visible text of an HTML page, one line per block element."""
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return ""
    etree.strip_elements(root, *INVISIBLE_TAGS, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
            element.text = "\n" + (element.text or "")
    return root.text_content()


def strip_pinyin(text: str) -> str:
    """Remove pinyin annotations glued after Han characters: 產(chǎn) -> 產."""
    return _patterns()["pinyin"].sub("", text)


def detect_script(text: str) -> str:
    """`hant`, `hans` or `latin`: the script of the body as written."""
    han = Counter(HAN.findall(text))
    n_han = sum(han.values())
    n_latin = len(LATIN_LETTER.findall(text))
    if n_han == 0 or n_han < rules().script["zh_min_han_share"] * (n_han + n_latin):
        return "latin"
    cc = converter()
    changed = sum(count for ch, count in han.items() if cc.convert(ch) != ch)
    return "hant" if changed >= rules().script["hant_min_changed_share"] * n_han else "hans"


def normalise(text: str) -> str:
    """NFKC (full-width digits and punctuation), dashes and brackets folded, controls out."""
    text = unicodedata.normalize("NFKC", text).translate(_patterns()["punct"])
    return CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def drop_boilerplate(lines: list[str]) -> list[str]:
    """Lines that match no boilerplate pattern."""
    pattern = _patterns()["boilerplate"]
    return [line for line in lines if not pattern.search(line)]


def drop_repeated(lines: list[str]) -> list[str]:
    """Lines without the second and later copies of a repeated paragraph."""
    min_chars = rules().boilerplate["min_repeat_chars"]
    seen: set[str] = set()
    kept = []
    for line in lines:
        key = " ".join(line.split())
        if len(key) >= min_chars:
            if key in seen:
                continue
            seen.add(key)
        kept.append(line)
    return kept


def tidy_lines(lines: list[str]) -> str:
    """Join lines, trimming white space and dropping empty lines."""
    return "\n".join(s for s in (" ".join(line.split()) for line in lines) if s)


def clean_text(raw_text: str, is_html: bool) -> tuple[str, str]:
    """Return (clean simplified text, script as written)."""
    text = html_to_text(raw_text) if is_html else raw_text
    text = strip_pinyin(normalise(text))
    script = detect_script(text)
    if script != "latin":
        text = converter().convert(text)
    lines = drop_repeated(drop_boilerplate(text.split("\n")))
    return tidy_lines(lines), script


def clean_document(raw_text: str, is_html: bool) -> CleanDocument:
    """Clean one document and detect its language, script and publication date."""
    from tasks.published import detect_published

    text, script = clean_text(raw_text, is_html)
    lang = "en" if script == "latin" else "zh"
    return CleanDocument(text=text, lang=lang, script=script, published=detect_published(text))


def clean_batch(batch_dir: Path, duplicates: dict[str, str]) -> int:
    """Clean the new documents of batch_dir/ingested.parquet into batch_dir/clean.parquet; return their number."""
    import polars as pl

    ingested = pl.read_parquet(batch_dir / "ingested.parquet")
    todo = ingested.filter((pl.col("status") == "ok") & ~pl.col("reused") & ~pl.col("doc_name").is_in(list(duplicates)))
    rows = []
    for row in todo.iter_rows(named=True):
        doc = clean_document(row["raw_text"], row["format"] == "html")
        rows.append({"doc_name": row["doc_name"], "doc_id": row["doc_id"], "text": doc.text,
                     "lang": doc.lang, "script": doc.script, "published": doc.published})
    pl.DataFrame(rows, schema={k: pl.String for k in CLEAN_SCHEMA}).write_parquet(batch_dir / "clean.parquet")
    return len(rows)
