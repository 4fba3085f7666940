"""A synthetic corpus for benchmarks and crash tests, built from seeds/ and the dev corpus.

Documents vary the way real inputs vary: numbers changed, paragraphs shuffled
and dropped, boilerplate mixed in, some wrapped in HTML, some saved as GBK or
Big5. The same (n, seed) always gives the same bytes.
"""
from __future__ import annotations

import argparse
import html
import random
import re
from pathlib import Path

from tasks.ingest import decode_bytes

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = (ROOT / "seeds", ROOT / "tests" / "corpus" / "docs")
BOILERPLATE = [
    "Copyright © 2008-2024 www.example.cn All rights reserved",
    "责任编辑：王明",
    "扫一扫，关注我们",
    "京ICP备12345678号-1",
    "Scan code for attention",
    "About us | Contact us | Illegal information report hotline: 010-12345678",
]
DIGITS = re.compile(r"\d")


def templates() -> list[str]:
    """Decoded texts of every template document."""
    texts = []
    for folder in TEMPLATE_DIRS:
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() in (".txt", ".html", ".htm", ".md"):
                texts.append(decode_bytes(path.read_bytes())[0])
    return texts


def vary(text: str, rng: random.Random) -> str:
    """A variant of a text: numbers changed, paragraphs shuffled and dropped, boilerplate added."""
    text = DIGITS.sub(lambda m: str(rng.randrange(10)) if rng.random() < 0.3 else m.group(), text)
    paragraphs = [p for p in text.split("\n") if p.strip()]
    kept = [p for p in paragraphs if rng.random() > 0.1] or paragraphs
    if len(kept) > 3:
        i = rng.randrange(1, len(kept) - 1)
        window = kept[i:i + 3]
        rng.shuffle(window)
        kept[i:i + 3] = window
    for _ in range(rng.randrange(3)):
        kept.insert(rng.randrange(len(kept) + 1), rng.choice(BOILERPLATE))
    return "\n".join(kept) + "\n"


def encode(text: str, rng: random.Random) -> tuple[bytes, str]:
    """Bytes and file extension: mostly UTF-8 text, some HTML, GBK or Big5."""
    roll = rng.random()
    if roll < 0.1:
        body = "".join(f"<p>{html.escape(p)}</p>\n" for p in text.split("\n") if p)
        page = (f"<html><head><meta charset='utf-8'><title>news</title><script>var n={rng.randrange(10**6)};</script>"
                f"</head><body><nav>Home | News</nav><div class='article'>{body}</div><footer>footer</footer></body></html>")
        return page.encode("utf-8"), ".html"
    for limit, codec in ((0.2, "gbk"), (0.3, "big5")):
        if roll < limit:
            try:
                return text.encode(codec), ".txt"
            except UnicodeEncodeError:
                break
    return text.encode("utf-8"), ".txt"


def build(out: Path, n: int, seed: int = 20261123) -> int:
    """Write n documents under out/; return the bytes written."""
    out.mkdir(parents=True, exist_ok=True)
    base = templates()
    total = 0
    for i in range(n):
        rng = random.Random(seed * 1_000_003 + i)
        parts = [base[i % len(base)]] + rng.sample(base, rng.randrange(4))
        data, ext = encode("".join(vary(part, rng) for part in parts), rng)
        (out / f"doc{i:06d}{ext}").write_bytes(data)
        total += len(data)
    return total


def main() -> None:
    """Command line: python -m bench.synth OUT [-n N] [--seed S]."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args()
    print(f"{build(args.out, args.n, args.seed) / 1e6:.1f} MB in {args.n} documents -> {args.out}")


if __name__ == "__main__":
    main()
