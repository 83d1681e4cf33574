"""One typed settings object: defaults, then the TOML file, then RECTRACK_* variables.

The file is found by the --config option, then $RECTRACK_CONFIG, then ./rectrack.toml.
Each key may also be set by its environment variable (``database.url`` by
``RECTRACK_DATABASE_URL``), and a secret by a file named in ``RECTRACK_<KEY>_FILE``.
A bad value is refused at start-up with the key's name.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from config.addresses import Mailbox, parse_mailbox
from config.errors import RectrackError
from config.periods import Period, parse_period

ENV_PREFIX = "RECTRACK_"
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})
DEFAULT_FILE = "rectrack.toml"
_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&]*", re.IGNORECASE)


class ConfigError(RectrackError, ValueError):
    """A setting that cannot be used; the message names the key and where it came from."""

    def __init__(self, key: str, source: str, reason: str) -> None:
        self.key, self.source, self.reason = key, source, reason
        super().__init__(f"setting {key} ({source}): {reason}")


def _timezone(value: object) -> ZoneInfo:
    try:
        return ZoneInfo(_text(value))
    # A region's name (`Europe`) is a folder of zones: with the tzdata package
    # installed (icalendar needs it), zoneinfo fails opening it as a file.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"{value!r} is not a known time zone, such as 'Europe/London'") from None


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{value!r} is not a non-empty string")
    return value.strip()


def _period(value: object) -> Period:
    return parse_period(_text(value))


def _optional_path(value: object) -> Path | None:
    return Path(_text(value)).expanduser() if value not in (None, "") else None


def _path(value: object) -> Path:
    return Path(_text(value)).expanduser()


def _optional_text(value: object) -> str | None:
    return _text(value) if value not in (None, "") else None


def _mailbox(value: object) -> str:
    """An address, or a display name and address: 'Scrutiny Team <scrutiny@council.example>'.

    The text is kept as written, for `config show`; `Settings.sender` reads it.
    """
    text = _text(value)
    parse_mailbox(text)
    return text


def _optional_mailbox(value: object) -> str | None:
    return _mailbox(value) if value not in (None, "") else None


def _choice(*allowed: str) -> Callable[[object], str]:
    def parse(value: object) -> str:
        text = _text(value).lower()
        if text not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
        return text

    return parse


class StartTls(StrEnum):
    """`mail.smtp.starttls`: when a plain connection to the mail server is upgraded."""

    AUTO = "auto"  # when the server offers STARTTLS; with `mail.smtp.tls`, never
    REQUIRED = "true"  # always: a server that does not offer it is sent nothing
    NEVER = "false"


def _starttls(value: object) -> StartTls:
    if isinstance(value, str) and value.strip().lower() == StartTls.AUTO:
        return StartTls.AUTO
    try:
        return StartTls.REQUIRED if _bool(value) else StartTls.NEVER
    except ValueError:
        raise ValueError(f"{value!r} is not auto, true or false") from None


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = value.strip().lower() if isinstance(value, str) else None
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ValueError(f"{value!r} is not a boolean (true or false)")


def _whole(value: object, low: int = 0, high: int = 10**6) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a whole number")
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise ValueError(f"{value!r} is not a whole number") from None
    if not low <= number <= high:
        raise ValueError(f"{number} is not between {low} and {high}")
    return number


def _port(value: object) -> int:
    return _whole(value, 1, 65535)


def _days(value: object) -> int:
    return _whole(value, 1, 366)


def _max_items(value: object) -> int:
    return _whole(value, 1, 10_000)


def _lead_days(value: object) -> tuple[int, ...]:
    """A list of days before a date: [14, 3] in the file, "14,3" in the environment."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise ValueError(f"{value!r} is not a list of days, such as [14, 3]")
    days = sorted({_whole(item, 0, 366) for item in items}, reverse=True)
    return tuple(days)


