"""The experiments: each trains or measures models for a config and seeds and returns the
results as frozen dataclasses. An experiment writes no file and knows no lab; the labs
(:mod:`initspec.labs`) and the spec tests both call them.

* :mod:`~initspec.experiments.init_ablation`: lab 01's MLP once per init (with a norm layer or
  not: lab 02), the runs' losses and what is read off them;
* :mod:`~initspec.experiments.residual_depth`: lab 03's deep block chain, with and without the
  residual, the layer-1 gradient norm every step;
* :mod:`~initspec.experiments.char_init`: the character model's first-batch losses and training
  curves under the blog's inits;
* :mod:`~initspec.experiments.char_diagnostics`: the blog's gain study, update:data ratios and
  saturation maps, measured with :mod:`initspec.training.diagnostics`;
* :mod:`~initspec.experiments.mitigations`: the lecture's mitigations, swept over init scales.
"""
