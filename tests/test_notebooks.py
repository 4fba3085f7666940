"""The analysis notebooks run headless, top to bottom, and show what the warehouse holds.

Three warehouses are built without Prefect (the flow's chain of stages,
tasks/common/chain.py, in one batch): from seeds/, from an edge-case folder (a document whose
only statistic is rejected, an empty file, a PDF, a duplicate: `metrics` is
empty, `rejects` is not) and from an empty folder (every data table empty).
Each notebook runs against each warehouse with nbclient in a `python3` kernel
whose spec is written at test time for this interpreter, so neither a user's
own kernels nor a missing one changes what runs; a copy of one notebook also
runs from a folder outside the project. A failing cell raises nbclient's
CellExecutionError, which fails the test.
"""
from __future__ import annotations

import asyncio
import logging
import os
import shutil
import uuid
from html import unescape
from pathlib import Path

import nbformat
import pytest
from ipykernel.kernelspec import install as install_kernelspec
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

from tasks.common.chain import InProcess, run_pipeline
from tasks.common.warehouse import read_table

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SEEDS = ROOT / "seeds"
NAMES = ("warehouse_overview.ipynb", "quality.ipynb", "facts.ipynb")
WAREHOUSES = ("seeds", "edge", "empty")
# Warehouses without facts (`metrics` empty), on which facts.ipynb says so and draws nothing.
DRAWS_NOTHING = {("facts.ipynb", "edge"), ("facts.ipynb", "empty")}
# A copy of a notebook outside the project, run from its own folder on the seeds warehouse.
COPIED = ("quality.ipynb", "seeds, copied elsewhere")
CELL_TIMEOUT = 180  # seconds per cell; kernels start side by side on small machines
KERNEL_NAME = "python3"


def build_warehouse(source: Path, warehouse: Path) -> dict:
    """The pipeline's chain of stages (tasks/common/chain.py) without Prefect, in one batch."""
    return run_pipeline(str(source), str(warehouse), batch_size=1000, keep_missing=False, workers=1,
                        run_id=uuid.uuid4().hex, runner=InProcess(), log=logging.getLogger("notebooks")).summary


def edge_source(folder: Path) -> Path:
    """Files that leave `metrics` empty but fill `rejects`, with a quarantined and two skipped files."""
    (folder / "copies").mkdir(parents=True)
    # A share above 100 % fails the share_bounded check of schemas/tables.py.
    (folder / "010_reject_only.txt").write_text("2023年，专利质押融资金额占比为150%。\n", encoding="utf-8")
    (folder / "copies" / "010_again.txt").write_bytes((folder / "010_reject_only.txt").read_bytes())
    (folder / "020_empty.txt").write_bytes(b"")
    (folder / "030_report.pdf").write_bytes(b"%PDF-1.4\n")
    return folder


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory) -> dict[str, Path]:
    """name -> a warehouse built by the pipeline's stage functions."""
    base = tmp_path_factory.mktemp("notebook-warehouses")
    empty = base / "src-empty"
    empty.mkdir()
    sources = {"seeds": SEEDS, "edge": edge_source(base / "src-edge"), "empty": empty}
    built = {}
    for name, source in sources.items():
        build_warehouse(source, base / f"wh-{name}")
        built[name] = base / f"wh-{name}"
    return built


@pytest.fixture(scope="module")
def kernel_specs(tmp_path_factory) -> KernelSpecManager:
    """A kernel spec manager that knows one kernel, python3 = this interpreter (sys.executable)."""
    prefix = tmp_path_factory.mktemp("jupyter-prefix")
    kernel_dir = Path(install_kernelspec(kernel_name=KERNEL_NAME, prefix=str(prefix)))
    return KernelSpecManager(kernel_dirs=[str(kernel_dir.parent)])


def kernel_env(warehouse: Path) -> dict[str, str]:
    """The kernel's environment: ours, the warehouse to read, default polars and matplotlib output."""
    env = {k: v for k, v in os.environ.items()
           if k != "MPLBACKEND" and not k.startswith(("POLARS_FMT_", "POLARS_TABLE_"))}
    return env | {"IPMETRICS_WAREHOUSE": str(warehouse), "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


async def _execute_all(jobs: dict, kernel_specs: KernelSpecManager) -> dict:
    """Execute every (notebook, warehouse) job, a few kernels at a time; exceptions are returned, not raised."""
    gate = asyncio.Semaphore(max(2, min(4, os.cpu_count() or 1)))

    async def run(notebook: Path, warehouse: Path):
        nb = nbformat.read(notebook, as_version=4)
        km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=kernel_specs)
        client = NotebookClient(nb, km=km, kernel_name=KERNEL_NAME, timeout=CELL_TIMEOUT,
                                startup_timeout=CELL_TIMEOUT, resources={"metadata": {"path": str(notebook.parent)}})
        async with gate:
            # nbclient leaves a kernel manager it did not create running; cleanup_kc shuts the kernel down.
            await client.async_execute(cleanup_kc=True, env=kernel_env(warehouse))
        return nb

    keys = list(jobs)
    results = await asyncio.gather(*(run(*jobs[k]) for k in keys), return_exceptions=True)
    return dict(zip(keys, results))


