"""The README stays short, its links lead somewhere, and the refutations it lists are the
report's: a claim it names as not holding must be refuted or conditional in the committed
``reports/claims.json``, and quoted as the registry states it. Every page of ``docs/`` is in the
site's navigation (``mkdocs build --strict`` checks the rest: links and anchors)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from initspec.claims.registry import CLAIMS

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MAX_LINES = 150
LINK = re.compile(r"\]\(([^)\s]+)\)")
LISTED = re.compile(r"^- \[`([^`]+)`\]\(reports/claims/[^)]+\)(?: \((\w+)\))?: \"(.*)\"$")
NOT_HOLDING = {"refuted", "conditional"}


def readme() -> str:
    return README.read_text(encoding="utf-8")


def test_the_readme_is_short() -> None:
    lines = len(readme().splitlines())
    assert lines <= MAX_LINES, f"expected README.md at most {MAX_LINES} lines, it has {lines}"


@pytest.mark.parametrize("target", sorted(set(LINK.findall(readme()))))
def test_every_relative_link_of_the_readme_resolves(target: str) -> None:
    if re.match(r"^[a-z]+:", target) or target.startswith("#"):
        pytest.skip(f"{target} is not a path in the repository")
    path = ROOT / target.split("#", 1)[0]
    assert path.exists(), f"README.md links to {target}, which does not exist"


def listed_claims() -> list[tuple[str, str, str]]:
    found = [LISTED.match(line) for line in readme().splitlines()]
    return [(m.group(1), m.group(2) or "refuted", m.group(3)) for m in found if m]


def test_the_readme_lists_claims_that_do_not_hold() -> None:
    assert listed_claims(), "expected the README to list the headline claims that do not hold"


@pytest.mark.parametrize(("claim", "said", "quoted"), listed_claims())
def test_a_listed_claim_is_refuted_or_conditional_in_the_report(
    claim: str, said: str, quoted: str
) -> None:
    report = json.loads((ROOT / "reports" / "claims.json").read_text(encoding="utf-8"))
    verdicts = {entry["id"]: entry["verdict"] for entry in report["claims"]}
    assert claim in CLAIMS, f"README lists {claim}, which the registry does not have"
    assert quoted == CLAIMS[claim].statement, (
        f"README quotes {claim} as {quoted!r}; the registry states {CLAIMS[claim].statement!r}"
    )
    assert verdicts.get(claim) in NOT_HOLDING, (
        f"README lists {claim} among the claims that do not hold; the report says "
        f"{verdicts.get(claim)!r}"
    )
    assert verdicts[claim] == said, f"README calls {claim} {said}; the report {verdicts[claim]}"


def committed_report() -> dict[str, object]:
    data: dict[str, object] = json.loads(
        (ROOT / "reports" / "claims.json").read_text(encoding="utf-8")
    )
    return data


def test_every_headline_claim_that_does_not_hold_is_listed() -> None:
    claims = committed_report()["claims"]
    assert isinstance(claims, list)
    expected = {
        entry["id"]
        for entry in claims
        if CLAIMS[entry["id"]].headline and entry["verdict"] in NOT_HOLDING
    }
    listed = {claim for claim, _, _ in listed_claims()}
    assert expected <= listed, (
        f"expected the README to list every headline claim the report judges refuted or "
        f"conditional; not listed: {sorted(expected - listed)}"
    )


LABS_TIME = re.compile(r"tox -e labs .*\(about (\d+) min on 2 cores\)")


def test_the_labs_time_the_readme_gives_is_the_committed_labs_own() -> None:
    """The README's rough time for ``tox -e labs`` is within 30 % of the wall times the committed
    lab directories' manifests record, summed (the labs run one after another)."""
    said = LABS_TIME.search(readme())
    assert said, "expected the README to give `tox -e labs`'s time as '(about N min on 2 cores)'"
    manifests = sorted((ROOT / "reports").glob("10-*/manifest.json"))
    assert manifests, "expected the committed lab directories under reports/"
    walls = [json.loads(m.read_text(encoding="utf-8"))["run"]["wall_time_s"] for m in manifests]
    measured = sum(walls) / 60
    assert abs(int(said.group(1)) - measured) <= 0.3 * measured, (
        f"README says about {said.group(1)} min; the committed labs took {measured:.0f} min"
    )


def test_every_docs_page_is_in_the_navigation() -> None:
    nav = set(re.findall(r":\s*([\w./-]+\.md)\s*$", (ROOT / "mkdocs.yml").read_text(), re.M))
    pages = {str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md")}
    assert pages <= nav, f"expected every docs page in mkdocs.yml's nav; missing {pages - nav}"
