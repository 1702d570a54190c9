"""Keep the site in step with the running bot: rebuild after each successful reload.

A build takes a while on a large fact base, so it runs in one background thread; reloads
that come during a build ask for one more build, of the snapshot then current. A build that
fails is logged and leaves the live site as it was (see `build_site`).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from bot.knowledge.snapshot import KnowledgeBase
from bot.render.site.build import BuildReport, build_site

log = logging.getLogger(__name__)


class SiteRebuilder:
    """Call it with each new snapshot (`KnowledgeHolder.after_reload`)."""

    def __init__(self, out: Path, *, pictures: bool = True) -> None:
        self.out, self.pictures = out, pictures
        self.last: BuildReport | None = None
        self.error: BaseException | None = None
        self._lock = threading.Lock()
        self._next: KnowledgeBase | None = None
        self._thread: threading.Thread | None = None

    def __call__(self, kb: KnowledgeBase) -> None:
        with self._lock:
            self._next = kb
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="site", daemon=True)
                self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the builds asked for so far (tests, shutdown)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                kb, self._next = self._next, None
                if kb is None:
                    self._thread = None
                    return
            try:
                self.last = build_site(kb, self.out, pictures=self.pictures)
                self.error = None
                log.info("%s", self.last.summary())
            except Exception as exc:  # a failed build must not stop the bot
                self.error = exc
                log.warning("The site was not rebuilt: %s", exc)
