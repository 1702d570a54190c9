"""Every chat command, listed once: the console, `factbot ask` and Discord are built from here.

Add a command by writing its handler in the module of its family and one CommandSpec below;
every door (prefix and slash in Discord, the console, `ask`, `help`) then knows it.
"""

from __future__ import annotations

from bot.commands import connections, dates, entities, question_reading, questions, search, sources
from bot.commands.answer import Answer
from bot.commands.registry import Argument, CommandSpec, Registry
from bot.knowledge.snapshot import KnowledgeBase


def help_(kb: KnowledgeBase, arg: str) -> Answer:
    """How to ask: the commands, or one command in detail."""
    return sources.help_answer(COMMANDS, arg)


def ask(kb: KnowledgeBase, arg: str) -> Answer:
    """Ask in your own words; plain questions work without `ask` too, answered from the claims.

    "what did Nikolski say?", "who chairs the CSTO?", "is Armenia in the CSTO?",
    "who is Russia's foreign minister?", "what happened in Moscow?",
    "how is Putin connected to KSOR?". Every line is cited; what the sources do not say
    is answered as unknown, never guessed."""
    return questions.answer_question(kb, arg, COMMANDS.lookup)


COMMANDS = Registry(
    (
        CommandSpec(
            "who",
            "who <name>",
            entities.who,
            aliases=("whois", "person"),
            arg=Argument(
                "name", "A person's name, surname, or a spelling of it", completes="entity"
            ),
        ),
        CommandSpec(
            "org",
            "org <name or acronym>",
            entities.org,
            aliases=("organisation", "organization"),
            arg=Argument("name", "An organisation's name or acronym", completes="entity"),
        ),
        CommandSpec(
            "what",
            "what <name>",
            entities.what,
            aliases=("about", "where"),
            arg=Argument(
                "name", "Any place, event, country, outlet or other entity", completes="entity"
            ),
        ),
        CommandSpec(
            "when",
            "when <thing>",
            dates.when,
            arg=Argument("thing", "An entity or event", completes="entity"),
        ),
        CommandSpec(
            "on",
            "on <date or period>",
            dates.on,
            aliases=("date", "in"),
            arg=Argument("date", "A day, month, year or range: 2012-04-06, April 2012, 2011..2012"),
        ),
        CommandSpec(
            "timeline",
            "timeline [<entity>]",
            dates.timeline,
            arg=Argument(
                "entity", "Optional: one entity's timeline", required=False, completes="entity"
            ),
        ),
        CommandSpec(
            "map",
            "map <entity>",
            entities.map_,
            aliases=("graph", "links"),
            arg=Argument("name", "The entity whose connections to show", completes="entity"),
        ),
        CommandSpec(
            "search",
            "search <words>",
            search.search,
            aliases=("find",),
            arg=Argument("words", "Words to look for in claims and quotes"),
        ),
        CommandSpec(
            "cite",
            "cite <claim id>",
            sources.cite,
            aliases=("source",),
            arg=Argument(
                "claim id",
                "A claim id, as shown under each citation",
                completes="claim",
                option="claim",
            ),
        ),
        CommandSpec(
            "link",
            connections.LINK_USAGE,
            connections.link_command,
            aliases=("connect", "path"),
            arg=Argument("two names", "Two entities, e.g. putin and ksor", option="names"),
        ),
        CommandSpec(
            "ask",
            "ask <question>",
            ask,
            aliases=("question", "q"),
            arg=Argument("question", "A question in your own words"),
        ),
        CommandSpec("sources", "sources", sources.sources, aliases=("articles",)),
        CommandSpec("kb", "kb", sources.kb_status, aliases=("status",)),
        CommandSpec(
            "help",
            "help [command]",
            help_,
            aliases=("commands", "?"),
            arg=Argument("command", "Optional: one command", required=False),
        ),
    ),
    questions=(question_reading.is_question, "ask"),
)


def run(kb: KnowledgeBase, text: str, *, prefix: str = "!", max_length: int = 300) -> Answer:
    """Parse and answer one line of chat text with the commands above. Never raises."""
    return COMMANDS.run(kb, text, prefix=prefix, max_length=max_length)
