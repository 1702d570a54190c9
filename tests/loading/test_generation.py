"""The reload generation file: each bump is a new token every process can see; the file is
read bounded and never through a symlink (the cache folder is not trusted)."""

from __future__ import annotations

from bot.loading.generation import MAX_BYTES, bump_generation, generation_path, read_generation


def test_each_bump_is_a_new_token_seen_by_readers(tmp_path):
    cache = tmp_path / "cache"
    assert read_generation(cache) is None
    first = bump_generation(cache)
    assert first is not None and read_generation(cache) == first
    second = bump_generation(cache)
    assert second != first and read_generation(cache) == second
    assert [p.name for p in cache.iterdir()] == ["reload-generation"]  # no temporary left


def test_a_planted_file_is_read_bounded_and_a_symlink_not_followed(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    generation_path(cache).write_bytes(b"x" * 10_000)
    assert read_generation(cache) == b"x" * MAX_BYTES
    generation_path(cache).unlink()
    secret = tmp_path / "secret"
    secret.write_text("not for the bot")
    generation_path(cache).symlink_to(secret)
    assert read_generation(cache) is None
    assert bump_generation(cache) is not None  # replaces the link, never writes through it
    assert secret.read_text() == "not for the bot"
