"""Settings: defaults, then the config file, then RECTRACK_* variables; bad values named."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config import ConfigError, Period, Settings, StartTls, find_config_file, load_settings
from config.addresses import Mailbox

PG = "postgresql+psycopg://rt:s3cret@db.example/rt"


@pytest.fixture(autouse=True)
def somewhere_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run each test in an empty folder, so no ./rectrack.toml is found by accident."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def refusal(env: dict[str, str], config_file: Path | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as error:
        load_settings(config_file, env)
    return error.value


def test_the_defaults() -> None:
    settings = load_settings(env={})
    assert settings == Settings.defaults()
    assert settings.timezone == ZoneInfo("Europe/London")
    assert settings.database_url == "sqlite:///rectrack.db"
    assert settings.reports_response_period == Period(2, "month")
    assert (settings.workflow_table, settings.config_file) == (None, None)


def test_the_defaults_are_written_in_the_keys_only() -> None:
    with pytest.raises(TypeError):
        Settings()  # type: ignore[call-arg]


def test_the_file_overrides_the_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.toml", 'timezone = "Europe/Paris"\n[reports]\nresponse_period = "8 weeks"\n'
    )
    settings = load_settings(path, {})
    assert (settings.timezone, settings.reports_response_period) == (
        ZoneInfo("Europe/Paris"),
        Period(8, "week"),
    )
    assert settings.sources["timezone"] == str(path)


def test_the_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[database]\nurl = "sqlite:///file.db"\n')
    settings = load_settings(path, {"RECTRACK_DATABASE_URL": PG})
    assert settings.database_url == PG
    assert settings.sources["database.url"] == "RECTRACK_DATABASE_URL"


def test_the_file_is_found_in_the_current_folder(tmp_path: Path) -> None:
    write(tmp_path / "rectrack.toml", 'timezone = "UTC"\n')
    assert load_settings(env={}).timezone == ZoneInfo("UTC")


def test_rectrack_config_beats_the_current_folder(tmp_path: Path) -> None:
    write(tmp_path / "rectrack.toml", 'timezone = "UTC"\n')
    named = write(tmp_path / "etc" / "ours.toml", 'timezone = "Europe/Dublin"\n')
    settings = load_settings(env={"RECTRACK_CONFIG": str(named)})
    assert (settings.timezone, settings.config_file) == (ZoneInfo("Europe/Dublin"), named)


def test_the_config_option_beats_rectrack_config(tmp_path: Path) -> None:
    named = write(tmp_path / "env.toml", 'timezone = "Europe/Dublin"\n')
    chosen = write(tmp_path / "option.toml", 'timezone = "Europe/Lisbon"\n')
    assert find_config_file(chosen, {"RECTRACK_CONFIG": str(named)}) == chosen


def test_no_file_anywhere_means_defaults_only() -> None:
    assert find_config_file(None, {}) is None


@pytest.mark.parametrize(
    ("option", "env", "source"),
    [
        ("missing.toml", {}, "--config"),
        (None, {"RECTRACK_CONFIG": "missing.toml"}, "RECTRACK_CONFIG"),
    ],
)
def test_a_named_file_that_is_not_there_is_refused(
    option: str | None, env: dict[str, str], source: str
) -> None:
    with pytest.raises(ConfigError) as error:
        find_config_file(option, env)
    assert (error.value.key, error.value.source) == ("config", source)
    assert "missing.toml" in str(error.value)


def test_a_secret_may_come_from_a_file(tmp_path: Path) -> None:
    secret = write(tmp_path / "password", "hunter2\n")
    settings = load_settings(env={"RECTRACK_MAIL_SMTP_PASSWORD_FILE": str(secret)})
    assert settings.mail_smtp_password == "hunter2"
    assert settings.sources["mail.smtp.password"] == "RECTRACK_MAIL_SMTP_PASSWORD_FILE"


def test_the_database_url_may_come_from_a_file(tmp_path: Path) -> None:
    secret = write(tmp_path / "url", PG)
    assert load_settings(env={"RECTRACK_DATABASE_URL_FILE": str(secret)}).database_url == PG


def test_a_variable_beats_its_secret_file(tmp_path: Path) -> None:
    secret = write(tmp_path / "password", "from-file")
    env = {
        "RECTRACK_MAIL_SMTP_PASSWORD": "from-env",
        "RECTRACK_MAIL_SMTP_PASSWORD_FILE": str(secret),
    }
    assert load_settings(env=env).mail_smtp_password == "from-env"


def test_a_missing_secret_file_is_refused_naming_the_key() -> None:
    error = refusal({"RECTRACK_MAIL_SMTP_PASSWORD_FILE": "/nonexistent/password"})
    assert (error.key, error.source) == ("mail.smtp.password", "RECTRACK_MAIL_SMTP_PASSWORD_FILE")


def test_only_secrets_are_read_from_files(tmp_path: Path) -> None:
    zone = write(tmp_path / "zone", "UTC")
    assert load_settings(env={"RECTRACK_TIMEZONE_FILE": str(zone)}).timezone == ZoneInfo(
        "Europe/London"
    )


def test_a_message_lists_100_recommendations_at_most_unless_told() -> None:
    assert Settings.defaults().reminders_max_items == 100
    assert load_settings(None, {"RECTRACK_REMINDERS_MAX_ITEMS": "25"}).reminders_max_items == 25


@pytest.mark.parametrize(
    ("variable", "value", "key"),
    [
        ("RECTRACK_TIMEZONE", "Mars/Olympus_Mons", "timezone"),
        ("RECTRACK_TIMEZONE", "Europe", "timezone"),
        ("RECTRACK_REPORTS_RESPONSE_PERIOD", "two moons", "reports.response_period"),
        ("RECTRACK_MAIL_TRANSPORT", "pigeon", "mail.transport"),
        ("RECTRACK_MAIL_SENDER", "clerk at council", "mail.sender"),
        ("RECTRACK_MAIL_SENDER", "Scrutiny Team <scrutiny at council>", "mail.sender"),
        ("RECTRACK_MAIL_CLERK", "clerk@council.example\nBcc: all@x.example", "mail.clerk"),
        ("RECTRACK_MAIL_SMTP_PORT", "70000", "mail.smtp.port"),
        ("RECTRACK_MAIL_SMTP_STARTTLS", "perhaps", "mail.smtp.starttls"),
        ("RECTRACK_MAIL_SMTP_TIMEOUT", "0", "mail.smtp.timeout"),
        ("RECTRACK_REMINDERS_SEND_AT", "25:00", "reminders.send_at"),
        ("RECTRACK_REMINDERS_MONITORING_LEAD_DAYS", "14,x", "reminders.monitoring_lead_days"),
        ("RECTRACK_REMINDERS_DIGEST_LEAD_DAYS", "0", "reminders.digest_lead_days"),
        ("RECTRACK_REMINDERS_MAX_ITEMS", "0", "reminders.max_items"),
        ("RECTRACK_DATABASE_URL", " ", "database.url"),
    ],
)
def test_a_bad_value_is_refused_naming_the_key(variable: str, value: str, key: str) -> None:
    error = refusal({variable: value})
    assert (error.key, error.source) == (key, variable)
    assert str(error).startswith(f"setting {key} ({variable}): ")


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ("timezone = 5\n", "timezone", "5 is not a known time zone"),
        ('[mail.smtp]\nport = "x"\n', "mail.smtp.port", "'x' is not a whole number"),
        ("[mail.smtp]\nstarttls = 1\n", "mail.smtp.starttls", "1 is not auto, true or false"),
        ("[reminders]\nmonitoring_lead_days = [14.5]\n", "reminders.monitoring_lead_days", "14.5"),
        ("[reminders]\nsend_at = 8\n", "reminders.send_at", "8 is not a time of day"),
    ],
)
def test_a_bad_value_in_the_file_is_refused_naming_key_and_file(
    tmp_path: Path, text: str, key: str, reason: str
) -> None:
    path = write(tmp_path / "c.toml", text)
    error = refusal({}, path)
    assert (error.key, error.source) == (key, str(path))
    assert reason in error.reason


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('colour = "blue"\n', "colour"),
        ('[database]\nuri = "sqlite://"\n', "database.uri"),
        ('[workflow]\ntables = "ours.toml"\n', "workflow.tables"),
        ('mail = "smtp"\n', "mail"),
    ],
)
def test_an_unknown_key_in_the_file_is_refused(tmp_path: Path, text: str, key: str) -> None:
    error = refusal({}, write(tmp_path / "c.toml", text))
    assert (error.key, error.reason) == (key, "unknown setting")


def test_a_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    error = refusal({}, write(tmp_path / "c.toml", "timezone = \n"))
    assert error.key == "config"
    assert "cannot read it" in error.reason


def test_a_relative_workflow_table_is_found_beside_the_config_file(tmp_path: Path) -> None:
    path = write(tmp_path / "etc" / "rectrack.toml", '[workflow]\ntable = "ours.toml"\n')
    assert load_settings(path, {}).workflow_table == tmp_path / "etc" / "ours.toml"


def test_an_absolute_workflow_table_is_kept(tmp_path: Path) -> None:
    table = tmp_path / "shared" / "ours.toml"
    path = write(tmp_path / "etc" / "rectrack.toml", f'[workflow]\ntable = "{table}"\n')
    assert load_settings(path, {}).workflow_table == table


def test_a_relative_table_from_the_environment_is_relative_to_the_current_folder() -> None:
    settings = load_settings(env={"RECTRACK_WORKFLOW_TABLE": "ours.toml"})
    assert settings.workflow_table == Path("ours.toml")


def test_lead_days_from_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "[reminders]\nmonitoring_lead_days = [3, 14, 3]\n")
    assert load_settings(path, {}).reminders_monitoring_lead_days == (14, 3)


def test_lead_days_from_the_environment() -> None:
    env = {
        "RECTRACK_REMINDERS_MONITORING_LEAD_DAYS": "14,3",
        "RECTRACK_REMINDERS_RESPONSE_LEAD_DAYS": "7, 21",
    }
    settings = load_settings(env=env)
    assert settings.reminders_monitoring_lead_days == (14, 3)
    assert settings.reminders_response_lead_days == (21, 7)


def test_a_time_may_be_a_toml_time(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "[reminders]\nsend_at = 07:45:00\n")
    assert load_settings(path, {}).reminders_send_at == time(7, 45)


def test_a_time_with_a_zone_is_refused_as_the_zone_is_the_timezone_setting() -> None:
    error = refusal({"RECTRACK_REMINDERS_SEND_AT": "08:00+01:00"})
    assert error.key == "reminders.send_at"


def test_booleans_and_times_are_read_from_words() -> None:
    env = {"RECTRACK_MAIL_SMTP_TLS": "yes", "RECTRACK_REMINDERS_SEND_AT": "07:30"}
    settings = load_settings(env=env)
    assert (settings.mail_smtp_tls, settings.reminders_send_at) == (True, time(7, 30))


def test_starttls_is_auto_by_default() -> None:
    settings = Settings.defaults()
    assert settings.mail_smtp_starttls is StartTls.AUTO
    assert settings.shown()["mail.smtp.starttls"] == "auto"


@pytest.mark.parametrize(
    ("written", "mode"),
    [
        ("auto", StartTls.AUTO),
        ("Auto", StartTls.AUTO),
        ("true", StartTls.REQUIRED),
        ("on", StartTls.REQUIRED),
        ("false", StartTls.NEVER),
        ("no", StartTls.NEVER),
    ],
)
def test_starttls_is_auto_true_or_false(written: str, mode: StartTls) -> None:
    settings = load_settings(env={"RECTRACK_MAIL_SMTP_STARTTLS": written})
    assert settings.mail_smtp_starttls is mode


def test_starttls_may_be_a_toml_boolean(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "[mail.smtp]\nstarttls = false\n")
    assert load_settings(path, {}).mail_smtp_starttls is StartTls.NEVER


def test_implicit_tls_goes_with_starttls_auto() -> None:
    settings = load_settings(env={"RECTRACK_MAIL_SMTP_TLS": "true"})
    assert (settings.mail_smtp_tls, settings.mail_smtp_starttls) == (True, StartTls.AUTO)


def test_asking_for_tls_and_starttls_is_refused() -> None:
    error = refusal({"RECTRACK_MAIL_SMTP_TLS": "true", "RECTRACK_MAIL_SMTP_STARTTLS": "true"})
    assert error.key == "mail.smtp.tls"


def test_the_sender_may_carry_a_display_name() -> None:
    settings = load_settings(
        env={"RECTRACK_MAIL_SENDER": "Scrutiny Team <scrutiny@council.example>"}
    )
    assert settings.sender == Mailbox("scrutiny@council.example", "Scrutiny Team")


def test_the_clerk_may_carry_a_display_name(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[mail]\nclerk = "Clara Clerk <clerk@council.example>"\n')
    assert load_settings(path, {}).clerk == Mailbox("clerk@council.example", "Clara Clerk")


def test_no_clerk_is_set_by_default() -> None:
    assert Settings.defaults().clerk is None


def test_config_show_shows_the_sender_as_written() -> None:
    written = '"Scrutiny, Team" <scrutiny@council.example>'
    assert load_settings(env={"RECTRACK_MAIL_SENDER": written}).shown()["mail.sender"] == written


def test_config_show_masks_secrets() -> None:
    env = {"RECTRACK_DATABASE_URL": PG, "RECTRACK_MAIL_SMTP_PASSWORD": "hunter2"}
    shown = load_settings(env=env).shown()
    assert shown["database.url"] == "postgresql+psycopg://rt:********@db.example/rt"
    assert shown["mail.smtp.password"] == "********"
    assert "s3cret" not in str(shown) and "hunter2" not in str(shown)


def test_config_show_masks_a_password_given_in_the_query() -> None:
    url = "postgresql+psycopg://rt@db.example/rt?sslmode=require&password=s3cret"
    shown = load_settings(env={"RECTRACK_DATABASE_URL": url}).shown()
    assert shown["database.url"] == (
        "postgresql+psycopg://rt@db.example/rt?sslmode=require&password=********"
    )


def test_config_show_leaves_a_url_without_password_alone() -> None:
    assert load_settings(env={}).shown()["database.url"] == "sqlite:///rectrack.db"


def test_config_show_shows_every_setting_as_text() -> None:
    shown = load_settings(env={}).shown()
    assert shown["reports.response_period"] == "2 months"
    assert shown["reminders.monitoring_lead_days"] == "14, 3"
    assert shown["reminders.send_at"] == "08:00"
    assert shown["mail.smtp.password"] == ""
