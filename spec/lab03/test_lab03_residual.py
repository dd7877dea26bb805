"""Block A: the residual wrapper, y = x + f(x), checked exactly and by gradcheck."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from initspec.residual import Residual

DTYPES = {
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
}
shapes = st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=4)
dtypes = st.sampled_from(sorted(DTYPES))
seeds = st.integers(min_value=0, max_value=2**31 - 1)


def random_tensor(shape: list[int], dtype: str, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(shape, generator=generator, dtype=torch.float64) * 10).to(DTYPES[dtype])


@pytest.mark.claim("lab03.residual-wrapper")
def test_residual_adds_its_input_and_passes_gradcheck(evidence) -> None:
    torch.manual_seed(0)
    inner = torch.nn.Sequential(torch.nn.Linear(5, 5), torch.nn.GELU()).double()
    residual = Residual(inner)
    x = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    difference = float((residual(x) - (x + inner(x))).detach().abs().max())
    passed = torch.autograd.gradcheck(residual, (x,), raise_exception=False)
    evidence.record(max_abs_difference_from_x_plus_f=difference, gradcheck_float64=passed)
    assert difference == 0.0, f"Residual(f)(x) should equal x + f(x); differs by {difference}"
    assert passed, "gradcheck of Residual(Linear -> GeLU) in float64 failed"


@pytest.mark.claim("lab03.residual-zero-identity")
@given(shape=shapes, dtype=dtypes, seed=seeds)
def test_zero_branch_is_exactly_the_identity(shape: list[int], dtype: str, seed: int) -> None:
    x = random_tensor(shape, dtype, seed)
    y = Residual(lambda t: 0 * t)(x)
    assert y.dtype == x.dtype and torch.equal(y, x), (
        f"Residual(x -> 0*x) should return x exactly ({dtype}, shape {shape}); "
        f"max difference {float((y.double() - x.double()).abs().max())}"
    )


@pytest.mark.claim("lab03.residual-negation-zero")
@given(shape=shapes, dtype=dtypes, seed=seeds)
def test_negated_branch_gives_exactly_zero(shape: list[int], dtype: str, seed: int) -> None:
    x = random_tensor(shape, dtype, seed)
    y = Residual(lambda t: -t)(x)
    assert torch.equal(y, torch.zeros_like(x)), (
        f"Residual(x -> -x) should return exactly 0 ({dtype}, shape {shape}); "
        f"max |y| {float(y.double().abs().max())}"
    )


@pytest.mark.claim("lab03.residual-zero-identity")
def test_zero_branch_is_identity_for_non_finite_inputs_too(evidence) -> None:
    """0 * inf is NaN: the identity is exact for finite inputs only, as IEEE arithmetic says."""
    x = torch.tensor([1.0, float("inf")])
    y = Residual(lambda t: 0 * t)(x)
    evidence.record(finite_entry=float(y[0]), infinite_entry_becomes_nan=bool(y[1].isnan()))
    assert float(y[0]) == 1.0, f"finite entries should pass through unchanged, got {y[0]}"
