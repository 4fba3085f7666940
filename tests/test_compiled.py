"""The compiled clean and extract modules (tasks/common/compiled.py): used only while they match their sources."""
from __future__ import annotations

import importlib.machinery
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tasks.common import compiled
from tests.conftest import ROOT, SEEDS

MODULES = {
    "tasks/extract/__init__.py": "", "tasks/extract/numbers.py": "X = 1\n", "tasks/extract/indicators/__init__.py": "",
    "tasks/clean/__init__.py": "", "tasks/clean/text.py": "Y = 2\n",
    "tasks/common/dates.py": "", "tasks/common/prefilter.py": "", "tasks/common/values.py": "",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project tree with a few modules of each kind, and a build stamp that matches them."""
    for name, text in MODULES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    build = tmp_path / ".build" / "mypyc"
    build.mkdir(parents=True)
    (build / compiled.STAMP).write_text(json.dumps(compiled.fingerprint(tmp_path)))
    return tmp_path


def test_sources_are_every_module_of_clean_and_extract_but_their_package_modules():
    sources = compiled.sources()
    assert "tasks/extract/numbers.py" in sources and "tasks/extract/indicators/codes.py" in sources
    assert "tasks/clean/text.py" in sources and "tasks/common/prefilter.py" in sources
    assert "tasks/extract/__init__.py" not in sources and "tasks/clean/__init__.py" not in sources
    assert "tasks/extract/indicators/__init__.py" in sources  # a package with code of its own
    assert "tasks/common/rules.py" not in sources  # finds the lexicon from its own __file__


def test_module_names():
    assert compiled.module_name("tasks/extract/numbers.py") == "tasks.extract.numbers"
    assert compiled.module_name("tasks/extract/indicators/__init__.py") == "tasks.extract.indicators"


def test_a_build_matching_its_sources_is_used(project: Path):
    assert compiled.stale_reason(project / ".build" / "mypyc", project) is None


def test_a_changed_source_makes_the_build_stale(project: Path):
    (project / "tasks/extract/numbers.py").write_text("X = 2\n")
    assert compiled.stale_reason(project / ".build" / "mypyc", project) == \
        "tasks/extract/numbers.py changed since it was compiled"


def test_a_new_module_makes_the_build_stale(project: Path):
    (project / "tasks/clean/html.py").write_text("")
    assert compiled.stale_reason(project / ".build" / "mypyc", project) == "tasks/clean/html.py changed since it was compiled"


def test_no_build_and_another_python(project: Path):
    build = project / ".build" / "mypyc"
    stamp = json.loads((build / compiled.STAMP).read_text())
    (build / compiled.STAMP).write_text(json.dumps(stamp | {"python": "3.11.0 (other)"}))
    assert compiled.stale_reason(build, project) == "built for another Python (3.11.0 (other))"
    (build / compiled.STAMP).unlink()
    assert compiled.stale_reason(build, project) == "not built"


def test_a_stale_build_is_not_used_and_said_once(project: Path, monkeypatch):
    monkeypatch.delenv("IPMETRICS_COMPILED", raising=False)
    monkeypatch.setattr(sys, "meta_path", [f for f in sys.meta_path if not isinstance(f, compiled.CompiledFinder)])
    (project / "tasks/clean/text.py").write_text("Y = 3\n")
    with pytest.warns(UserWarning, match="tasks/clean/text.py changed since it was compiled; `python -m tasks.common.compiled`"):
        assert compiled.use_compiled(project / ".build" / "mypyc", project) is False
    assert not any(isinstance(f, compiled.CompiledFinder) for f in sys.meta_path)


def test_the_finder_maps_modules_to_the_build(project: Path):
    build = project / ".build" / "mypyc"
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    (build / f"abc123__mypyc{suffix}").write_bytes(b"")
    finder = compiled.CompiledFinder(build, project)
    spec = finder.find_spec("tasks.extract.numbers")
    assert spec is not None and spec.origin == str(build / f"tasks/extract/numbers{suffix}")
    package = finder.find_spec("tasks.extract.indicators")
    assert package is not None and package.submodule_search_locations == [str(project / "tasks/extract/indicators")]
    assert finder.find_spec("abc123__mypyc") is not None  # mypyc's shared library of the modules
    assert finder.find_spec("tasks.extract") is None and finder.find_spec("tasks.ingest") is None


def _extract(env: dict, *paths: Path) -> list[dict]:
    """Rows of `ipmetrics extract` in a fresh process, without the run-dependent fields."""
    out = subprocess.run([sys.executable, "-m", "flows.cli", "extract", *map(str, paths)], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout
    return [{k: v for k, v in json.loads(line).items() if k != "rules_version"} for line in out.splitlines()]


@pytest.mark.slow
def test_make_setup_compiled_the_modules_and_they_give_the_same_rows():
    """After `make setup` the extractor runs compiled, with the rows its sources give."""
    env = os.environ | {"IPMETRICS_COMPILED": "1"}
    probe = "import tasks.extract.numbers as m, tasks.clean.text as t; print(m.__file__); print(t.__file__)"
    files = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    log = ROOT / ".build" / "mypyc" / "build.log"
    assert all(f.endswith(importlib.machinery.EXTENSION_SUFFIXES[0]) for f in files.stdout.split()), \
        (files.stdout, files.stderr, log.read_text()[-2000:] if log.exists() else "no build log")
    corpus = ROOT / "tests" / "corpus" / "docs"
    rows = _extract(env, SEEDS, corpus)
    assert len(rows) > 1500
    assert rows == _extract(os.environ | {"IPMETRICS_COMPILED": "0"}, SEEDS, corpus)
