"""The post's parameter counts, at its V = 29 (and at our V = 27, beside them)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from torch import nn

from initspec.claims.registry import CLAIMS
from initspec.data.corpus import CharSplits, Vocabulary
from initspec.models.charmodel import build_char_mlp, build_deep_char_mlp
from initspec.models.mlp import count_parameters
from initspec.plugin.evidence import Evidence, printed

COUNTS = CLAIMS["blog.param-counts"]
POST_V = int(COUNTS.value("vocab_size"))
# case -> (builder from V, the registry's name of the post's count)
CASES: dict[str, tuple[Callable[[int], nn.Module], str]] = {
    "first-model": (lambda v: build_char_mlp(v, batchnorm=True), "first_model"),
    "five-layer-batchnorm": (
        lambda v: build_deep_char_mlp(v, batchnorm=True),
        "five_layer_batchnorm",
    ),
}


@pytest.mark.claim("blog.param-counts")
@pytest.mark.parametrize("case", list(CASES))
def test_parameter_counts_match_the_post(
    case: str,
    char_data: tuple[Vocabulary, CharSplits],
    corpus: dict[str, object],
    post_corpus: dict[str, str],
    evidence: Evidence,
) -> None:
    build, name = CASES[case]
    figures = {"measured_ours": count_parameters(build(char_data[0].size))}
    if case == "first-model":
        # The post's create_model always allocates the BatchNorm gain and bias (2 x 200).
        figures["measured_v29_without_bn_gain_bias"] = count_parameters(build_char_mlp(POST_V))
    else:
        # The post keeps a bias on every Linear, even before BatchNorm (5 x 100).
        figures["measured_v29_without_bias_before_bn"] = count_parameters(
            build_deep_char_mlp(POST_V, batchnorm=True, bias=False)
        )
    evidence.record(**corpus, **post_corpus, **figures)
    evidence.check(
        f"parameters of the {case} model at the post's V = {POST_V}",
        count_parameters(build(POST_V)),
        comparison="==",
        bound=COUNTS.value(name),
        document="The model has 12,719 parameters. ... Total number of parameters: 47,719",
        reading=printed("an exact count"),
    )
