"""The layers stay apart: each rule is checked in a fresh interpreter where the modules a layer
must not use cannot be imported at all.

* the judging core (the package :mod:`initspec.judging`: ``judge``, ``outcome``,
  ``student_t``, ``phrases``, ``quotes``, ``conditions``; and the registry
  :mod:`initspec.claims.registry`) imports neither torch nor pytest;
* the report (:mod:`initspec.report`) imports neither the labs nor torch, and writes and renders
  a report again (``python -m initspec.report``) with torch unavailable;
* ``initspec --version`` and ``initspec claims`` import no torch;
* the packages import one way (:data:`PACKAGE_LAYERS`, read from the source): a package imports
  only packages of its own layer or below;
* the packages that build, train and run the experiments (:data:`GIVEN_THEIR_NUMBERS`) import
  nothing from :mod:`initspec.claims`: a document's number reaches them through their configs
  and arguments, from the labs, the maps and the claim tests (:mod:`initspec.claims.numbers`).

A blocker on ``sys.meta_path``, installed by a ``sitecustomize`` module, raises ImportError for
a blocked name, so an import that breaks a rule fails the child process, however indirect it is.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "initspec"
# initspec's packages (and its two leaf modules), lowest first: each imports only its own layer
# and those below. The registry and the judging core share a layer: the registry types its
# verdicts with judging.outcome, and the readings of phrases take their numbers from the registry.
PACKAGE_LAYERS: tuple[frozenset[str], ...] = tuple(
    frozenset(layer.split())
    for layer in (
        "metrics theory",
        "runtime",
        "claims judging",
        "data",
        "models",
        "training",
        "experiments",
        "plotting",
        "maps",
        "labs",
        "report",
        "snapshots",
        "plugin",
        "cli",
    )
)
# Packages that receive the documents' numbers and never read the claim registry themselves.
GIVEN_THEIR_NUMBERS = ("data", "models", "training", "experiments")

CORE = (
    "initspec.judging",
    "initspec.judging.judge",
    "initspec.judging.outcome",
    "initspec.judging.student_t",
    "initspec.claims.registry",
)
CORE_ALSO = ("initspec.judging.phrases", "initspec.judging.quotes", "initspec.judging.conditions")
SITECUSTOMIZE = '''
import os
import sys

_BLOCKED = tuple(name for name in os.environ.get("INITSPEC_BLOCKED", "").split(",") if name)


class _Blocker:
    """Refuse to import a blocked module or anything under it."""

    def find_spec(self, name, path=None, target=None):
        if any(name == blocked or name.startswith(blocked + ".") for blocked in _BLOCKED):
            raise ImportError(f"{name} is blocked in this process (tests/test_layering.py)")
        return None


sys.meta_path.insert(0, _Blocker())
'''


def run_blocked(
    blocked: tuple[str, ...], arguments: list[str], tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGUMENTS`` with ``blocked`` modules unimportable."""
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), *filter(None, [env.get("PYTHONPATH")])])
    env["INITSPEC_BLOCKED"] = ",".join(blocked)
    env["MPLBACKEND"] = "Agg"
    return subprocess.run(
        [sys.executable, *arguments],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )


def loaded_after(module: str, tmp_path: Path, blocked: tuple[str, ...]) -> list[str]:
    """Import ``module`` with ``blocked`` unimportable; the initspec and blocked modules that
    ended up loaded (the child fails, and so does the test, if an import was refused)."""
    code = textwrap.dedent(
        f"""
        import importlib, json, sys
        importlib.import_module({module!r})
        print(json.dumps(sorted(sys.modules)))
        """
    )
    done = run_blocked(blocked, ["-c", code], tmp_path)
    assert done.returncode == 0, (
        f"expected {module} to import with {', '.join(blocked)} unavailable; it failed:\n"
        f"{done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.stdout}"
    )
    loaded: list[str] = json.loads(done.stdout)
    return loaded


def test_the_blocker_blocks(tmp_path: Path) -> None:
    """The rules below can fail: an import of a blocked module fails the child."""
    done = run_blocked(("json",), ["-c", "import json"], tmp_path)
    assert done.returncode != 0 and "is blocked" in done.stderr, (
        f"expected `import json` to fail with json blocked; exit {done.returncode}, "
        f"stderr {done.stderr!r}"
    )


@pytest.mark.parametrize("module", CORE + CORE_ALSO)
def test_the_judging_core_imports_neither_torch_nor_pytest(module: str, tmp_path: Path) -> None:
    loaded = loaded_after(module, tmp_path, ("torch", "pytest", "_pytest"))
    heavy = [name for name in loaded if name.split(".")[0] in ("torch", "pytest", "_pytest")]
    assert heavy == [], f"expected {module} to load neither torch nor pytest; it loaded {heavy}"


