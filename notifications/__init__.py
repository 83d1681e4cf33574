"""Notifications: planning what is due, the outbox and mail, and the service that sends it."""

from __future__ import annotations

import logging

# A library's records go where its front end sends them (`serve` logs to stderr);
# elsewhere they stay quiet, so a command's errors are its own one line.
logging.getLogger(__name__).addHandler(logging.NullHandler())
