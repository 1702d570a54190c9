"""Benchmarks at scale: a synthetic fact base generator and `factbot bench`.

`generate` writes a deterministic fact base of any size (crowded Cyrillic-origin names under
several transliteration systems, claims with dates of mixed precision, article texts whose
quotes verify verbatim); `run` measures the real code path against a brute-force baseline in
the same run. See docs/performance.md.
"""
