"""The README keeps up with the code: every command, setting and event is documented."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from config import load_workflow_table
from config.settings import KEYS
from notifications.notices import Kind
from rectrack.cli import cli

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def command_paths(group: click.Group, prefix: str = "") -> list[str]:
    paths = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            paths += command_paths(command, f"{prefix}{name} ")
        else:
            paths.append(f"{prefix}{name}")
    return paths


@pytest.mark.parametrize("path", command_paths(cli))
def test_every_command_is_in_the_reference(path: str) -> None:
    assert re.search(rf"^\| `{re.escape(path)}[ `]", README, re.MULTILINE), path


@pytest.mark.parametrize("key", [key.name for key in KEYS])
def test_every_setting_is_documented(key: str) -> None:
    section, _, name = key.rpartition(".")
    written = f"`[{section}] {name}`" if section else f"`{name}`"
    assert written in README
    assert KEYS[[k.name for k in KEYS].index(key)].env in README


@pytest.mark.parametrize("event", [spec.name for spec in load_workflow_table().events])
def test_every_event_is_in_the_lifecycle_table(event: str) -> None:
    assert f"| `{event}` |" in README


@pytest.mark.parametrize("kind", [kind.value for kind in Kind])
def test_every_kind_of_notice_is_in_the_notifications_table(kind: str) -> None:
    section = README.split("## Notifications", 1)[1].split("\n## ", 1)[0]
    assert f"| `{kind}` |" in section


def test_quick_start_holds_two_commands() -> None:
    section = README.split("## Quick start", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) == 2
    assert commands[0].endswith("rectrack demo")
    assert commands[1].endswith("pytest")


# Options every command shares, documented once beside the table.
SHARED_OPTIONS = frozenset({"--json", "--by", "--help"})
# A command whose row sends the reader to another's for the options they share.
SAME_OPTIONS_AS = {"recs count": "recs list"}


def options(path: str) -> list[tuple[str, ...]]:
    """Each option of the command, by all its names (`-o`, `--output`)."""
    command: click.Command = cli
    for name in path.split():
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return [
        tuple(param.opts)
        for param in command.params
        if isinstance(param, click.Option) and not SHARED_OPTIONS & set(param.opts)
    ]


def reference_rows(path: str) -> list[str]:
    return re.findall(rf"^\| `{re.escape(path)}[ `].*$", README, re.MULTILINE)


@pytest.mark.parametrize("path", command_paths(cli))
def test_every_option_of_a_command_is_in_its_reference_rows(path: str) -> None:
    rows = reference_rows(path) + reference_rows(SAME_OPTIONS_AS.get(path, path))
    missing = [names for names in options(path) if not any(n in r for n in names for r in rows)]
    assert not missing, f"{path}: {missing}"
