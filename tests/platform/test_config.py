import pytest

from satupintu.config import ConfigError, Settings

SECRET = "x" * 40


def test_defaults_to_sqlite_under_var_and_in_process_broker():
    settings = Settings.from_env({"SATUPINTU_SECRET_KEY": SECRET})
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.database_url.endswith("var/satupintu.db")
    assert settings.broker_kind == "memory"
    assert settings.migration_database_url == settings.database_url


@pytest.mark.parametrize(("url", "expected"), [
    ("postgresql://app@db/satupintu", "postgresql+asyncpg://app@db/satupintu"),
    ("postgres://app@db/satupintu", "postgresql+asyncpg://app@db/satupintu"),
    ("postgresql+asyncpg://app@db/satupintu", "postgresql+asyncpg://app@db/satupintu"),
    ("sqlite:///var/x.db", "sqlite+aiosqlite:///var/x.db"),
])
def test_database_urls_are_normalised(url, expected):
    assert Settings.from_env({"SATUPINTU_DATABASE_URL": url, "SATUPINTU_SECRET_KEY": SECRET}).database_url == expected


def test_migration_url_falls_back_and_can_differ():
    env = {"SATUPINTU_DATABASE_URL": "postgresql://app@db/s", "SATUPINTU_SECRET_KEY": SECRET}
    assert Settings.from_env(env).migration_database_url == "postgresql+asyncpg://app@db/s"
    env["SATUPINTU_MIGRATION_DATABASE_URL"] = "postgresql://owner@db/s"
    assert Settings.from_env(env).migration_database_url == "postgresql+asyncpg://owner@db/s"


@pytest.mark.parametrize(("env", "message"), [
    ({"SATUPINTU_DATABASE_URL": "mysql://x@y/z"}, "SATUPINTU_DATABASE_URL"),
    ({"SATUPINTU_DATABASE_URL": "not a url"}, "SATUPINTU_DATABASE_URL"),
    ({"SATUPINTU_BROKER_URL": "kafka://x"}, "SATUPINTU_BROKER_URL"),
    ({"SATUPINTU_PORT": "eighty"}, "SATUPINTU_PORT"),
    ({"SATUPINTU_TENANT_HOSTS": "mpp.banyuwangikab.go.id"}, "SATUPINTU_TENANT_HOSTS"),
    ({"SATUPINTU_ENV": "production"}, "SATUPINTU_SECRET_KEY"),
    ({"SATUPINTU_SECRET_KEY": "short"}, "SATUPINTU_SECRET_KEY"),
    ({"SATUPINTU_DATABASE_POOL_SIZE": "twenty"}, "SATUPINTU_DATABASE_POOL_SIZE must be a whole number"),
    ({"SATUPINTU_DATABASE_POOL_SIZE": "0"}, "SATUPINTU_DATABASE_POOL_SIZE must be between 1 and 500"),
    ({"SATUPINTU_DATABASE_MAX_OVERFLOW": "-1"}, "SATUPINTU_DATABASE_MAX_OVERFLOW must be between 0 and 500"),
])
def test_bad_configuration_names_the_variable(env, message):
    env = {"SATUPINTU_SECRET_KEY": SECRET, **env} if "SATUPINTU_SECRET_KEY" not in env and "SATUPINTU_ENV" not in env else env
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


@pytest.mark.parametrize(("url", "kind"), [
    ("redis://127.0.0.1:6379/0", "redis"), ("amqp://guest:guest@127.0.0.1:5672/", "amqp"), ("memory://", "memory"),
])
def test_broker_is_chosen_by_url(url, kind):
    assert Settings.from_env({"SATUPINTU_BROKER_URL": url, "SATUPINTU_SECRET_KEY": SECRET}).broker_kind == kind


def test_demo_secret_is_generated_once_and_kept(tmp_path, monkeypatch):
    import satupintu.config as config

    monkeypatch.setattr(config, "VAR_DIR", tmp_path)
    first = Settings.from_env({}).secret_key
    assert len(first) >= 32
    assert Settings.from_env({}).secret_key == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_tenant_hosts_are_parsed():
    settings = Settings.from_env({"SATUPINTU_SECRET_KEY": SECRET,
                                  "SATUPINTU_TENANT_HOSTS": "mpp.banyuwangikab.go.id=banyuwangi, MPP.Purbalinggakab.go.id=purbalingga"})
    assert settings.tenant_hosts == {"mpp.banyuwangikab.go.id": "banyuwangi", "mpp.purbalinggakab.go.id": "purbalingga"}


def test_smtp_settings_for_reminders():
    base = {"SATUPINTU_SECRET_KEY": SECRET, "SATUPINTU_SMTP_HOST": "smtp.banyuwangikab.go.id",
            "SATUPINTU_SMTP_FROM": "mpp@banyuwangikab.go.id"}
    assert Settings.from_env({"SATUPINTU_SECRET_KEY": SECRET}).smtp is None
    smtp = Settings.from_env({**base, "SATUPINTU_SMTP_USER": "mpp", "SATUPINTU_SMTP_PASSWORD": "rahasia"}).smtp
    assert (smtp.host, smtp.port, smtp.security, smtp.user) == ("smtp.banyuwangikab.go.id", 587, "starttls", "mpp")
    assert "rahasia" not in repr(smtp)
    assert Settings.from_env({**base, "SATUPINTU_SMTP_SECURITY": "ssl"}).smtp.port == 465
    for broken, variable in (({"SATUPINTU_SMTP_FROM": ""}, "SATUPINTU_SMTP_FROM"),
                             ({"SATUPINTU_SMTP_SECURITY": "tls9"}, "SATUPINTU_SMTP_SECURITY"),
                             ({"SATUPINTU_SMTP_PORT": "dua"}, "SATUPINTU_SMTP_PORT")):
        with pytest.raises(ConfigError, match=variable):
            Settings.from_env({**base, **broken})
