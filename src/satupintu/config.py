"""Settings, read from the environment only (twelve-factor), so one image serves every deployment."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(os.environ.get("SATUPINTU_HOME", Path(__file__).resolve().parents[2]))
VAR_DIR = Path(os.environ.get("SATUPINTU_VAR_DIR", PROJECT_ROOT / "var"))


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _sqlite_default() -> str:
    return f"sqlite+aiosqlite:///{VAR_DIR / 'satupintu.db'}"


_DB_SCHEMES = ("sqlite+aiosqlite", "postgresql+asyncpg")
_BROKER_SCHEMES = ("memory", "redis", "rediss", "amqp", "amqps")


def normalise_database_url(url: str, variable: str = "SATUPINTU_DATABASE_URL") -> str:
    """Accept the common spellings (postgresql://, postgres://, sqlite://) and return the async one."""
    scheme, sep, rest = url.partition("://")
    if not sep or not rest:
        raise ConfigError(f"{variable} is not a database URL: {url!r}")
    scheme = {
        "postgres": "postgresql+asyncpg",
        "postgresql": "postgresql+asyncpg",
        "sqlite": "sqlite+aiosqlite",
    }.get(scheme, scheme)
    if scheme not in _DB_SCHEMES:
        raise ConfigError(
            f"{variable} must start with postgresql+asyncpg:// or sqlite+aiosqlite://, got {url!r}"
        )
    return f"{scheme}://{rest}"


def _parse_hosts(raw: str) -> dict[str, str]:
    hosts: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        host, sep, slug = item.partition("=")
        if not sep or not host or not slug:
            raise ConfigError(
                f"SATUPINTU_TENANT_HOSTS entries look like host=slug, got {item!r}"
            )
        hosts[host.strip().lower()] = slug.strip()
    return hosts


@dataclass(frozen=True)
class SmtpSettings:
    """Where e-mail (booking reminders) goes out; see satupintu.notify."""

    host: str
    port: int = 587
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "no-reply@localhost"
    security: str = "starttls"  # starttls, ssl, or none (a relay on the same host or network)
    timeout: float = 20.0


_SMTP_SECURITY = ("starttls", "ssl", "none")


def _smtp(env: dict[str, str]) -> SmtpSettings | None:
    host = env.get("SATUPINTU_SMTP_HOST", "").strip()
    if not host:
        return None
    security = env.get("SATUPINTU_SMTP_SECURITY", "starttls").strip().lower()
    if security not in _SMTP_SECURITY:
        raise ConfigError(f"SATUPINTU_SMTP_SECURITY must be one of {', '.join(_SMTP_SECURITY)}, got {security!r}")
    try:
        port = int(env.get("SATUPINTU_SMTP_PORT", "465" if security == "ssl" else "587"))
    except ValueError as exc:
        raise ConfigError("SATUPINTU_SMTP_PORT must be a number") from exc
    sender = env.get("SATUPINTU_SMTP_FROM", "").strip()
    if "@" not in sender:
        raise ConfigError("SATUPINTU_SMTP_FROM (the sender's address, e.g. mpp@banyuwangikab.go.id) is required "
                          "with SATUPINTU_SMTP_HOST")
    return SmtpSettings(host=host, port=port, user=env.get("SATUPINTU_SMTP_USER") or None,
                        password=env.get("SATUPINTU_SMTP_PASSWORD") or None, sender=sender, security=security)


@dataclass(frozen=True)
class S3Settings:
    """How to reach S3-compatible object storage (see satupintu.storage). Without keys, boto3's own
    chain applies (an instance or workload role, AWS_* variables, a shared credentials file)."""

    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)


_STORAGE_SCHEMES = ("file", "s3")
MAX_UPLOAD_MB = 50


