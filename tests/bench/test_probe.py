"""The machine speed probe the bench reports beside its latencies."""

from __future__ import annotations

from bot.bench.probe import speed_probe_us
from bot.bench.run import _probe_line


def test_the_probe_times_its_work_in_microseconds() -> None:
    first, second = speed_probe_us(), speed_probe_us()
    # the same work twice: positive, and of one order of magnitude on any machine
    assert first > 0 and second > 0
    assert max(first, second) < 10 * min(first, second)


def test_the_report_says_how_fast_the_machine_was_or_that_it_was_not_measured() -> None:
    line = _probe_line([12_345.0, 13_900.0])
    assert "12.3 ms before the queries, 13.9 ms after" in line
    assert "lower is faster" in line
    assert _probe_line(None) == "machine speed probe: not measured"
