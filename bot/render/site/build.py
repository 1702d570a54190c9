"""`factbot site`: render every page, write it aside, then swap it in whole.

Why this shape: readers (a static host, someone with a page open) must never see a
half-written site, and a reload that changed one claim should not rewrite thousands of
pages. So the new site is built in a sibling folder; a page whose bytes are what the live
site already has is hard-linked from it (not written again, its time stamp kept), and
the two folders are then exchanged in one step (renameat2 RENAME_EXCHANGE where Linux has
it, else two renames). A build that fails leaves the live site exactly as it was.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from bot.commands.dates import timeline
from bot.commands.entities import map_
from bot.knowledge.snapshot import KnowledgeBase
from bot.render.pictures.picture import picture_for, pictures_available
from bot.render.site.pages import article_page, article_refs, entity_page, index_page
from bot.render.site.search import index_script
from bot.render.site.urls import article_path, entity_path, safe_id

MARKER = ".factbot-site"  # marks a folder as a site factbot built, so it may be replaced
STATIC = ("site.css", "search.js")
_BUILD_LOCK = threading.Lock()


class SiteError(Exception):
    """The site cannot be built there; the message says why and what to do."""


@dataclass
class BuildReport:
    out: Path
    written: list[str] = field(default_factory=list)  # new or changed files
    kept: list[str] = field(default_factory=list)  # unchanged: linked from the live site
    removed: list[str] = field(default_factory=list)  # in the live site, not in the new one

    def summary(self) -> str:
        total = len(self.written) + len(self.kept)
        return (
            f"site: {total} files in {self.out} ({len(self.written)} written, "
            f"{len(self.kept)} unchanged, {len(self.removed)} removed)"
        )


def environment() -> Environment:
    """Jinja2 with autoescaping on for every template: the fact base is editor-written text."""
    return Environment(
        loader=PackageLoader("bot.render.site", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


class _Writer:
    """Writes files into the new site, linking those the live site already has unchanged."""

    def __init__(self, staging: Path, live: Path | None, report: BuildReport) -> None:
        self.staging, self.live, self.report = staging, live, report

    def _same(self, rel: str, data: bytes) -> Path | None:
        if self.live is None:
            return None
        old = self.live / rel
        try:
            if old.is_symlink() or not old.is_file() or old.stat().st_size != len(data):
                return None
            return old if old.read_bytes() == data else None
        except OSError:
            return None

    def put(self, rel: str, data: bytes) -> None:
        target = self.staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        old = self._same(rel, data)
        if old is not None:
            try:
                os.link(old, target)
                self.report.kept.append(rel)
                return
            except OSError:
                pass  # another file system or no hard links: write it
        target.write_bytes(data)
        self.report.written.append(rel)

    def reuse(self, rel: str) -> bool:
        """Link a file the live site has under this (content-hashed) name, if it has it."""
        if self.live is None or not (self.live / rel).is_file():
            return False
        target = self.staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(self.live / rel, target)
        except OSError:
            shutil.copyfile(self.live / rel, target)
        self.report.kept.append(rel)
        return True


def _pictures(kb: KnowledgeBase, entity_id: str, writer: _Writer) -> list:
    """The entity's timeline and map as (path, alt text); a file is named by a hash of what
    it draws, so an unchanged picture is linked from the live site, not drawn again."""
    out = []
    name = kb.entities[entity_id].name
    for kind, answer, alt in (
        ("timeline", timeline(kb, entity_id), f"Timeline of the dated claims about {name}"),
        ("map", map_(kb, entity_id), f"Map of how {name} is connected to other entities"),
    ):
        if answer.status != "ok" or answer.entity_id != entity_id:
            continue
        digest = hashlib.sha256(
            json.dumps(answer.to_json(), sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()[:16]
        rel = f"img/{safe_id(entity_id)}-{kind}-{digest}.png"
        if not writer.reuse(rel):
            picture = picture_for(kb, answer)
            if picture is None:
                continue
            writer.put(rel, picture[1])
        out.append((rel, alt))
    return out


def _render_all(kb: KnowledgeBase, writer: _Writer, pictures: bool) -> None:
    env = environment()
    pictures = pictures and pictures_available()

    def page(rel: str, template: str, root: str, **context: object) -> None:
        html = env.get_template(template).render(root=root, **context)
        writer.put(rel, html.encode("utf-8"))

    for entity in kb.entities.values():
        if entity.restricted:
            continue
        view = entity_page(kb, entity.id)
        if pictures:  # without matplotlib, pages go without their pictures
            view.pictures = _pictures(kb, entity.id, writer)
        page(entity_path(entity.id), "entity.html", "../", page=view)
    refs = article_refs(kb)
    for article_id in kb.articles:
        page(
            article_path(article_id), "article.html", "../", page=article_page(kb, article_id, refs)
        )
    page("index.html", "index.html", "", page=index_page(kb))
    page("search.html", "search.html", "")
    writer.put("search-index.js", index_script(kb).encode("utf-8"))
    static = resources.files("bot.render.site") / "static"
    for name in STATIC:
        writer.put(name, static.joinpath(name).read_bytes())
    writer.put(MARKER, b"A static site built by `factbot site`; rebuilt and replaced whole.\n")


def _check_out(out: Path) -> Path | None:
    """The live site to replace, None if there is none yet; a SiteError for anything else."""
    if out.is_symlink():
        raise SiteError(f"{out} is a symbolic link: give the real folder to build into.")
    if not out.exists():
        if not out.parent.is_dir():
            raise SiteError(f"{out.parent} does not exist: create it first.")
        return None
    if not out.is_dir():
        raise SiteError(f"{out} is a file, not a folder: choose a new or empty folder.")
    if not (out / MARKER).is_file() and any(out.iterdir()):
        raise SiteError(
            f"{out} already holds files factbot did not write; it replaces a folder whole, so "
            "choose a new or empty folder (or one an earlier `factbot site` built)."
        )
    return out


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return done == 0


def _swap(staging: Path, out: Path, live: Path | None) -> None:
    if live is None:
        os.rename(staging, out)
        return
    if _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # it holds the old site now
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    os.rename(out, old)
    try:
        os.rename(staging, out)
    except OSError:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def build_site(
    kb: KnowledgeBase,
    out: Path,
    *,
    pictures: bool = True,
    render: Callable[[KnowledgeBase, _Writer, bool], None] = _render_all,
) -> BuildReport:
    """Build the whole site for this snapshot and put it at `out` in one step."""
    out = Path(os.path.abspath(out))
    with _BUILD_LOCK:
        live = _check_out(out)
        staging = out.with_name(f".{out.name}.building-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        report = BuildReport(out)
        try:
            render(kb, _Writer(staging, live, report), pictures)
            if live is not None:
                new = {str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file()}
                report.removed = sorted(
                    rel
                    for p in live.rglob("*")
                    if p.is_file() and (rel := str(p.relative_to(live))) not in new
                )
            _swap(staging, out, live)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return report
