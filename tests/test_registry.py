"""The claim registry: spelled as the catalog spells it, and every claim named by a collected test.

The catalog (``claims.md`` beside this checkout's parent) is the reference where it is present;
without it the registry is. No claim count is written down here: both sides are read.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from initspec.claims.registry import CATALOG_CLAIMS, CLAIMS, SOURCES, get_claim

SPEC = Path(__file__).resolve().parents[1] / "spec"
ROOT = SPEC.parent
CATALOG = ROOT.parent / "shared" / "claims.md"
ID_PATTERN = re.compile(r"^(lab01|lab02|lab03|blog|lecture|theory)\.[a-z0-9]+(-[a-z0-9]+)*$")
CATALOG_ROW = re.compile(r"^\| `([a-z0-9]+\.[a-z0-9-]+)`( ★)? \|", re.M)

# Collects spec/ with pytest itself (nothing runs) and writes, for each claim ID, the node IDs of
# the tests whose claim markers name it.
COLLECT = """
import json, sys
import pytest

class ClaimMarkers:
    def __init__(self):
        self.named = {}

    def pytest_collection_finish(self, session):
        for item in session.items:
            for mark in item.iter_markers("claim"):
                for claim_id in mark.args:
                    self.named.setdefault(claim_id, []).append(item.nodeid)

markers = ClaimMarkers()
code = pytest.main(
    # syrupy counts every snapshot as unused when nothing runs: a warning, not a failure.
    ["--collect-only", "-q", "-p", "no:randomly", "--no-claims-report",
     "--snapshot-warn-unused", sys.argv[1]],
    plugins=[markers],
)
with open(sys.argv[2], "w") as out:
    json.dump({"exit": int(code), "named": markers.named}, out)
"""


def catalog_claims() -> dict[str, bool]:
    """Catalog claim IDs, in catalog order, with whether each is a headline (★)."""
    return {m.group(1): bool(m.group(2)) for m in CATALOG_ROW.finditer(CATALOG.read_text())}


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Claim ID -> the collected spec tests that name it, from pytest's own collection."""
    out = tmp_path_factory.mktemp("collect") / "claims.json"
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [sys.executable, "-c", COLLECT, str(SPEC), str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.exists(), f"collection did not finish:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
    result = json.loads(out.read_text())
    assert result["exit"] == 0, f"collecting spec/ failed:\n{done.stdout[-3000:]}"
    named: dict[str, list[str]] = result["named"]
    return named


def test_registry_ids_are_well_formed() -> None:
    bad = [claim_id for claim_id in CLAIMS if not ID_PATTERN.match(claim_id)]
    assert not bad, f"IDs not of the form group.kebab-name: {bad}"


def test_every_claim_has_a_source_and_a_statement() -> None:
    for claim in CLAIMS.values():
        assert claim.source in SOURCES, f"{claim.id}: unknown source"
        assert claim.statement.strip(), f"{claim.id}: empty statement"
        assert claim.id.startswith(claim.source.key + "."), f"{claim.id}: wrong source"


@pytest.mark.skipif(not CATALOG.exists(), reason="the shared catalog is not beside this checkout")
def test_every_claim_says_the_setup_choices_its_documents_leave_open() -> None:
    """Issue #23, item 2: every claim has assumptions, each with a value and a reason."""
    bare = [claim.id for claim in CLAIMS.values() if not claim.assumptions]
    assert not bare, f"expected every claim to list its assumptions; none listed by: {bare}"
    vague = [
        (claim.id, a.parameter)
        for claim in CLAIMS.values()
        for a in claim.assumptions
        if not (a.parameter.strip() and a.value.strip() and a.why.strip())
    ]
    assert not vague, f"expected a parameter, value and reason for each assumption: {vague}"


def test_registry_matches_the_catalog() -> None:
    catalog = catalog_claims()
    assert catalog, f"no claim rows found in {CATALOG}"
    assert list(catalog) == list(CATALOG_CLAIMS), (
        "registry IDs differ from the catalog (order or spelling)"
    )
    headlines = {claim_id for claim_id, star in catalog.items() if star}
    assert headlines == {c.id for c in CLAIMS.values() if c.headline}, "headline (★) claims differ"


def test_unknown_ids_suggest_close_matches() -> None:
    with pytest.raises(KeyError, match=r"did you mean lab01\.uniform-fails"):
        get_claim("lab01.uniform-fail")


def test_every_claim_is_named_by_a_collected_test(collected: dict[str, list[str]]) -> None:
    # The theory's claims (theory.*) are the registry's own, not the catalog's.
    theory = [claim_id for claim_id in CLAIMS if claim_id not in CATALOG_CLAIMS]
    expected = (list(catalog_claims()) if CATALOG.exists() else list(CATALOG_CLAIMS)) + theory
    untested = [claim_id for claim_id in expected if claim_id not in collected]
    assert not untested, f"{len(untested)} of {len(expected)} claims have no test: {untested}"
    unknown = sorted(set(collected) - set(expected))
    assert not unknown, f"tests name claims that are not in the catalog: {unknown}"


def test_every_known_failure_names_tests_of_its_claim(collected: dict[str, list[str]]) -> None:
    """A claim's ``known`` lists tests by a part of their name: each part must match one of the
    claim's collected tests, or the listing would silently expect nothing."""
    unmatched = [
        (claim.id, part)
        for claim in CLAIMS.values()
        if claim.known is not None and claim.known.tests is not None
        for part in claim.known.tests
        if not any(part in nodeid.split("::")[-1] for nodeid in collected.get(claim.id, []))
    ]
    assert not unmatched, f"expected each listed test to match a test of its claim: {unmatched}"
