"""The cluster's parent: which shards each process owns, bad numbers refused in one line,
a child that fails to start fails the start, a crashing child restarted a few times only,
and a stop forwarded to every child."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.config import ClusterSettings
from bot.discord import cluster
from bot.discord.cluster import Supervisor
from tests.conftest import KNOWLEDGE, ROOT, SEEDS


def test_process_i_owns_shards_i_i_plus_k_and_so_on():
    assert ClusterSettings(shards=5, processes=2).plan() == [[0, 2, 4], [1, 3]]
    assert ClusterSettings(processes=3).plan() == [[0], [1], [2]]  # a shard per process
    assert ClusterSettings().plan() == [[0]]
    assert ClusterSettings().overridden(4, None).plan() == [[0, 1, 2, 3]]  # one process


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--shards", "2", "--processes", "3"], "processes (3) cannot exceed shards (2)"),
        (["--shards", "0"], "--shards must be at least 1 (got 0)"),
        (["--processes", "0"], "--processes must be at least 1 (got 0)"),
        (["--shard-ids", "0,5", "--shards", "2"], "distinct shard ids from 0 to 1"),
    ],
)
def test_bad_numbers_are_one_line_and_exit_2(tmp_path, capsys, monkeypatch, flags, said):
    monkeypatch.setenv("DISCORD_TOKEN", "never.used")
    config = tmp_path / "config.yaml"
    config.write_text(f"knowledge_dir: {KNOWLEDGE}\nseeds_dir: {SEEDS}\n", encoding="utf-8")
    assert main(["run", "--config", str(config), *flags]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"factbot run: {err.strip().removeprefix('factbot run: ')}"
    assert said in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_bad_cluster_section_is_a_config_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "never.used")
    config = tmp_path / "config.yaml"
    config.write_text("cluster:\n  shards: 1\n  processes: 2\n", encoding="utf-8")
    assert main(["run", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "Config error" in err and "processes (2) cannot exceed shards (1)" in err
    assert "Traceback" not in err


def script(body: str) -> list[str]:
    """A stand-in child: Python running `body`, with `up()` telling the parent it is up."""
    prelude = (
        "import os, sys, time, signal\n"
        "def up():\n"
        "    fd = int(os.environ['FACTBOT_READY_FD']); os.write(fd, b'ready\\n'); os.close(fd)\n"
    )
    return [sys.executable, "-c", prelude + body]


def test_a_child_that_fails_to_start_fails_the_start(tmp_path):
    started = tmp_path / "started"
    body = f"open({str(started)!r}, 'a').write(sys.argv[1] + '\\n'); sys.exit(3)"
    supervisor = Supervisor(lambda ids: [*script(body), str(ids)], [[0], [1]], "token")
    assert supervisor.run() == 3
    assert started.read_text().splitlines() == ["[0]"]  # the second was never started


def test_a_crashing_child_is_restarted_a_few_times_then_all_stop(tmp_path, monkeypatch):
    monkeypatch.setattr(cluster, "BACKOFF", (0.01,))
    starts = tmp_path / "starts"
    body = f"up(); open({str(starts)!r}, 'a').write('start\\n'); time.sleep(0.3); sys.exit(5)"
    supervisor = Supervisor(lambda ids: script(body), [[0]], "token")
    assert supervisor.run() == 1
    assert len(starts.read_text().splitlines()) == 1 + cluster.MAX_RESTARTS
    assert supervisor.children[0].history == [5] * (1 + cluster.MAX_RESTARTS)


def test_a_stop_is_forwarded_to_every_child_and_the_parent_exits_0(tmp_path):
    stopped = tmp_path / "stopped"
    child = (
        "def stop(*_):\n"
        f"    open({str(stopped)!r}, 'a').write(os.environ['DISCORD_TOKEN'] + '\\n'); sys.exit(0)\n"
        "signal.signal(signal.SIGINT, stop)\n"
        "up()\n"
        "while True: time.sleep(0.1)\n"
    )
    parent = (
        "import logging, sys\n"
        "from bot.discord.cluster import Supervisor\n"
        "logging.basicConfig(level=logging.INFO)\n"
        f"child = {script(child)!r}\n"
        "sys.exit(Supervisor(lambda ids: child, [[0], [1]], 'tok').run())\n"
    )
    log = tmp_path / "parent.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", parent], cwd=ROOT, stderr=out)
    deadline = time.monotonic() + 60
    while "all 2 processes are up" not in log.read_text():
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 0
    assert stopped.read_text().splitlines() == ["tok", "tok"]  # both, with the token


def test_children_get_the_token_from_the_environment_not_the_command_line():
    argv = cluster.child_command(["--config", "/x/config.yaml"], 4)([1, 3])
    assert argv[-6:] == ["--shards", "4", "--processes", "1", "--shard-ids", "1,3"]
    assert not any("token" in a.lower() for a in argv)
    assert Path(argv[0]) == Path(sys.executable)
