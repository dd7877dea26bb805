"""The claim registry (:mod:`initspec.claims.registry`), the claims known not to hold
(:mod:`initspec.claims.known_failures`), and the directory each lab writes. Imports no torch."""