def _seconds(value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a number of seconds") from None
    if not 0 < number <= 3600:
        raise ValueError(f"{number} is not between 0 and 3600 seconds")
    return number


def _clock_time(value: object) -> time:
    """A local time of day: "08:00" as text, or a TOML time; the zone is `timezone`'s."""
    parsed = value
    if isinstance(value, str):
        with suppress(ValueError):
            parsed = time.fromisoformat(value.strip())
    if not isinstance(parsed, time) or parsed.tzinfo is not None:
        raise ValueError(f"{value!r} is not a time of day like '08:00'")
    return parsed.replace(second=0, microsecond=0)


def _grace_days(value: object) -> int:
    return _whole(value, 0, 366)


def _base_url(value: object) -> str:
    """The web app's address as people reach it: what links in mail start with."""
    url = _text(value).rstrip("/")
    scheme, _, rest = url.partition("://")
    if scheme not in ("http", "https") or not rest or any(c in rest for c in "?# "):
        raise ValueError(f"{value!r} is not an address like https://rectrack.council.example")
    return url


SECRET_KEY_MIN = 32  # characters: what `rectrack web` asks of web.secret_key at the least


def _optional_secret_key(value: object) -> str | None:
    if value in (None, ""):
        return None
    key = _text(value)
    if len(key) < SECRET_KEY_MIN:
        raise ValueError(
            f"is {len(key)} characters; it must be at least {SECRET_KEY_MIN}"
            " (python3 -c 'import secrets; print(secrets.token_urlsafe(32))' makes one)"
        )
    return key


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
    Key("mail.transport", "file", _choice("smtp", "file", "console")),
    Key("mail.sender", "rectrack@localhost.localdomain", _mailbox),
    Key("mail.clerk", None, _optional_mailbox),
    Key("mail.smtp.host", "localhost", _text),
    Key("mail.smtp.port", 587, _port),
    Key("mail.smtp.starttls", "auto", _starttls),
    Key("mail.smtp.tls", False, _bool),
    Key("mail.smtp.username", None, _optional_text),
    Key("mail.smtp.password", None, _optional_text, secret=True),
    Key("mail.smtp.timeout", 30.0, _seconds),
    Key("mail.file.directory", "rectrack-mail", _path, is_path=True),
    Key("reminders.send_at", "08:00", _clock_time),
    Key("reminders.monitoring_lead_days", [14, 3], _lead_days),
    Key("reminders.milestone_lead_days", [7], _lead_days),
    Key("reminders.digest_lead_days", 7, _days),
    Key("reminders.response_lead_days", [14], _lead_days),
    Key("reminders.overdue_every_days", 7, _days),
    Key("reminders.max_items", 100, _max_items),
    Key("templates.directory", None, _optional_path, is_path=True),
    Key("web.base_url", "http://127.0.0.1:8000", _base_url),
    Key("web.secret_key", None, _optional_secret_key, secret=True),
    Key("web.public", False, _bool),
    Key("web.link_grace_days", 14, _grace_days),
)


@dataclass(frozen=True)
class Settings:
    """Every setting, one field per key of `KEYS`, where the defaults are written.

    Build it with `load_settings`, or `Settings.defaults()` for the defaults alone.
    """

    timezone: ZoneInfo
    database_url: str
    reports_response_period: Period
    workflow_table: Path | None
    mail_transport: str
    mail_sender: str
    mail_clerk: str | None
    mail_smtp_host: str
    mail_smtp_port: int
    mail_smtp_starttls: StartTls
    mail_smtp_tls: bool
    mail_smtp_username: str | None
    mail_smtp_password: str | None = field(repr=False)
    mail_smtp_timeout: float
    mail_file_directory: Path
    reminders_send_at: time
    reminders_monitoring_lead_days: tuple[int, ...]
    reminders_milestone_lead_days: tuple[int, ...]
    reminders_digest_lead_days: int
    reminders_response_lead_days: tuple[int, ...]
    reminders_overdue_every_days: int
    reminders_max_items: int
    templates_directory: Path | None
    web_base_url: str
    web_secret_key: str | None = field(repr=False)
    web_public: bool
    web_link_grace_days: int
    config_file: Path | None = None
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def defaults(cls) -> Settings:
        """Return the settings with every key at its default: no file, no environment."""
        return _settings({key.name: (key.default, "default") for key in KEYS}, None)

    @property
    def sender(self) -> Mailbox:
        """`mail.sender` read: the From's display name and the address mail comes from."""
        return parse_mailbox(self.mail_sender)

    @property
    def clerk(self) -> Mailbox | None:
        """`mail.clerk` read, if set: who is copied on target-overdue notices."""
        return parse_mailbox(self.mail_clerk) if self.mail_clerk else None

    def shown(self) -> dict[str, str]:
        """Return each setting as text, secrets masked, for `config show`."""
        return {key.name: _show(key, getattr(self, key.field)) for key in KEYS}


def _show(key: Key, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return ", ".join(str(item) for item in value)
    text = str(value)
    if key.secret and key.name.endswith("url"):
        return _mask_url_password(text)
    return "********" if key.secret else text


def _mask_url_password(url: str) -> str:
    url = _QUERY_PASSWORD.sub(r"\g<1>********", url)
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
    raw = {key.name: _raw_value(key, file_values, env, path) for key in KEYS}
    return _settings(raw, path)


def _settings(raw: Mapping[str, tuple[object, str]], path: Path | None) -> Settings:
    """Parse each key's raw value, given with where it came from, into the settings."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key in KEYS:
        value, source = raw[key.name]
        values[key.field] = _parse(key, value, source, path if source == str(path) else None)
        sources[key.name] = source
    _tls_or_starttls(values, sources)
    return Settings(**values, config_file=path, sources=sources)


def _tls_or_starttls(values: Mapping[str, Any], sources: Mapping[str, str]) -> None:
    """Refuse implicit TLS with STARTTLS required: a connection is one or the other."""
    if values["mail_smtp_tls"] and values["mail_smtp_starttls"] is StartTls.REQUIRED:
        raise ConfigError(
            "mail.smtp.tls",
            sources["mail.smtp.tls"],
            "set tls (port 465) or starttls (port 587), not both",
        )


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
