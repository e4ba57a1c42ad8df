"""Clarion: a notification platform for very large audiences.

This package holds what every layer shares: the settings object, the event
contract, the command line, the local stack and the synthetic world. The
layers themselves live beside it: ``spark_jobs`` (batch), ``speed_layer``,
``serving`` and ``feature_store`` (the contract between them).
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
