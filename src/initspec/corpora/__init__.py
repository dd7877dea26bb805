"""Name corpora shipped with initspec (see initspec.corpus)."""
