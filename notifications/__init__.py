"""Notifications: reminders, digests, the outbox and mail (built in a later issue)."""

from __future__ import annotations
