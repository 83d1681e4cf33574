"""The root of rectrack's errors. It lives in the lowest layer so that every package can join it.

The whole tree is drawn in `workflow.errors`.
"""

from __future__ import annotations


class RectrackError(Exception):
    """Base of every error rectrack reports to its user."""
