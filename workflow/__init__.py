"""rectrack's domain: the lifecycle, storage, services and the command line."""

from __future__ import annotations
