"""The model library: MLPs, lab 03's block chain and the blog's character models, with the
inits, gains, activations and normalisation layers they are built from (each written from its
formula)."""
