"""One typed settings object: defaults, then the TOML file, then RECTRACK_* variables.

The file is found by the --config option, then $RECTRACK_CONFIG, then ./rectrack.toml.
Each key may also be set by its environment variable (``database.url`` by
``RECTRACK_DATABASE_URL``), and a secret by a file named in ``RECTRACK_<KEY>_FILE``.
A bad value is refused at start-up with the key's name.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from config.periods import Period, parse_period

ENV_PREFIX = "RECTRACK_"
DEFAULT_FILE = "rectrack.toml"


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the key and where it came from."""

    def __init__(self, key: str, source: str, reason: str) -> None:
        self.key, self.source, self.reason = key, source, reason
        super().__init__(f"setting {key} ({source}): {reason}")


def _timezone(value: object) -> ZoneInfo:
    try:
        return ZoneInfo(_text(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not a known time zone, such as 'Europe/London'") from None


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{value!r} is not a non-empty string")
    return value.strip()


def _period(value: object) -> Period:
    return parse_period(_text(value))


def _optional_path(value: object) -> Path | None:
    return Path(_text(value)).expanduser() if value not in (None, "") else None


@dataclass(frozen=True)
class Key:
    """One setting: its dotted name, its default and how to read a raw value."""

    name: str
    default: object
    parse: Callable[[object], object]
    secret: bool = False
    is_path: bool = False

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper().replace(".", "_")

    @property
    def field(self) -> str:
        return self.name.replace(".", "_")


KEYS: tuple[Key, ...] = (
    Key("timezone", "Europe/London", _timezone),
    Key("database.url", "sqlite:///rectrack.db", _text, secret=True),
    Key("reports.response_period", "2 months", _period),
    Key("workflow.table", None, _optional_path, is_path=True),
)


@dataclass(frozen=True)
class Settings:
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))
    database_url: str = "sqlite:///rectrack.db"
    reports_response_period: Period = field(default_factory=lambda: Period(2, "month"))
    workflow_table: Path | None = None
    config_file: Path | None = None
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    def shown(self) -> dict[str, str]:
        """Return each setting as text, secrets masked, for `config show`."""
        return {key.name: _show(key, getattr(self, key.field)) for key in KEYS}


def _show(key: Key, value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    if key.secret and key.name.endswith("url"):
        return _mask_url_password(text)
    return "********" if key.secret else text


def _mask_url_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:********@{host}"


def find_config_file(
    explicit: str | os.PathLike[str] | None, env: Mapping[str, str]
) -> Path | None:
    """Return the config file in force: --config, then $RECTRACK_CONFIG, then ./rectrack.toml."""
    named = explicit or env.get(ENV_PREFIX + "CONFIG")
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise ConfigError(
                "config", "--config" if explicit else "RECTRACK_CONFIG", f"no file {str(path)!r}"
            )
        return path
    default = Path(DEFAULT_FILE)
    return default if default.is_file() else None


def load_settings(
    config_file: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Build the settings from defaults, the config file and the environment."""
    env = os.environ if env is None else env
    path = find_config_file(config_file, env)
    file_values = _read_file(path) if path else {}
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key in KEYS:
        raw, source = _raw_value(key, file_values, env, path)
        values[key.field] = _parse(key, raw, source, path if source == str(path) else None)
        sources[key.name] = source
    return Settings(**values, config_file=path, sources=sources)


def _raw_value(
    key: Key, file_values: Mapping[str, object], env: Mapping[str, str], path: Path | None
) -> tuple[object, str]:
    if key.env in env:
        return env[key.env], key.env
    if key.secret and key.env + "_FILE" in env:
        secret_file = Path(env[key.env + "_FILE"])
        try:
            return secret_file.read_text().strip(), key.env + "_FILE"
        except OSError as error:
            raise ConfigError(key.name, key.env + "_FILE", error.strerror or str(error)) from None
    if key.name in file_values:
        return file_values[key.name], str(path)
    return key.default, "default"


def _parse(key: Key, raw: object, source: str, relative_to: Path | None) -> object:
    try:
        value = key.parse(raw)
    except (ValueError, TypeError) as error:
        raise ConfigError(key.name, source, str(error)) from None
    if key.is_path and isinstance(value, Path) and relative_to and not value.is_absolute():
        return relative_to.parent / value
    return value


def _read_file(path: Path) -> dict[str, object]:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError("config", str(path), f"cannot read it: {error}") from None
    flat = dict(_flatten(document))
    known = {key.name for key in KEYS}
    for name in flat:
        if name not in known:
            raise ConfigError(name, str(path), "unknown setting")
    return flat


def _flatten(table: Mapping[str, object], prefix: str = "") -> list[tuple[str, object]]:
    items: list[tuple[str, object]] = []
    for name, value in table.items():
        dotted = f"{prefix}{name}"
        if isinstance(value, dict):
            items.extend(_flatten(value, dotted + "."))
        else:
            items.append((dotted, value))
    return items
