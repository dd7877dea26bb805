"""Spec of the mean-field theory's own claims (theory.*): initspec.theory against measurement."""
