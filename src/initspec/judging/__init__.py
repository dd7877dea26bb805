"""The judging core: a claim's criteria, the seed rules and the t interval, the verdicts, the
documents' shared words as rules, quotes checked against the documents, a conditional verdict's
condition. It imports neither torch nor pytest (tests/test_layering.py), so the report, the
command line and a reader's own script can judge and render without them.

- :mod:`initspec.judging.judge`: a criterion judged over seeds (every seed, k of n, the mean's
  t interval), met, not met or undecided;
- :mod:`initspec.judging.student_t`: the t quantiles the intervals use;
- :mod:`initspec.judging.outcome`: a test's outcome, its criteria and sensitivity rows, the
  verdicts and their order;
- :mod:`initspec.judging.phrases`: "trains", "smooth", "plateaus", "vanishes" ... as rules;
- :mod:`initspec.judging.quotes`: every quote found in the documents;
- :mod:`initspec.judging.conditions`: a conditional verdict's condition, from its rows.
"""
