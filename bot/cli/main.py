"""The `factbot` command line: check, ask, console, run, start, schema, sync, generate, bench."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.cli.console import json_for_terminal, strip_escapes
from bot.commands.table import COMMANDS, run
from bot.config import ConfigError, Settings, env_file, load_settings
from bot.loading.holder import KnowledgeHolder, match_settings
from bot.loading.loader import load_knowledge, model_json_schema
from bot.loading.yamlsource import Problem
from bot.render.site.build import SiteError, build_site
from bot.render.site.rebuild import SiteRebuilder
from bot.render.site.serve import make_server
from bot.render.site.urls import with_urls
from bot.render.text import render_text, visible


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, default=None, help="config file (default config.yaml)")
    p.add_argument("--knowledge", type=Path, default=None, help="knowledge folder to use")
    p.add_argument("--seeds", type=Path, default=None, help="folder of article texts")


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    update = {}
    if getattr(args, "knowledge", None):
        update["knowledge_dir"] = args.knowledge.resolve()
        if not getattr(args, "seeds", None):
            sibling = args.knowledge.resolve().parent / "seeds"
            if sibling.is_dir():
                update["seeds_dir"] = sibling
    if getattr(args, "seeds", None):
        update["seeds_dir"] = args.seeds.resolve()
    return settings.model_copy(update=update)


def _print_problems(problems: Sequence[Problem]) -> None:
    stream = sys.stderr
    for p in problems:
        print(visible(str(p)), file=stream)
    errors = [p for p in problems if p.severity == "error"]  # not the "… and 44 more" notes
    files = len({p.file for p in errors})
    print(
        f"\n{len(errors)} problem{'s' if len(errors) != 1 else ''} in {files} "
        f"file{'s' if files != 1 else ''}; nothing was loaded.",
        file=stream,
    )


def _progress(enabled: bool):
    """Progress of a long load on stderr (a terminal only): reading, checking, indexing."""
    if not enabled:
        return None
    from bot.bench.progress import printer

    return printer(quiet_under=1.0)  # a small fact base loads without a word


def cmd_check(args: argparse.Namespace) -> int:
    """Validate the fact base: every error with file, line and column; a summary if clean."""
    settings = _settings(args)
    result = load_knowledge(
        settings.knowledge_dir,
        settings.seeds_dir,
        match_settings=match_settings(settings),
        progress=_progress(sys.stderr.isatty()),
    )
    if result.kb is not None:
        result.kb.warm()  # the indexes the bot builds: what passes check loads in the bot
    if args.json:
        print(
            json.dumps(
                {
                    "ok": result.ok,
                    "problems": [p.to_json() for p in result.problems],
                    "warnings": [p.to_json() for p in result.warnings],
                    "summary": result.kb.summary() if result.kb else None,
                },
                indent=2,
            )
        )
        return 0 if result.ok else 1
    for w in result.warnings:  # printed, but they do not fail the check
        print(str(w), file=sys.stderr)
    if not result.ok or result.kb is None:
        _print_problems(result.problems)
        return 1
    s = result.kb.summary()
    by_type = ", ".join(f"{n} {t}" for t, n in s["entities_by_type"].items())  # type: ignore[union-attr]
    print(f"OK: {settings.knowledge_dir} ({len(result.files)} files)")
    print(f"  articles:   {s['articles']}")
    print(f"  entities:   {s['entities']} ({by_type})")
    print(f"  claims:     {s['claims']} ({s['dated_claims']} dated)")
    print(f"  references: {s['references']}, every quote verified against {settings.seeds_dir}")
    if result.warnings:
        n = len(result.warnings)
        print(f"  warnings:   {n} (listed above; worth fixing, but they do not fail the check)")
    return 0


def _load_or_explain(settings: Settings, *, serving: bool = False) -> KnowledgeHolder | None:
    """The loaded knowledge, or None after saying what is wrong; `serving`: for a session
    that answers for long (see `KnowledgeHolder.load`'s `serve_snapshot`)."""
    progress = _progress(sys.stderr.isatty())
    holder, result = KnowledgeHolder.load(settings, progress=progress, serve_snapshot=serving)
    if holder is None:
        print("The knowledge base has errors, so there is nothing to answer from:", file=sys.stderr)
        _print_problems(result.problems)
    return holder


def _write_picture(picture: tuple[str, bytes] | None, path: str) -> None:
    if picture is None:
        print(
            "(no picture for this kind of answer: try `timeline ...`, `when ...`, "
            "`on ...` or `map ...`)",
            file=sys.stderr,
        )
    else:
        Path(path).write_bytes(picture[1])
        print(f"(picture written to {path})", file=sys.stderr)


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question as typed in chat, e.g. factbot ask "who lavrov"."""
    settings = _settings(args)
    holder = _load_or_explain(settings)
    if holder is None:
        return 2
    question = strip_escapes(args.question)  # echoed back: nothing a terminal would obey
    answer = run(holder.kb, question, prefix=settings.prefix, max_length=settings.max_query_length)
    answer = with_urls(answer, holder.kb, settings.site.url)
    if args.image:
        from bot.render.pictures.picture import PicturesUnavailable, picture_for

        try:
            picture = picture_for(holder.kb, answer)
        except PicturesUnavailable as exc:
            print(f"(no picture written: {exc})", file=sys.stderr)
        else:
            _write_picture(picture, args.image)
    if args.json:
        doc = answer.to_json()
        doc["text"] = render_text(answer, page=args.page, page_size=settings.page_size)
        print(json_for_terminal(doc))
    else:
        print(
            render_text(answer, page=args.page, page_size=settings.page_size, explain=args.explain)
        )
    return answer.exit_code


def cmd_site(args: argparse.Namespace) -> int:
    """Build the static web site of the fact base (and serve it on 127.0.0.1 with --serve)."""
    settings = _settings(args)
    out = args.out or settings.site.out
    if out is None:
        print("Where to? Give --out DIR (or set site.out in config.yaml).", file=sys.stderr)
        return 2
    holder = _load_or_explain(settings)
    if holder is None:
        return 2
    try:
        report = build_site(holder.kb, Path(out), pictures=not args.no_pictures)
    except (SiteError, OSError) as exc:
        print(f"The site was not built: {exc}", file=sys.stderr)
        return 2
    print(report.summary(), file=sys.stderr)
    if not args.serve:
        return 0
    try:
        server = make_server(report.out, args.port)
    except OSError as exc:
        print(f"Cannot serve on 127.0.0.1:{args.port}: {exc}", file=sys.stderr)
        return 2
    host, port = server.server_address[:2]
    print(f"Serving {report.out} at http://{host}:{port}/ (Ctrl-C to stop)", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    """An interactive prompt: the chat commands, with history; Ctrl-D or `quit` to leave."""
    from bot.cli.console import Console

    settings = _settings(args)
    holder = _load_or_explain(settings, serving=True)
    if holder is None:
        return 2
    if settings.site.out is not None:
        holder.after_reload.append(SiteRebuilder(settings.site.out))
    return Console(holder).loop()


DISCORD_MISSING = (
    "The Discord part of factbot is not installed: pip install 'factbot[discord]' "
    "(in a checkout: .venv/bin/pip install -e '.[discord]'). Without it: factbot console"
)


def cmd_run(args: argparse.Namespace) -> int:
    """Run the Discord bot (the token comes from DISCORD_TOKEN or a git-ignored .env)."""
    try:
        from bot.discord.runner import run_from_cli
    except ImportError:  # discord.py is the optional extra factbot[discord]
        print(DISCORD_MISSING, file=sys.stderr)
        return 2
    options = [  # what the processes of a cluster are started with, besides their shards
        item
        for flag, path in (
            ("--config", args.config),
            ("--knowledge", args.knowledge),
            ("--seeds", args.seeds),
        )
        if path is not None
        for item in (flag, str(path.resolve()))
    ]
    return run_from_cli(
        _settings(args),
        shards=getattr(args, "shards", None),
        processes=getattr(args, "processes", None),
        shard_ids=getattr(args, "shard_ids", None),
        options=options,
        env=env_file(args.config),
    )


def cmd_start(args: argparse.Namespace) -> int:
    """The README's run command: the Discord bot if a token is set, else the console."""
    try:
        from bot.discord.runner import find_token
    except ImportError:  # without the Discord extra the console is the bot
        print(DISCORD_MISSING, file=sys.stderr)
        return cmd_console(args)
    if find_token(env_file(args.config)):
        return cmd_run(args)
    print(
        "No DISCORD_TOKEN set: opening the console on the bundled knowledge "
        "(see the README to connect to Discord).",
        file=sys.stderr,
    )
    return cmd_console(args)


def cmd_sync(args: argparse.Namespace) -> int:
    """Sync the slash commands once and exit: to `discord.guilds` when set (instant), else
    globally (up to an hour to show). No gateway session: safe beside the running bot."""
    try:
        from bot.discord.runner import run_sync
    except ImportError:
        print(DISCORD_MISSING, file=sys.stderr)
        return 2
    return run_sync(
        _settings(args),
        env=env_file(args.config),
        guild=args.guild,
        dry=args.dry_run,
        as_json=args.json,
    )


def cmd_schema(args: argparse.Namespace) -> int:
    """Write the JSON Schema of knowledge files, for editors' validation and completion."""
    text = json.dumps(model_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def cmd_draft(args: argparse.Namespace) -> int:
    """Print a YAML draft for a new article: citations, dates, names, quotes pre-filled."""
    from bot.cli.draft import draft_article

    path = Path(args.article)
    if not path.is_file():
        print(f"No such article file: {path}", file=sys.stderr)
        return 2
    kb = _load_quietly(args)
    print(draft_article(path, kb, article_id=args.id))
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    """Print a YAML stub to paste: person, org, place, event, outlet, document, claim ..."""
    from bot.cli.draft import stub

    try:
        text = stub(args.kind, _load_quietly(args), args.name)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(text)
    return 0


def _load_quietly(args: argparse.Namespace):
    """The fact base if it loads (to mark known names), else None: drafting still works."""
    settings = _settings(args)
    result = load_knowledge(
        settings.knowledge_dir, settings.seeds_dir, match_settings=match_settings(settings)
    )
    if result.kb is None:
        print("(the fact base has errors, so no names are marked as known)", file=sys.stderr)
    return result.kb


def cmd_generate(args: argparse.Namespace) -> int:
    """Write a synthetic fact base (knowledge/ and seeds/) for benchmarks; same seed, same base."""
    from bot.bench.generate import generate
    from bot.bench.progress import printer

    _, manifest = generate(
        Path(args.folder), args.entities, args.claims, args.seed, progress=printer("  ")
    )
    print(
        f"wrote {manifest['entities']:,} entities ({manifest['names']:,} names and aliases), "
        f"{manifest['claims']:,} claims and {manifest['articles']:,} articles to {args.folder} "
        f"({manifest['knowledge_files']} knowledge files); check it with "
        f"`factbot check --knowledge {Path(args.folder) / 'knowledge'}`",
        file=sys.stderr,
    )
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Measure load, reload, lookups and accuracy against a brute-force baseline, same run."""
    from bot.bench.run import render, run_bench

    report = run_bench(
        entities=args.entities,
        claims=args.claims,
        queries=args.queries,
        seed=args.seed,
        folder=args.dir,
        baseline=not args.no_baseline,
        baseline_queries=args.baseline_queries,
        budget=args.budget,
        keep=args.keep,
    )
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else render(report))
    return 0


def _commands_epilog() -> str:
    """The chat commands `ask` answers, from the one registry every door uses."""
    lines = ["chat commands (`help <command>` says more):"]
    for spec in COMMANDS:
        also = f" (also: {', '.join(spec.aliases)})" if spec.aliases else ""
        lines.append(f"  {spec.usage}: {spec.summary}{also}")
    return "\n".join(lines)


def _add_bench_commands(sub: argparse._SubParsersAction) -> None:
    """`generate` and `bench`: the benchmark's synthetic fact base and its run."""
    p = sub.add_parser(
        "generate",
        help=(cmd_generate.__doc__ or "").splitlines()[0],
        description=cmd_generate.__doc__,
    )
    p.set_defaults(func=cmd_generate)
    p.add_argument("folder", type=Path, help="where to write knowledge/, seeds/ and manifest.json")
    p.add_argument("--entities", type=int, default=10_000, help="how many entities (>= 20)")
    p.add_argument("--claims", type=int, default=10_000, help="how many claims")
    p.add_argument("--seed", type=int, default=1, help="the random seed")
    p = sub.add_parser(
        "bench", help=(cmd_bench.__doc__ or "").splitlines()[0], description=cmd_bench.__doc__
    )
    p.set_defaults(func=cmd_bench)
    p.add_argument("--entities", type=int, default=None, help="entities to generate (10,000)")
    p.add_argument("--claims", type=int, default=None, help="claims to generate (10,000)")
    p.add_argument("--queries", type=int, default=500, help="queries of each kind")
    p.add_argument("--seed", type=int, default=1, help="the generator's and queries' seed")
    p.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="keep the generated base here and reuse it next time (default: a temporary folder)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--no-baseline", action="store_true", help="skip the brute-force baseline")
    p.add_argument(
        "--baseline-queries",
        type=int,
        default=None,
        help="queries of each kind for the (slow) baseline (default: min(--queries, 200))",
    )
    p.add_argument(
        "--budget", type=float, default=60.0, help="seconds at most per kind of query and phase"
    )
    p.add_argument("--keep", action="store_true", help="keep the temporary base")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="factbot", description="Fact lookups with citations, from a curated YAML fact base."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, fn, **kw) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name, help=(fn.__doc__ or "").splitlines()[0], description=fn.__doc__, **kw
        )
        _common(p)
        p.set_defaults(func=fn)
        return p

    p = add("check", cmd_check)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p = add(
        "ask",
        cmd_ask,
        epilog=_commands_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("question", help='the command as typed in chat, e.g. "who lavrov"')
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--explain", action="store_true", help="show how the name was matched")
    p.add_argument("--page", type=int, default=1, help="which page of a long answer")
    p.add_argument(
        "--image",
        metavar="PNG",
        default=None,
        help="also write the answer's picture (timeline, dates, map) to this file",
    )
    p = add("site", cmd_site)
    p.add_argument("--out", type=Path, default=None, help="folder to build into (site.out)")
    p.add_argument("--serve", action="store_true", help="then serve it on 127.0.0.1")
    p.add_argument("--port", type=int, default=8000, help="port for --serve (default 8000)")
    p.add_argument("--no-pictures", action="store_true", help="skip the timeline/map pictures")
    add("console", cmd_console)
    p = add("run", cmd_run)
    p.add_argument(
        "--shards",
        type=int,
        default=None,
        metavar="N",
        help="Discord shards in all (cluster.shards)",
    )
    p.add_argument(
        "--processes",
        type=int,
        default=None,
        metavar="K",
        help="processes to run, each owning shards i, i+K, ... (cluster.processes; default 1)",
    )
    p.add_argument("--shard-ids", default=None, help=argparse.SUPPRESS)  # a cluster's child
    add("start", cmd_start)
    p = add("sync", cmd_sync)
    p.add_argument("--guild", type=int, default=None, metavar="ID", help="sync to this guild only")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print what would be sent to Discord (no token, no network)",
    )
    p.add_argument("--json", action="store_true", help="print JSON (with --dry-run: the commands)")
    p = add("draft", cmd_draft)
    p.add_argument("article", help="the article's text file, e.g. seeds/new-article.txt")
    p.add_argument("--id", default=None, help="the article id to use")
    p = add("new", cmd_new)
    p.add_argument(
        "kind", help="person, org, country, place, event, outlet, document, programme or claim"
    )
    p.add_argument("name", nargs="?", default=None, help="the name, to find related ids")
    _add_bench_commands(sub)
    p = add("schema", cmd_schema)
    p.add_argument(
        "-o",
        "--output",
        default="docs/knowledge.schema.json",
        help="where to write it ('-' for stdout)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"Config error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`factbot ask timeline | head`): stop quietly, as Unix tools
        # do, and keep Python from complaining again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for such a tool


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
