"""The errors rectrack reports form one tree, drawn in workflow.errors."""

from __future__ import annotations

import pytest

import workflow.errors
from config.errors import RectrackError
from config.settings import ConfigError
from config.workflow_table import WorkflowTableError
from notifications.emails import BadHeader
from notifications.transports import TransportError

JOINED = [ConfigError, WorkflowTableError, TransportError, BadHeader]


def descendants(error: type[Exception]) -> set[type[Exception]]:
    children = set(error.__subclasses__())
    return children.union(*map(descendants, children))


TREE = sorted(descendants(RectrackError), key=lambda error: error.__name__)


@pytest.mark.parametrize("error", JOINED)
def test_it_is_a_rectrack_error(error: type[Exception]) -> None:
    assert issubclass(error, RectrackError)


@pytest.mark.parametrize("error", [ConfigError, WorkflowTableError, BadHeader])
def test_it_is_still_a_value_error(error: type[Exception]) -> None:
    assert issubclass(error, ValueError)


def test_the_root_is_the_same_from_workflow_errors() -> None:
    assert workflow.errors.RectrackError is RectrackError


@pytest.mark.parametrize("error", TREE)
def test_the_tree_in_the_docstring_names_it(error: type[Exception]) -> None:
    assert f"── {error.__name__} " in (workflow.errors.__doc__ or "")
