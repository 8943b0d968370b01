"""fraudops: credit-card fraud detection with gated model promotion."""

__version__ = "0.1.0"
