"""Starting the bot: an unreachable Discord is one friendly line, and the token's .env is
the one next to config.yaml, refused when every user of the machine may write it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.config import env_file
from bot.discord.runner import find_token
from tests.conftest import KNOWLEDGE, ROOT, SEEDS


def closed_port() -> int:
    """A 127.0.0.1 port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(folder: Path, **discord: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"knowledge_dir: {KNOWLEDGE}", f"seeds_dir: {SEEDS}", f"cache_dir: {folder}/cache"]
    if discord:
        lines += ["discord:"] + [f"  {k}: {v}" for k, v in discord.items()]
    path = folder / "config.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_unreachable_discord_is_one_friendly_line(tmp_path):
    api = f"http://127.0.0.1:{closed_port()}/api/v10"
    config = write_config(tmp_path, api_base=api)
    env = {**os.environ, "DISCORD_TOKEN": "not.a.real-token", "FACTBOT_CONFIG": str(config)}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "run", "--config", str(config)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"Cannot reach Discord at {api}: ")
    assert "Check the network connection" in last
    assert "not.a.real-token" not in done.stderr + done.stdout
    assert len(done.stderr.strip().splitlines()) < 8  # a few log lines, not 75 of traceback


@pytest.fixture
def no_env_token(monkeypatch):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)


def test_a_world_writable_env_is_refused_with_a_warning(tmp_path, no_env_token, capsys):
    path = tmp_path / ".env"
    path.write_text("DISCORD_TOKEN=planted\n", encoding="utf-8")
    path.chmod(0o666)
    assert find_token(path) is None
    err = capsys.readouterr().err
    assert f"{path} is writable by every user" in err and f"chmod 600 {path}" in err
    path.chmod(0o600)
    assert find_token(path) == "planted"


def test_the_env_next_to_config_yaml_is_read_not_the_current_folders(
    tmp_path, no_env_token, monkeypatch
):
    config = write_config(tmp_path / "deploy")
    (tmp_path / "deploy" / ".env").write_text("DISCORD_TOKEN=right\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / ".env").write_text("DISCORD_TOKEN=wrong\n", encoding="utf-8")
    monkeypatch.chdir(elsewhere)
    assert env_file(config) == (tmp_path / "deploy" / ".env").resolve()
    assert find_token(env_file(config)) == "right"
    monkeypatch.setenv("FACTBOT_CONFIG", str(config))  # the default config, from the env
    assert find_token() == "right"


def test_no_token_names_the_env_file_it_looked_for(tmp_path, no_env_token, capsys):
    config = write_config(tmp_path / "deploy")
    assert main(["run", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "No Discord token" in err
    assert str((tmp_path / "deploy" / ".env").resolve()) in err
