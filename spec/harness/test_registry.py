"""The claim registry: complete, spelled as the catalog spells it, and every claim tested."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from initspec.claims import CLAIMS, SOURCES, get_claim

SPEC = Path(__file__).resolve().parents[1]
CATALOG = SPEC.parent.parent / "shared" / "claims.md"
ID_PATTERN = re.compile(r"^(lab01|lab02|lab03|blog|lecture)\.[a-z0-9]+(-[a-z0-9]+)*$")


def test_registry_has_the_catalogs_65_claims() -> None:
    assert len(CLAIMS) == 65, f"expected 65 claims; the registry has {len(CLAIMS)}"
    bad = [claim_id for claim_id in CLAIMS if not ID_PATTERN.match(claim_id)]
    assert not bad, f"IDs not of the form group.kebab-name: {bad}"


def test_every_claim_has_a_source_and_a_statement() -> None:
    for claim in CLAIMS.values():
        assert claim.source in SOURCES, f"{claim.id}: unknown source"
        assert claim.statement.strip(), f"{claim.id}: empty statement"
        assert claim.id.startswith(claim.source.key + "."), f"{claim.id}: wrong source"
    assert sum(claim.headline for claim in CLAIMS.values()) == 6


@pytest.mark.skipif(not CATALOG.exists(), reason="the shared catalog is not beside this checkout")
def test_registry_matches_the_catalog() -> None:
    catalog_ids = re.findall(r"^\| `([a-z0-9]+\.[a-z0-9-]+)`", CATALOG.read_text(), re.M)
    assert catalog_ids == list(CLAIMS), "registry IDs differ from the catalog (order or spelling)"


def test_unknown_ids_suggest_close_matches() -> None:
    with pytest.raises(KeyError, match=r"did you mean lab01\.uniform-fails"):
        get_claim("lab01.uniform-fail")


def test_every_claim_is_named_by_a_spec_test() -> None:
    # The harness's own tests name claims in throw-away suites; they do not count.
    text = "\n".join(
        path.read_text()
        for path in SPEC.rglob("test_*.py")
        if "harness" not in path.relative_to(SPEC).parts
    )
    untested = [claim_id for claim_id in CLAIMS if f'"{claim_id}"' not in text]
    assert not untested, f"{len(untested)} claims have no test: {untested}"
