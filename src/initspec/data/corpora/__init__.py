"""Name corpora shipped with initspec (see initspec.data.corpus)."""
