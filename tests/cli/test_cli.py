"""The `factbot` command line as a user runs it: check, ask, schema, console, start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.loading.loader import knowledge_files, model_json_schema
from tests.conftest import LIVE_KNOWLEDGE, ROOT


def factbot(
    *args: str, stdin: str | None = None, env: dict | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli.main", *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_check_passes_on_the_shipped_knowledge(capsys):
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK:")
    for word in ("articles:", "entities:", "claims:", "references:", "every quote verified"):
        assert word in out


def test_check_fails_with_located_errors(kb_copy, capsys):
    people = kb_copy / "knowledge" / "people.yaml"
    people.write_text(
        people.read_text(encoding="utf-8").replace("aliases:", "aliasses:", 1), encoding="utf-8"
    )
    assert main(["check", "--knowledge", str(kb_copy / "knowledge")]) == 1
    err = capsys.readouterr().err
    assert "knowledge/people.yaml:" in err and "unknown key 'aliasses'" in err
    assert "nothing was loaded" in err


def test_check_json(kb_copy, capsys):
    assert main(["check", "--json", "--knowledge", str(kb_copy / "knowledge")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] and doc["summary"]["articles"] == 1


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("who lavrov", 0),
        ("what kaz", 1),
        ("who Medvedev", 1),
        ("frobnicate", 2),
        ("who", 2),
        ("on 2012-13-45", 2),
        ("who " + "x" * 5000, 2),
    ],
)
def test_ask_exit_codes(question, code, capsys):
    assert main(["ask", question]) == code
    out = capsys.readouterr().out
    assert out.strip()
    if code == 2:
        assert "Usage:" in out


def test_ask_json_shape(capsys):
    assert main(["ask", "--json", "who kazykhanov"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "ok"
    assert set(doc) >= {"status", "text", "results", "citations", "suggestions"}
    assert doc["entity"]["id"] == "yerzhan-kazykhanov"
    assert "Yerzhan Kazykhanov" in doc["text"]
    cite = doc["citations"][0]
    assert {"article", "paragraph", "quote", "cites", "claim"} <= set(cite)
    assert all(r["citations"] for r in doc["results"] if r["heading"] != "Also known as")


def test_ask_json_did_you_mean(capsys):
    assert main(["ask", "--json", "what kaz"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "not_found"
    assert doc["suggestions"] and all("command" in s for s in doc["suggestions"])


def test_ask_explain(capsys):
    main(["ask", "--explain", "who nazarbaev"])
    out = capsys.readouterr().out
    assert "Match:" in out and "nursultan-nazarbayev" in out


def test_ask_pages(capsys):
    main(["ask", "timeline"])
    first = capsys.readouterr().out
    assert "Page 1 of" in first and "--page 2" in first
    main(["ask", "timeline", "--page", "2"])
    second = capsys.readouterr().out
    assert "Page 2 of" in second and second != first


def test_schema_file_is_current_and_referenced():
    """docs/knowledge.schema.json is what `factbot schema` writes today."""
    committed = json.loads((ROOT / "docs" / "knowledge.schema.json").read_text(encoding="utf-8"))
    assert committed == model_json_schema()
    for path in knowledge_files(LIVE_KNOWLEDGE):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("=", 1)[1]).resolve()
        assert target == (ROOT / "docs" / "knowledge.schema.json").resolve(), path


def test_start_without_token_opens_the_console(tmp_path):
    env = {"DISCORD_TOKEN": ""}
    result = factbot("start", stdin="who lavrov\nquit\n", env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "No DISCORD_TOKEN set" in result.stderr
    assert "Sergei Lavrov" in result.stdout


def test_run_without_token_explains(tmp_path):
    result = factbot("run", env={"DISCORD_TOKEN": ""}, cwd=tmp_path)
    assert result.returncode == 2
    assert "DISCORD_TOKEN" in result.stderr and "factbot console" in result.stderr
    assert "Traceback" not in result.stderr


def test_console_through_a_pseudo_terminal():
    """The console as a person uses it: a prompt, answers, history, Ctrl-D to leave."""
    import pexpect

    child = pexpect.spawn(
        sys.executable,
        ["-m", "bot.cli.main", "console"],
        cwd=str(ROOT),
        env={**os.environ, "HOME": str(ROOT / ".pytest_cache")},
        encoding="utf-8",
        timeout=30,
    )
    child.expect("factbot> ")
    child.sendline("who serdiukov")
    child.expect("Anatoliy Serdyukov")
    child.expect("factbot> ")
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_bad_config_is_one_line(tmp_path, capsys):
    bad = tmp_path / "config.yaml"
    bad.write_text("prefix: ''\nunknown_setting: 1\n", encoding="utf-8")
    assert main(["check", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "Config error" in err and "unknown_setting" in err


def test_ask_image_writes_the_picture(tmp_path, capsys):
    out = tmp_path / "out.png"
    assert main(["ask", "timeline csto", "--image", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert main(["ask", "who lavrov", "--image", str(tmp_path / "none.png")]) == 0
    assert "no picture for this kind of answer" in capsys.readouterr().err
    assert not (tmp_path / "none.png").exists()


def test_a_reader_that_goes_away_gets_no_traceback():
    """`factbot ask timeline | head -1`: the pipe closes before the answer is written."""
    read, write = os.pipe()
    os.close(read)  # nobody will read: the first write fails with a broken pipe
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli.main", "ask", "timeline"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
    finally:
        os.close(write)
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
    assert result.returncode == 141
