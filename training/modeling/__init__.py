"""The model and its training loop: encoders, the CRF layer, losses, task metrics, setting checks, and ``fit``."""
