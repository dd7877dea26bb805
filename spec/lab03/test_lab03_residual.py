"""Block A: the residual wrapper, y = x + f(x), checked exactly and by gradcheck.

These are exact claims about arithmetic: one value each (the largest difference from the
expected output), which must be exactly zero. The two identities are properties over shapes,
dtypes and draws: hypothesis searches for a counterexample, and the criterion records the last
example judged (the failing one where one fails).
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from initspec.models.residual import Residual
from initspec.plugin.evidence import Evidence, interpreted, stated

DTYPES = {
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
}
shapes = st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=4)
dtypes = st.sampled_from(sorted(DTYPES))
seeds = st.integers(min_value=0, max_value=2**31 - 1)
# The evidence fixture is one per test, shared by its examples: each check replaces the last.
one_evidence_per_test = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def random_tensor(shape: list[int], dtype: str, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(shape, generator=generator, dtype=torch.float64) * 10).to(DTYPES[dtype])


def largest_difference(y: torch.Tensor, expected: torch.Tensor) -> float:
    return float((y.double() - expected.double()).abs().max())


@pytest.mark.claim("lab03.residual-wrapper")
def test_residual_adds_its_input_and_passes_gradcheck(evidence: Evidence) -> None:
    torch.manual_seed(0)
    inner = torch.nn.Sequential(torch.nn.Linear(5, 5), torch.nn.GELU()).double()
    residual = Residual(inner)
    x = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    with torch.no_grad():
        difference = largest_difference(residual(x), x + inner(x))
    evidence.check(
        "max |Residual(f)(x) - (x + f(x))|",
        difference,
        bound=0.0,
        comparison="==",
        document="a Residual(f) module that computes y = x + f(x)",
        reading=stated("exactly: the largest difference is 0"),
    )
    evidence.check(
        "gradcheck of Residual(Linear -> GeLU) in float64",
        torch.autograd.gradcheck(residual, (x,), raise_exception=False),
        bound=True,
        comparison="==",
        document="Gradcheck the residual.",
        reading=interpreted("torch.autograd.gradcheck in float64, its default tolerances"),
    )


@pytest.mark.claim("lab03.residual-zero-identity")
@one_evidence_per_test
@given(shape=shapes, dtype=dtypes, seed=seeds)
def test_zero_branch_is_exactly_the_identity(
    shape: list[int], dtype: str, seed: int, evidence: Evidence
) -> None:
    x = random_tensor(shape, dtype, seed)
    y = Residual(lambda t: 0 * t)(x)
    evidence.record(example={"shape": shape, "dtype": dtype, "seed": seed})
    evidence.check(
        "Residual(x -> 0*x)(x) keeps x's dtype",
        y.dtype == x.dtype,
        bound=True,
        comparison="==",
        document="Verify that Residual(lambda x: 0 * x) is exactly the identity.",
        reading=interpreted("exactly the identity keeps the input's dtype too"),
    )
    evidence.check(
        "max |Residual(x -> 0*x)(x) - x| over shapes, dtypes and draws",
        largest_difference(y, x),
        bound=0.0,
        comparison="==",
        document="Verify that Residual(lambda x: 0 * x) is exactly the identity.",
        reading=stated("exactly: the largest difference is 0, for finite inputs"),
    )


@pytest.mark.claim("lab03.residual-negation-zero")
@one_evidence_per_test
@given(shape=shapes, dtype=dtypes, seed=seeds)
def test_negated_branch_gives_exactly_zero(
    shape: list[int], dtype: str, seed: int, evidence: Evidence
) -> None:
    x = random_tensor(shape, dtype, seed)
    y = Residual(lambda t: -t)(x)
    evidence.record(example={"shape": shape, "dtype": dtype, "seed": seed})
    evidence.check(
        "max |Residual(x -> -x)(x)| over shapes, dtypes and draws",
        largest_difference(y, torch.zeros_like(x)),
        bound=0.0,
        comparison="==",
        document="constructs a Residual(lambda x: -x) and verifies Residual.forward(x) == 0",
        reading=stated(),
    )


@pytest.mark.claim("lab03.residual-zero-identity")
def test_zero_branch_is_identity_for_non_finite_inputs_too(evidence: Evidence) -> None:
    """0 * inf is NaN: the identity is exact for finite inputs only, as IEEE arithmetic says."""
    x = torch.tensor([1.0, float("inf")])
    y = Residual(lambda t: 0 * t)(x)
    evidence.record(infinite_entry_becomes_nan=bool(y[1].isnan()))
    evidence.check(
        "Residual(x -> 0*x) of a finite entry beside an infinite one",
        float(y[0]),
        bound=1.0,
        comparison="==",
        document="Verify that Residual(lambda x: 0 * x) is exactly the identity.",
        reading=interpreted("a finite entry stays exact beside an infinite one (0 * inf is NaN)"),
    )
