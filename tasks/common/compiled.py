"""The clean and extract modules compiled with mypyc, used only while they match their sources.

`make setup` compiles them (`python -m tasks.common.compiled`) into .build/mypyc/,
with a stamp of their sources' hashes: extraction takes about a quarter less CPU
(bench/RESULTS.md). tasks/__init__.py calls `use_compiled()` before any of them is
imported. When the stamp matches every source, an import finder loads the modules
from the build; when a source changed since, there is no build, or
IPMETRICS_COMPILED=0, every one loads from its source. It is all or none: compiled
modules call one another directly, not through their source. The rows are the
same either way (tests/test_compiled.py).

Hand-written where a library could serve: setuptools' `build_ext --inplace` would
put the compiled modules beside their sources, and Python prefers them there even
after a source changes.
"""
from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = ROOT / ".build" / "mypyc"
STAMP = "stamp.json"
# Every module of these packages is compiled, but their package modules, which run batches in a process pool.
PACKAGES = ("tasks/extract", "tasks/clean")
NOT_COMPILED = ("tasks/extract/__init__.py", "tasks/clean/__init__.py")
HELPERS = ("tasks/common/dates.py", "tasks/common/prefilter.py", "tasks/common/values.py")


def sources(root: Path = ROOT) -> list[str]:
    """The compiled modules' source files, relative to the project root, sorted."""
    found = {str(p.relative_to(root)) for package in PACKAGES for p in (root / package).rglob("*.py")}
    return sorted((found - set(NOT_COMPILED)) | set(HELPERS))


def module_name(source: str) -> str:
    """The module a source file defines ("tasks/extract/indicators/__init__.py" -> "tasks.extract.indicators")."""
    return source.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def fingerprint(root: Path = ROOT) -> dict:
    """What a build is valid for: the interpreter and each source's hash."""
    return {"python": sys.version, "sources": {s: hashlib.sha256((root / s).read_bytes()).hexdigest() for s in sources(root)}}


def stale_reason(build_dir: Path = BUILD_DIR, root: Path = ROOT) -> str | None:
    """Why the build cannot be used ("not built", the first source changed since), None when it can."""
    try:
        stamp = json.loads((build_dir / STAMP).read_text())
    except (OSError, ValueError):
        return "not built"
    now = fingerprint(root)
    if stamp.get("python") != now["python"]:
        return f"built for another Python ({stamp.get('python')})"
    built = stamp.get("sources", {})
    changed = sorted(s for s in set(built) | set(now["sources"]) if built.get(s) != now["sources"].get(s))
    return f"{changed[0]} changed since it was compiled" if changed else None


class CompiledFinder(importlib.abc.MetaPathFinder):
    """Finds the compiled modules (and mypyc's shared library of them) in the build folder."""

    def __init__(self, build_dir: Path, root: Path) -> None:
        suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
        self.files: dict[str, tuple[Path, list[str] | None]] = {}
        for source in sources(root):
            package = source.endswith("__init__.py")
            path = build_dir / (source.removesuffix(".py") + suffix)
            self.files[module_name(source)] = (path, [str((root / source).parent)] if package else None)
        for library in build_dir.glob(f"*__mypyc{suffix}"):
            self.files[library.name.removesuffix(suffix)] = (library, None)

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> importlib.machinery.ModuleSpec | None:
        """The spec of a compiled module (a package's submodules are searched in its source folder), else None."""
        if fullname not in self.files:
            return None
        file, search = self.files[fullname]
        loader = importlib.machinery.ExtensionFileLoader(fullname, str(file))
        return importlib.util.spec_from_file_location(fullname, file, loader=loader, submodule_search_locations=search)


def use_compiled(build_dir: Path = BUILD_DIR, root: Path = ROOT) -> bool:
    """Load the compiled modules from now on when the build matches the sources; True when it does.

    A build that no longer matches is said once (a warning): the modules run from their sources, slower.
    """
    if os.environ.get("IPMETRICS_COMPILED", "1") == "0" or any(isinstance(f, CompiledFinder) for f in sys.meta_path):
        return False
    reason = stale_reason(build_dir, root)
    if reason is not None:
        if reason != "not built":
            warnings.warn(f"compiled modules not used: {reason}; `python -m tasks.common.compiled` (or `make setup` after "
                          "a change of source) compiles them again", stacklevel=2)
        return False
    sys.meta_path.insert(0, CompiledFinder(build_dir, root))
    return True


def build(build_dir: Path = BUILD_DIR) -> None:
    """Compile the modules with mypyc into build_dir and write the stamp (the stamp last: a failed build has none)."""
    from mypyc.build import mypycify  # noqa: PLC0415 - a build tool: the pipeline runs without it
    from setuptools import setup  # noqa: PLC0415

    (build_dir / STAMP).unlink(missing_ok=True)
    built = fingerprint()  # of the sources as they are when compiled
    os.chdir(ROOT)  # mypycify names each module by its path
    options = ["--ignore-missing-imports", "--follow-imports=skip", "--cache-dir", str(build_dir / "mypy-cache")]
    extensions = mypycify([*options, *sources()], opt_level="3", target_dir=str(build_dir / "c"))
    setup(name="ipmetrics-compiled", packages=[], py_modules=[], ext_modules=extensions,
          script_args=["build_ext", "--build-lib", str(build_dir), "--build-temp", str(build_dir / "temp")])
    (build_dir / STAMP).write_text(json.dumps(built, indent=1) + "\n")


if __name__ == "__main__":
    build()
