"""The lecture's mitigations: residuals, norm layers and Adam make init scale matter less."""

from __future__ import annotations

import pytest

from initspec.mitigations import INIT_SCALES, ScaleSweep

FAR_LESS = 0.5  # "far less sensitive": at most half the plain setup's spread


@pytest.mark.claim("lecture.mitigations")
@pytest.mark.parametrize("mitigation", ["residual", "batchnorm", "adam"])
def test_mitigation_makes_final_loss_less_sensitive_to_init_scale(
    mitigation: str, scale_sweeps: dict[str, list[ScaleSweep]], evidence
) -> None:
    plain, mitigated = scale_sweeps["none"], scale_sweeps[mitigation]
    pairs = list(zip(plain, mitigated, strict=True))
    held = [m.spread <= FAR_LESS * p.spread for p, m in pairs]
    evidence.record(
        steps=plain[0].steps,
        mitigation=mitigation,
        init_scales=[f"U[-{a}, {a}]" for a in INIT_SCALES],
        spread_plain=[p.spread for p, _ in pairs],
        spread_mitigated=[m.spread for _, m in pairs],
        final_losses_plain=[{str(k): v for k, v in p.final_losses.items()} for p, _ in pairs],
        final_losses_mitigated=[{str(k): v for k, v in m.final_losses.items()} for _, m in pairs],
        first_nan_plain=[{str(k): v for k, v in p.first_nan_steps.items()} for p, _ in pairs],
        first_nan_mitigated=[{str(k): v for k, v in m.first_nan_steps.items()} for _, m in pairs],
        criterion="spread = max - min final loss (last 20 steps; NaN counts as chance) over "
        f"the init scales; far less = at most {FAR_LESS} x the plain setup's",
    )
    evidence.seeds(run=len(held), held=sum(held))
    assert all(held), f"expected {mitigation} to at least halve the spread; held per seed {held}"
