"""The post's parameter counts, at its V = 29 and at our V = 27."""

from __future__ import annotations

import pytest

from initspec.charmodel import build_char_mlp, build_deep_char_mlp
from initspec.models import count_parameters

# (case, builder, the post's count at V = 29)
CASES = {
    "first-model": (lambda v: build_char_mlp(v, batchnorm=True), 12_719),
    "five-layer-batchnorm": (lambda v: build_deep_char_mlp(v, batchnorm=True), 47_719),
}


@pytest.mark.claim("blog.param-counts")
@pytest.mark.parametrize("case", list(CASES))
def test_parameter_counts_match_the_post(case: str, evidence) -> None:
    build, doc_count = CASES[case]
    at_29, at_27 = count_parameters(build(29)), count_parameters(build(27))
    figures = {"doc_value": doc_count, "measured_v29": at_29, "measured_v27": at_27}
    if case == "first-model":
        # The post's create_model always allocates the BatchNorm gain and bias (2 x 200).
        figures["measured_v29_without_bn_gain_bias"] = count_parameters(build_char_mlp(29))
    else:
        # The post keeps a bias on every Linear, even before BatchNorm (5 x 100).
        figures["measured_v29_without_bias_before_bn"] = count_parameters(
            build_deep_char_mlp(29, batchnorm=True, bias=False)
        )
    evidence.record(corpus="census first names (names package)", vocab_size=27, **figures)
    assert at_29 == doc_count, f"{case} at V = 29: the post counts {doc_count:,}, built {at_29:,}"
