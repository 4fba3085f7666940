"""Worker processes that start warm: imported by the fork server before it forks any (tasks/common/parallel.py).

Importing this module cleans and extracts a few sentences in each script and
format, so the clean and extract modules are imported and their lexicon's
regexes and Hyperscan databases compiled once, in the fork server, and
computes rules_version. Every worker forked from the server starts with all of
it instead of paying for it itself (about 0.6 s of CPU a worker). The fork
server starts before Prefect does (`ipmetrics run`), so this runs while Prefect
starts up.
"""
from __future__ import annotations

from tasks.common.rules import rules_version

# A few sentences in the forms the lexicon reads: English, simplified and traditional Chinese (ROC years), HTML.
SAMPLES = (
    ("text", "In 2023 the office granted 921,000 invention patents, up 15.3% from a year earlier, ranking first."),
    ("text", "截至2024年底，我国国内发明专利有效量达到475.6万件，同比增长13.4%。"),
    ("text", "經濟部智慧財產局統計，114年上半年發明專利申請2萬4,000件，較去年同期增加5%，居次。"),
    ("html", "<html><head><title>2023年知识产权统计</title></head><body><p>商标注册量约为438.3万件。</p>"
             "<table><tr><th>年份</th><th>数量</th></tr><tr><td>2022</td><td>12.5万件</td></tr></table></body></html>"),
)


def warm() -> None:
    """Compile what the clean and extract stages compile on first use, by running them on SAMPLES."""
    from tasks.common.chain import process_record  # noqa: PLC0415 - the heavy imports are what this warms

    rules_version()
    for i, (form, text) in enumerate(SAMPLES):
        process_record({"doc_name": f"warm-up-{i}", "doc_id": f"warm-up-{i}", "raw_text": text, "format": form,
                        "status": "ok", "reason": None})


try:
    warm()
except Exception:  # noqa: BLE001 - an optimisation only: a worker that starts cold reports a real problem itself
    pass
