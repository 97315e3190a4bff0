"""helsebro: a faithful, stateful test environment for Norwegian health APIs."""

__version__ = "0.1.0"