def _storage_url(env: dict[str, str]) -> str:
    url = env.get("SATUPINTU_STORAGE_URL", "").strip() or (VAR_DIR / "uploads").as_uri()
    parts = urlsplit(url)
    if parts.scheme not in _STORAGE_SCHEMES:
        raise ConfigError(f"SATUPINTU_STORAGE_URL must be file:///a/folder or s3://bucket/prefix, got {url!r}")
    if parts.scheme == "file" and (parts.netloc not in ("", "localhost") or not parts.path.startswith("/")):
        raise ConfigError(f"SATUPINTU_STORAGE_URL must name an absolute folder (file:///srv/uploads), got {url!r}")
    if parts.scheme == "s3" and not parts.netloc:
        raise ConfigError(f"SATUPINTU_STORAGE_URL must name a bucket (s3://bucket/prefix), got {url!r}")
    return url


def _s3(env: dict[str, str]) -> S3Settings:
    endpoint = env.get("SATUPINTU_S3_ENDPOINT_URL", "").strip() or None
    if endpoint and urlsplit(endpoint).scheme not in ("http", "https"):
        raise ConfigError(f"SATUPINTU_S3_ENDPOINT_URL must be an http(s):// address, got {endpoint!r}")
    key_id = env.get("SATUPINTU_S3_ACCESS_KEY_ID", "").strip() or None
    secret = env.get("SATUPINTU_S3_SECRET_ACCESS_KEY", "").strip() or None
    if bool(key_id) != bool(secret):
        raise ConfigError("SATUPINTU_S3_ACCESS_KEY_ID and SATUPINTU_S3_SECRET_ACCESS_KEY go together")
    return S3Settings(endpoint_url=endpoint, region=env.get("SATUPINTU_S3_REGION", "").strip() or None,
                      access_key_id=key_id, secret_access_key=secret)


def _whole_number(env: dict[str, str], variable: str, default: int, least: int, most: int, unit: str = "") -> int:
    """A setting that is a whole number between ``least`` and ``most``; the error names the variable."""
    raw = env.get(variable, str(default)).strip()
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{variable} must be a whole number{unit}, got {raw!r}") from exc
    if not least <= value <= most:
        raise ConfigError(f"{variable} must be between {least} and {most}, got {value}")
    return value


MAX_POOL = 500


