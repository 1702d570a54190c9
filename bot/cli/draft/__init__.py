"""First drafts of YAML for `factbot draft` and `factbot new`: fill in blanks, not a schema.

An analyst adding an article should not have to learn the schema first. `draft_article`
reads a new article the way an editor would (header, parenthetical citations, dates, names),
looks every name up in the fact base, and prints a YAML draft in which everything the text
settles is pre-filled (paragraph numbers, verbatim quotes, citations, dates as written) and
every decision a person must take is a `FIXME`: a `FIXME` value must be replaced, a
`# FIXME` comment marks a guess to confirm. `stub` prints one correctly shaped item to paste.

Nothing here writes a file: the editor saves the draft, fills it in and runs `factbot check`,
which still validates everything (quotes against the article, ids, dates).
"""

from bot.cli.draft.article import draft_article
from bot.cli.draft.stubs import KINDS, stub
from bot.cli.draft.writer import FIXME, remaining_fixmes
from bot.knowledge.citations import Cited, find_citations

__all__ = ["FIXME", "KINDS", "Cited", "draft_article", "find_citations", "remaining_fixmes", "stub"]
