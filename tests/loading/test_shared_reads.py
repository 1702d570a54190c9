"""Forked readers hand their reads over in shared memory: every file's read arrives, in
order, exactly as this process would read it, whatever the readers do."""

from __future__ import annotations

import multiprocessing
import os
import time

import pytest

from bot.loading import shared_reads
from bot.loading.fastpath import json_read

FORK = multiprocessing.get_context("fork")


def _files() -> list[bytes]:
    """Small files, broken ones, and files too big for a 4 KB ring: 40 in all."""
    small = [f"entities:\n  - id: e{n}\n    name: Name {n}\n".encode() for n in range(30)]
    big = [
        (
            "claims:\n" + "".join(f"  - id: c{n}-{k}\n    text: words {k}\n" for k in range(120))
        ).encode()
        for n in range(4)
    ]
    broken = [b"a: [\n", b"\xff\xfe", b"a: 1\na: 2\n", b"- [1, 2]\n- {b: 3}\n"] + [b""] * 2
    files = small + big + broken
    return [files[(n * 7) % len(files)] for n in range(len(files))]  # mixed up


@pytest.fixture
def slow_here(monkeypatch):
    """This process reads slowly, so the readers surely take files; it counts its reads."""
    main, counted = os.getpid(), []
    real = shared_reads.json_read

    def read(raw: bytes):
        if os.getpid() == main:
            counted.append(raw)
            time.sleep(0.02)
        elif b"die" in raw:
            os._exit(1)
        return real(raw)

    monkeypatch.setattr(shared_reads, "json_read", read)
    monkeypatch.setattr(shared_reads, "RING_BYTES", 4096)
    return counted


@pytest.mark.parametrize("readers", [1, 2])
def test_every_read_arrives_in_order_as_read_here(slow_here, readers):
    raws = _files()
    assert any(len(json_read(r)[0]) > 4096 for r in raws if json_read(r))  # declined: too big
    got = list(shared_reads.shared_reads(raws, readers, FORK))
    assert got == [json_read(raw) for raw in raws]
    assert 0 < len(slow_here) < len(raws)  # the readers read the rest, through the 4 KB rings


def test_a_reader_that_dies_leaves_its_files_to_this_process(slow_here):
    raws = _files()
    raws[12] = b"entities:\n  - id: die\n"
    got = list(shared_reads.shared_reads(raws, 1, FORK))
    assert got == [json_read(raw) for raw in raws]
    assert raws[12] in slow_here and multiprocessing.active_children() == []


def test_a_load_that_stops_early_stops_its_readers(slow_here):
    reads = shared_reads.shared_reads(_files(), 2, FORK)
    next(reads)
    reads.close()
    assert multiprocessing.active_children() == []


def test_a_read_crosses_as_data_and_comes_back_the_same():
    read = json_read(b"claims:\n  - id: a\n    text: t\n    references:\n      - quote: q\n")
    assert read is not None and read[1] and ("claims",) in read[2]
    assert shared_reads.decoded(shared_reads.encoded(read)) == read
    assert shared_reads.encoded(({"plain": 1}, {}, {})) is None  # not JSON bytes: read here