@dataclass(frozen=True)
class Settings:
    database_url: str
    migration_database_url: str
    broker_url: str
    secret_key: str
    production: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    app_role: str = "satupintu_app"
    tenant_hosts: dict[str, str] = field(default_factory=dict)
    redis_url: str | None = None
    redis_namespace: str = "satupintu"
    max_body_bytes: int = 1_048_576
    log_json: bool = False
    forwarded_allow_ips: str = "127.0.0.1"
    oidc_allow_loopback: bool = False
    public_url: str = "http://127.0.0.1:8000"
    queue_always_open: bool = False
    smtp: SmtpSettings | None = None
    storage_url: str = field(default_factory=lambda: (VAR_DIR / "uploads").as_uri())
    s3: S3Settings = field(default_factory=S3Settings)
    upload_max_bytes: int = 5 * 1024 * 1024
    database_pool_size: int = 20
    database_max_overflow: int = 10

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    def pool_options(self) -> dict[str, int]:
        """The web process's connection pool (PostgreSQL): ``database_pool_size`` connections kept open,
        and at most ``database_max_overflow`` more opened for a burst and closed when it ends. A burst
        beyond the pool pays a new connection (TLS and authentication) per request, so the pool holds
        as many as the process has requests waiting on the database at once."""
        if not self.is_postgres:
            return {}
        return {"pool_size": self.database_pool_size, "max_overflow": self.database_max_overflow}

    @property
    def broker_kind(self) -> str:
        scheme = urlsplit(self.broker_url).scheme
        return {"rediss": "redis", "amqps": "amqp"}.get(scheme, scheme)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        production = env.get("SATUPINTU_ENV", "development").lower() == "production"
        database_url = normalise_database_url(
            env.get("SATUPINTU_DATABASE_URL") or _sqlite_default()
        )
        migration_url = env.get("SATUPINTU_MIGRATION_DATABASE_URL")
        migration_url = (
            normalise_database_url(migration_url, "SATUPINTU_MIGRATION_DATABASE_URL")
            if migration_url
            else database_url
        )
        broker_url = env.get("SATUPINTU_BROKER_URL") or "memory://"
        if urlsplit(broker_url).scheme not in _BROKER_SCHEMES:
            raise ConfigError(
                "SATUPINTU_BROKER_URL must be memory://, redis://... or amqp://..., "
                f"got {broker_url!r}"
            )
        secret = env.get("SATUPINTU_SECRET_KEY")
        if not secret:
            if production:
                raise ConfigError("SATUPINTU_SECRET_KEY is required when SATUPINTU_ENV=production")
            secret = _demo_secret()
        elif len(secret) < 32:
            raise ConfigError("SATUPINTU_SECRET_KEY must be at least 32 characters long")
        oidc_allow_loopback = env.get("SATUPINTU_OIDC_ALLOW_LOOPBACK", "") == "1"
        if oidc_allow_loopback and production:
            raise ConfigError("SATUPINTU_OIDC_ALLOW_LOOPBACK is for development and tests only, not production")
        always_open = env.get("SATUPINTU_QUEUE_ALWAYS_OPEN", "").lower() in {"1", "true", "yes"}
        if always_open and production:
            raise ConfigError("SATUPINTU_QUEUE_ALWAYS_OPEN is a demo setting and cannot be used in production")
        try:
            port = int(env.get("SATUPINTU_PORT", "8000"))
        except ValueError as exc:
            raise ConfigError("SATUPINTU_PORT must be a number") from exc
        return cls(
            database_url=database_url,
            migration_database_url=migration_url,
            broker_url=broker_url,
            secret_key=secret,
            production=production,
            host=env.get("SATUPINTU_HOST", "127.0.0.1"),
            port=port,
            app_role=env.get("SATUPINTU_DB_APP_ROLE", "satupintu_app"),
            tenant_hosts=_parse_hosts(env.get("SATUPINTU_TENANT_HOSTS", "")),
            redis_url=env.get("SATUPINTU_REDIS_URL")
            or (broker_url if broker_url.startswith("redis") else None),
            redis_namespace=env.get("SATUPINTU_REDIS_NAMESPACE", "satupintu"),
            log_json=env.get("SATUPINTU_LOG_FORMAT", "json" if production else "console") == "json",
            forwarded_allow_ips=env.get("SATUPINTU_FORWARDED_ALLOW_IPS", "127.0.0.1"),
            oidc_allow_loopback=oidc_allow_loopback,
            public_url=_public_url(env, production, env.get("SATUPINTU_HOST", "127.0.0.1"), port),
            queue_always_open=always_open,
            smtp=_smtp(env),
            storage_url=_storage_url(env),
            s3=_s3(env),
            upload_max_bytes=_whole_number(env, "SATUPINTU_UPLOAD_MAX_MB", 5, 1, MAX_UPLOAD_MB,
                                           " of megabytes") * 1024 * 1024,
            database_pool_size=_whole_number(env, "SATUPINTU_DATABASE_POOL_SIZE", 20, 1, MAX_POOL),
            database_max_overflow=_whole_number(env, "SATUPINTU_DATABASE_MAX_OVERFLOW", 10, 0, MAX_POOL),
        )


def _public_url(env: dict[str, str], production: bool, host: str, port: int) -> str:
    """Where people reach the platform, e.g. https://mpp.example.go.id: absolute links and the single
    sign-on redirect are built from it (and from SATUPINTU_TENANT_HOSTS), never from a Host header."""
    url = env.get("SATUPINTU_PUBLIC_URL", "").strip().rstrip("/")
    if not url:
        if production:
            raise ConfigError("SATUPINTU_PUBLIC_URL is required when SATUPINTU_ENV=production, "
                              "e.g. https://mpp.example.go.id")
        return f"http://{host}:{port}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
        raise ConfigError(f"SATUPINTU_PUBLIC_URL must look like https://mpp.example.go.id, got {url!r}")
    if production and parts.scheme != "https":
        raise ConfigError("SATUPINTU_PUBLIC_URL must be https:// in production")
    return url


def _demo_secret() -> str:
    """Generate the demo's secret once and keep it under var/, so sessions survive restarts."""
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
