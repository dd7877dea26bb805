"""What the claim tests of several spec directories share."""
