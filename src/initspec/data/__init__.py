"""The data the labs and the spec train on: seeded toy data and its batch orders, and the
lecture's names corpus (shipped in ``corpora/``) as context windows."""
