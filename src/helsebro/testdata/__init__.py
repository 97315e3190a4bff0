"""The default synthetic data set that ships with helsebro, and its loader."""
