"""backease: a local-first self-care companion for upper back pain."""

__version__ = "0.1.0"
