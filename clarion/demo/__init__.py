"""``clarion demo``: Clarion end to end on the local stack (see :mod:`clarion.demo.command`)."""

from clarion.demo.command import demo

__all__ = ["demo"]
