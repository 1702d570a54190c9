"""config.yaml is read as strictly as the knowledge files, and its errors are located."""

from __future__ import annotations

import pytest

from bot.cli.main import main
from bot.config import ConfigError, load_settings


def _error(tmp_path, text: str) -> str:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return str(caught.value)


def test_a_duplicate_key_is_refused_with_its_line(tmp_path):
    message = _error(tmp_path, "prefix: '!'\npage_size: 5\nprefix: '?'\n")
    assert message.startswith(f"{tmp_path / 'config.yaml'}:3:1: ")
    assert "prefix" in message and "duplicate" in message.lower()


def test_a_bad_value_says_line_and_column(tmp_path):
    message = _error(tmp_path, "discord:\n  cooldown:\n    rate: 0\n")
    assert message.startswith(f"{tmp_path / 'config.yaml'}:3:11: discord.cooldown.rate: ")
    assert "greater than or equal to 1" in message


def test_a_syntax_error_is_located_and_shows_no_text_of_the_file(tmp_path):
    secret = "Mz" + "q" * 40
    message = _error(tmp_path, f'prefix: "!\nnote: {secret}\n')
    assert message.startswith(f"{tmp_path / 'config.yaml'}:1:9: YAML syntax error")
    assert "from line 1, column 9" in message and secret[-8:] not in message


def test_unsafe_tags_in_the_config_are_refused(tmp_path):
    marker = tmp_path / "ran"
    message = _error(
        tmp_path, f"prefix: !!python/object/apply:pathlib.Path.touch [{str(marker)!r}]\n"
    )
    assert "config.yaml:1:" in message and not marker.exists()


def test_the_cli_reports_a_duplicate_key_in_one_line(tmp_path, capsys):
    path = tmp_path / "config.yaml"
    path.write_text("page_size: 5\npage_size: 6\n", encoding="utf-8")
    assert main(["check", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Config error" in err and "config.yaml:2:1" in err and "Traceback" not in err


def test_an_empty_config_means_the_defaults(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("# nothing set yet\n", encoding="utf-8")
    assert load_settings(path).prefix == "!"
