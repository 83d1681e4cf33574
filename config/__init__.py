"""Settings and the workflow table: what a council may change without touching code."""

from __future__ import annotations

from config.periods import Period, parse_period
from config.settings import ConfigError, Settings, StartTls, find_config_file, load_settings
from config.workflow_table import EventSpec, WorkflowTable, WorkflowTableError, load_workflow_table

__all__ = [
    "ConfigError",
    "EventSpec",
    "Period",
    "Settings",
    "StartTls",
    "WorkflowTable",
    "WorkflowTableError",
    "find_config_file",
    "load_settings",
    "load_workflow_table",
    "parse_period",
]
