"""The bot's settings from config.yaml (typed). The Discord token is never read from here.

config.yaml is read with the knowledge files' YAML reader: duplicate keys are refused and
every problem says line and column."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.loading.yamlsource import read_yaml

DEFAULT_CONFIG = Path("config.yaml")
CONFIG_ENV = "FACTBOT_CONFIG"  # another default config file, e.g. for a second deployment


class ConfigError(Exception):
    """A config file that cannot be used; the message says which key and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cooldown(_Strict):
    rate: int = Field(5, ge=1, description="Commands a user may send ...")
    per_seconds: float = Field(10.0, gt=0, description="... within this many seconds.")


class DiscordSettings(_Strict):
    guilds: list[int] = Field(default_factory=list, description="Guilds to sync slash commands to.")
    team_channels: list[int] = Field(
        default_factory=list, description="Channels where the bot answers; empty means all."
    )
    team_roles: list[int] = Field(
        default_factory=list, description="If set, only members with one of these roles may ask."
    )
    admin_roles: list[int] = Field(default_factory=list, description="Roles allowed to reload.")
    ops_channel: int | None = Field(None, description="Where reload reports are posted.")
    allow_dms: bool = False
    message_content: bool = Field(
        True,
        description="Use the privileged Message Content intent (prefix commands). False: "
        "slash-only mode, answering slash commands and mentions of the bot.",
    )
    cooldown: Cooldown = Field(default_factory=Cooldown)
    api_base: str | None = Field(None, description="Another Discord-compatible REST base URL.")
    gateway_url: str | None = Field(None, description="Another Discord-compatible gateway URL.")
    shard_count: int | None = Field(None, ge=1, description="Turn on sharding with this count.")
    shard_ids: list[int] | None = Field(None, description="The shards this process runs.")
    page_timeout: float = Field(300.0, gt=0, description="Seconds before page buttons expire.")


class ClusterSettings(_Strict):
    """Several processes sharing the gateway by Discord's own sharding (README: running
    several processes); `factbot run --shards N --processes K` overrides both."""

    shards: int | None = Field(
        None, ge=1, description="Discord shards in all (default: one per process)."
    )
    processes: int = Field(1, ge=1, description="Processes to start; each owns some shards.")

    @model_validator(mode="after")
    def _fits(self) -> ClusterSettings:
        if self.shards is not None and self.processes > self.shards:
            raise ValueError(
                f"processes ({self.processes}) cannot exceed shards ({self.shards}): "
                "each process needs at least one shard"
            )
        return self

    def overridden(self, shards: int | None, processes: int | None) -> ClusterSettings:
        """These settings with the command line's `--shards` / `--processes` (when given)
        in their place; ValueError, saying why, if the result does not fit."""
        data = self.model_dump()
        for key, value in (("shards", shards), ("processes", processes)):
            if value is not None and value < 1:
                raise ValueError(f"--{key} must be at least 1 (got {value})")
            if value is not None:
                data[key] = value
        try:
            return ClusterSettings.model_validate(data)
        except ValidationError as exc:
            raise ValueError(
                "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
            ) from None

    @property
    def shard_count(self) -> int:
        """Shards in all: as set, else one per process."""
        return self.shards or self.processes

    def plan(self) -> list[list[int]]:
        """The shard ids each process owns: process i owns i, i + K, i + 2K, ..."""
        return [list(range(i, self.shard_count, self.processes)) for i in range(self.processes)]


class MatchingSettings(_Strict):
    answer_score: float | None = Field(None, ge=0, le=100)
    margin: float | None = Field(None, ge=0, le=100)
    floor: float | None = Field(None, ge=0, le=100)


class SiteSettings(_Strict):
    url: str | None = Field(
        None,
        pattern=r"^https?://[^\s<>\"']+$",
        description="Where the static site is published; answers then link to its pages.",
    )
    out: Path | None = Field(None, description="Where `factbot site` (and reloads) build it.")


class Settings(_Strict):
    prefix: str = Field("!", min_length=1, max_length=5)
    knowledge_dir: Path = Path("knowledge")
    seeds_dir: Path = Path("seeds")
    cache_dir: Path = Path(".factbot-cache")
    max_query_length: int = Field(300, ge=10, le=2000)
    page_size: int = Field(8, ge=1, le=25, description="Answer lines per page.")
    reload_debounce: float = Field(1.0, ge=0)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    matching: MatchingSettings = Field(default_factory=MatchingSettings)
    site: SiteSettings = Field(default_factory=SiteSettings)
    cluster: ClusterSettings = Field(default_factory=ClusterSettings)

    def resolved(self, base: Path) -> Settings:
        """Relative paths are relative to the config file's folder."""
        update: dict[str, object] = {
            k: (base / getattr(self, k)) if not getattr(self, k).is_absolute() else getattr(self, k)
            for k in ("knowledge_dir", "seeds_dir", "cache_dir")
        }
        if self.site.out is not None and not self.site.out.is_absolute():
            update["site"] = self.site.model_copy(update={"out": base / self.site.out})
        return self.model_copy(update=update)


def config_file(path: Path | None = None) -> Path:
    """The config file `load_settings(path)` reads: `path`, else $FACTBOT_CONFIG, else
    config.yaml in the current folder (it need not exist)."""
    if path is None and os.environ.get(CONFIG_ENV):
        path = Path(os.environ[CONFIG_ENV])
    return Path(path) if path else DEFAULT_CONFIG


def env_file(path: Path | None = None) -> Path:
    """The `.env` that may hold DISCORD_TOKEN: next to the config file, wherever the bot is
    started from."""
    return config_file(path).resolve().parent / ".env"


def load_settings(path: Path | None = None) -> Settings:
    """Read config.yaml; a missing default file means defaults, a bad one is a ConfigError."""
    explicit = path is not None or bool(os.environ.get(CONFIG_ENV))
    path = config_file(path)
    if not path.exists():
        if explicit:
            raise ConfigError(f"{path}: the config file does not exist.")
        return Settings().resolved(Path.cwd())
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config: {exc.strerror or exc}") from None
    doc = read_yaml(str(path), raw)
    if doc.problems:  # located; never PyYAML's snippet of the text (it could show a secret)
        raise ConfigError("\n".join(str(p) for p in doc.problems))
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        raise ConfigError(str(doc.problem((), "the config must be a mapping of settings.")))
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        lines = [
            str(doc.problem(tuple(e["loc"]), f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"))
            for e in exc.errors(include_url=False)
        ]
        raise ConfigError("\n".join(lines)) from None
    return settings.resolved(path.resolve().parent)