def test_the_report_imports_neither_the_labs_nor_torch(tmp_path: Path) -> None:
    loaded = loaded_after("initspec.report", tmp_path, ("torch", "initspec.labs"))
    heavy = [name for name in loaded if name == "torch" or name.startswith("initspec.labs")]
    assert heavy == [], f"expected initspec.report to load no lab and no torch; it loaded {heavy}"


def test_the_report_is_written_and_rendered_again_without_torch(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    write = (
        "from pathlib import Path; from initspec.report import write_report; "
        f"write_report(Path({str(reports)!r}), [], '2026-01-01T00:00:00+00:00', commit='abc')"
    )
    done = run_blocked(("torch", "initspec.labs"), ["-c", write], tmp_path)
    assert done.returncode == 0, f"expected the report written without torch: {done.stderr}"
    assert (reports / "claims.json").is_file(), "expected claims.json to be written"
    (reports / "index.md").unlink(missing_ok=True)
    done = run_blocked(
        ("torch", "initspec.labs"), ["-m", "initspec.report", str(reports)], tmp_path
    )
    assert done.returncode == 0, (
        f"expected `python -m initspec.report` to render without torch, exit 0; got exit "
        f"{done.returncode}: {done.stderr.strip()}"
    )
    assert (reports / "index.md").is_file(), "expected index.md rendered again"


ENTRY = "import sys; from initspec.cli.entry import main; sys.exit(main(sys.argv[1:]))"


@pytest.mark.parametrize(
    "command", [["-c", ENTRY], ["-m", "initspec.cli"]], ids=["console-script", "cli-module"]
)
def test_version_imports_no_torch(command: list[str], tmp_path: Path) -> None:
    done = run_blocked(("torch",), [*command, "--version"], tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("initspec "), (
        f"expected `initspec --version` to answer without torch; exit {done.returncode}, "
        f"stdout {done.stdout!r}, stderr {done.stderr.strip()!r}"
    )


def test_claims_imports_no_torch(tmp_path: Path) -> None:
    arguments = ["-m", "initspec.cli", "claims", "--reports", str(tmp_path / "none")]
    done = run_blocked(("torch",), arguments, tmp_path)
    assert done.returncode == 0 and "claims, no verdicts" in done.stdout, (
        f"expected `initspec claims` to list the claims without torch; exit {done.returncode}, "
        f"stderr {done.stderr.strip()!r}"
    )


def package_imports(source: Path) -> dict[str, set[str]]:
    """Each top-level package or module of ``source`` and the others it imports (AST, any depth
    inside a function too)."""
    imports: dict[str, set[str]] = {}
    for path in sorted(source.rglob("*.py")):
        parts = path.relative_to(source).parts
        if parts == ("__init__.py",):
            continue
        own = parts[0].removesuffix(".py")
        found = imports.setdefault(own, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
                if node.module == "initspec":
                    names = [f"initspec.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                top = name.split(".")
                if top[0] == "initspec" and len(top) > 1 and top[1] != own:
                    found.add(top[1])
    return imports


def layer_of(package: str) -> int:
    for index, layer in enumerate(PACKAGE_LAYERS):
        if package in layer:
            return index
    raise AssertionError(f"{package} is in no layer of PACKAGE_LAYERS; add it where it belongs")


def upward_imports(imports: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{package} imports {target}"
        for package, targets in imports.items()
        for target in targets
        if layer_of(target) > layer_of(package)
    )


def test_the_layer_check_finds_an_upward_import() -> None:
    """The rule below can fail: a model that imports the command line is found."""
    assert upward_imports({"models": {"cli", "data"}, "cli": {"models"}}) == ["models imports cli"]


def test_every_package_imports_only_its_layer_and_below() -> None:
    imports = package_imports(SOURCE)
    assert set(imports) >= {"models", "training", "plugin", "report"}, (
        f"expected initspec's packages under {SOURCE}; found {sorted(imports)}"
    )
    upward = upward_imports(imports)
    assert upward == [], (
        "expected every import to point down PACKAGE_LAYERS "
        f"({' < '.join('/'.join(sorted(layer)) for layer in PACKAGE_LAYERS)}); found {upward}"
    )


def registry_readers(imports: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{package} imports claims"
        for package in GIVEN_THEIR_NUMBERS
        if "claims" in imports.get(package, set())
    )


def test_the_registry_check_finds_a_model_that_reads_the_registry() -> None:
    """The rule below can fail: a model that imports the registry is found."""
    assert registry_readers({"models": {"claims"}, "labs": {"claims"}}) == ["models imports claims"]


def test_models_and_experiments_are_given_the_documents_numbers() -> None:
    readers = registry_readers(package_imports(SOURCE))
    assert readers == [], (
        f"expected {', '.join(GIVEN_THEIR_NUMBERS)} to take the documents' numbers through "
        f"their configs, importing nothing from initspec.claims; found {readers}"
    )