@pytest.fixture(scope="module")
def executed(warehouses, kernel_specs, tmp_path_factory) -> dict:
    """(notebook, warehouse name) -> the executed notebook, or the exception its execution raised (COPIED too)."""
    jobs = {(nb, name): (NOTEBOOKS / nb, warehouses[name]) for nb in NAMES for name in WAREHOUSES}
    copy = shutil.copy(NOTEBOOKS / COPIED[0], tmp_path_factory.mktemp("elsewhere"))
    jobs[COPIED] = (Path(copy), warehouses["seeds"])
    return asyncio.run(_execute_all(jobs, kernel_specs))


def notebook_run(executed: dict, notebook: str, warehouse: str) -> nbformat.NotebookNode:
    """The executed notebook; re-raises the CellExecutionError (or other failure) of its run."""
    result = executed[(notebook, warehouse)]
    if isinstance(result, BaseException):
        raise result
    return result


def tagged_output(nb: nbformat.NotebookNode, tag: str, html: bool = True) -> str:
    """Printed text and results (text/plain, and unescaped text/html unless html=False) of the cell tagged `tag`."""
    cells = [c for c in nb.cells if tag in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"expected one cell tagged {tag!r}, found {len(cells)}"
    parts = []
    for out in cells[0].outputs:
        if out.output_type == "stream":
            parts.append(out.text)
        elif "data" in out:
            parts.append(out.data.get("text/plain", ""))
            if html:
                parts.append(unescape(out.data.get("text/html", "")))
    return "\n".join(parts)


def table_rows(nb: nbformat.NotebookNode, tag: str) -> list[list[str]]:
    """The body rows of the polars tables the cell tagged `tag` shows, as lists of cell strings."""
    rows, in_body = [], False
    for line in tagged_output(nb, tag, html=False).splitlines():
        line = line.strip()
        if line.startswith("╞"):
            in_body = True
        elif line.startswith("└"):
            in_body = False
        elif in_body and "┆" in line:
            rows.append([cell.strip() for cell in line.strip("│").split("┆")])
    return rows


def figures(nb: nbformat.NotebookNode) -> int:
    """How many image/png outputs the notebook produced."""
    return sum("image/png" in out.get("data", {}) for cell in nb.cells if cell.cell_type == "code"
               for out in cell.outputs)


def test_notebooks_are_stored_without_outputs():
    for name in NAMES:
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        nbformat.validate(nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), f"{name}: clear the outputs"
        assert not any("execution" in c.metadata for c in code), f"{name}: clear the execution timings"
        params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1 and "IPMETRICS_WAREHOUSE" in params[0].source, name


@pytest.mark.slow
@pytest.mark.parametrize("warehouse", WAREHOUSES)
@pytest.mark.parametrize("notebook", NAMES)
def test_notebook_runs_and_draws(executed, notebook, warehouse):
    nb = notebook_run(executed, notebook, warehouse)
    if (notebook, warehouse) in DRAWS_NOTHING:
        assert figures(nb) == 0, f"{notebook} on the {warehouse} warehouse drew a figure of nothing"
        return
    assert figures(nb) >= 1, f"{notebook} on the {warehouse} warehouse drew no figure"


@pytest.mark.slow
def test_overview_on_seeds(executed, warehouses):
    nb = notebook_run(executed, "warehouse_overview.ipynb", "seeds")
    by_status = table_rows(nb, "documents-by-status")
    assert ["ok", "5"] in [row[:2] for row in by_status]
    assert ["quarantined", "0"] in [row[:2] for row in by_status]
    n_metrics = read_table("metrics", warehouses["seeds"]).height
    sizes = {row[0]: row[1] for row in table_rows(nb, "table-sizes")}
    assert sizes["documents"] == "5" and sizes["metrics"] == str(n_metrics)
    choice = tagged_output(nb, "category-choice")
    assert "category: finance, unit: CNY" in choice or "category: patent, unit: count" in choice, choice
    assert "period_end" in tagged_output(nb, "category-series")


@pytest.mark.slow
def test_quality_on_seeds(executed):
    nb = notebook_run(executed, "quality.ipynb", "seeds")
    per_document = [row[0] for row in table_rows(nb, "metrics-per-document")]
    assert sorted(per_document) == sorted(p.name for p in SEEDS.iterdir())
    assert "disagrees with the metrics table: 0" in tagged_output(nb, "consistency")
    assert "No rejected rows" in tagged_output(nb, "rejects")
    units = [row[0] for row in table_rows(nb, "unit-role-shares")]
    assert "count" in units and "level" in units
    assert "nothing quarantined or skipped" in tagged_output(nb, "not-processed")
    assert figures(nb) >= 2


@pytest.mark.slow
def test_a_notebook_copied_outside_the_project_reads_the_warehouse(executed):
    nb = notebook_run(executed, *COPIED)
    per_document = [row[0] for row in table_rows(nb, "metrics-per-document")]
    assert sorted(per_document) == sorted(p.name for p in SEEDS.iterdir())


@pytest.mark.slow
def test_quality_on_edge_cases(executed, warehouses):
    nb = notebook_run(executed, "quality.ipynb", "edge")
    rejects = read_table("rejects", warehouses["edge"])
    assert rejects.height >= 1 and read_table("metrics", warehouses["edge"]).is_empty(), \
        "edge_source() no longer yields only rejected rows: change its text so the case stays covered"
    shown = tagged_output(nb, "rejects")
    assert "010_reject_only.txt" in shown and rejects["failed_checks"][0] in shown
    assert rejects["failed_checks"][0] in tagged_output(nb, "failed-checks")
    not_processed = tagged_output(nb, "not-processed")
    for expected in ("020_empty.txt", "empty file", "030_report.pdf", "not a supported document",
                     "copies/010_again.txt", "duplicate of 010_reject_only.txt"):
        assert expected in not_processed
    assert "no metrics" in tagged_output(nb, "unit-role-shares")


@pytest.mark.slow
def test_overview_on_an_empty_warehouse(executed):
    nb = notebook_run(executed, "warehouse_overview.ipynb", "empty")
    by_status = table_rows(nb, "documents-by-status")
    assert [row[:2] for row in by_status] == [["ok", "0"], ["quarantined", "0"], ["skipped", "0"]]


@pytest.mark.slow
def test_overview_on_edge_cases(executed):
    nb = notebook_run(executed, "warehouse_overview.ipynb", "edge")
    by_status = table_rows(nb, "documents-by-status")
    assert [row[:2] for row in by_status] == [["ok", "1"], ["quarantined", "1"], ["skipped", "2"]]
    assert "no levels in CNY or count with a known period" in tagged_output(nb, "category-choice")


@pytest.mark.slow
def test_facts_on_seeds(executed, warehouses):
    import polars as pl

    nb = notebook_run(executed, "facts.ipynb", "seeds")
    facts = read_table("facts", warehouses["seeds"])
    assert facts.height, "seeds/ no longer yields facts: the facts notebook's seeds run shows nothing"
    assert f"{facts.height} facts" in tagged_output(nb, "facts-summary")
    series = tagged_output(nb, "series")
    for code in ("patent.invention.grants", "finance.pledge.amount"):
        levels = facts.filter((pl.col("indicator") == code) & (pl.col("role") == "level")
                              & pl.col("origin").is_null() & pl.col("area").is_null())
        assert f"{code}: {levels.height} periods" in series or f"{code}: no level" in series, series
    shown = [row[0] for row in table_rows(nb, "series")]
    assert "2023" in shown  # patent.invention.grants 2023 and finance.pledge.amount 2023 are in seeds
    assert figures(nb) == 1
    conflicts = facts.filter(pl.col("status") == "conflict")
    listed = tagged_output(nb, "conflicts")
    if conflicts.is_empty():
        assert "No conflicts" in listed
    else:
        assert all(code in listed for code in conflicts["indicator"])
        stated = table_rows(nb, "conflict-statements")
        assert len(stated) == sum(len(ids) for ids in conflicts["metric_ids"])


@pytest.mark.slow
@pytest.mark.parametrize("warehouse", ["edge", "empty"])
def test_facts_on_a_warehouse_without_facts(executed, warehouses, warehouse):
    nb = notebook_run(executed, "facts.ipynb", warehouse)
    assert read_table("facts", warehouses[warehouse]).is_empty()
    assert "No facts in this warehouse" in tagged_output(nb, "facts-summary")
    assert "nothing to plot" in tagged_output(nb, "series-plot")
    assert "No facts, so no conflicts" in tagged_output(nb, "conflicts")
    assert figures(nb) == 0
