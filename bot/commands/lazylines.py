"""Answers whose lines are written when they are read.

`on 2008` or a common word lists up to MAX_FACTS claims, but a reader sees one page of them
first: dating, wording and citing the other hundreds costs tens of milliseconds at 100k
claims. A `LazyBuilder` decides up front which claims are listed, how many and under which
heading (so the count, the "showing the first ..." note and the number of pages are known), and
writes each line the first time a line at or after it is read. Lines are written in order, so
citations are numbered exactly as an eager Builder numbers them; the answer reads the same.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, overload

from bot.commands import building
from bot.commands.answer import Answer, CitationRef, Line
from bot.commands.building import Builder, Ref, Statement
from bot.knowledge.snapshot import Fact

# One line to write: the arguments of Builder.fact_line.
Planned = tuple[Fact, str | None, bool, tuple[Fact, ...], bool]


class _Listed(Sequence[Planned]):
    """The first `count` facts of a sequence, one plain line each (as `search` lists them)."""

    def __init__(self, facts: Sequence[Fact], count: int, heading: str | None) -> None:
        self._facts, self._count, self._heading = facts, count, heading

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, i: Any) -> Any:
        if not 0 <= i < self._count:
            raise IndexError(i)
        return (self._facts[i], self._heading, True, (), False)


class _Grouped(Sequence[Planned]):
    """Lines of grouped claims (Builder.statements): a line's claims are looked up when it is
    written, so a compact fact base decodes only the claims of the lines read."""

    def __init__(
        self, lines: list[Statement], get: Callable[[Ref], Fact], heading: str | None
    ) -> None:
        self._lines, self._get, self._heading = lines, get, heading

    def __len__(self) -> int:
        return len(self._lines)

    def __getitem__(self, i: Any) -> Any:
        refs, disputed = self._lines[i]
        first, *also = map(self._get, refs)
        return (first, self._heading, True, tuple(also), disputed)


@dataclass
class LazyBuilder(Builder):
    """A Builder that writes its claims' lines when they are read (see the module doc)."""

    _pending: list[Sequence[Planned]] = field(default_factory=list)
    _next: int = 0  # the next line to write in _pending[0]
    _writing: bool = False
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def fact_line(
        self,
        fact: Fact,
        heading: str | None,
        show_date: bool,
        also: tuple[Fact, ...],
        disputed: bool,
    ) -> None:
        if self._writing:
            super().fact_line(fact, heading, show_date, also, disputed)
        else:
            self._plan([(fact, heading, show_date, also, disputed)])

    def statements(
        self, lines: list[Statement], get: Callable[[Ref], Fact], heading: str | None
    ) -> None:
        if self._writing:
            super().statements(lines, get, heading)
        elif lines:
            self._plan(_Grouped(lines, get, heading))

    def listing(self, facts: Sequence[Fact], heading: str | None = None) -> None:
        """One line per fact in the given order, not grouped, up to building.MAX_FACTS (the rest are
        counted): only the facts whose lines are read are looked at."""
        count = min(len(facts), max(0, building.MAX_FACTS - self.shown))
        self.shown += count
        self.omitted += len(facts) - count
        if count:
            self._plan(_Listed(facts, count, heading))

    def add(self, text: str, *args: Any, **kw: Any) -> None:
        if self._pending and not self._writing:
            self.write()  # a line added after planned ones must come after them
        super().add(text, *args, **kw)

    def _plan(self, lines: Sequence[Planned]) -> None:
        if self._pending and isinstance(self._pending[-1], list) and isinstance(lines, list):
            self._pending[-1].extend(lines)
        else:
            self._pending.append(lines)

    @property
    def planned(self) -> int:
        """How many lines the answer has, written or not."""
        return len(self.lines) + sum(len(p) for p in self._pending) - self._next

    def write(self, lines: int | None = None, citations: int | None = None) -> None:
        """Write lines in order until there are `lines` lines or `citations` citations
        (every line if neither is given)."""
        with self._lock:
            self._writing = True
            try:
                while self._pending:
                    if lines is not None and len(self.lines) >= lines:
                        return
                    if citations is not None and len(self.citations) >= citations:
                        return
                    head = self._pending[0]
                    if self._next >= len(head):
                        self._pending.pop(0)
                        self._next = 0
                        continue
                    planned = head[self._next]
                    self._next += 1
                    super().fact_line(*planned)
            finally:
                self._writing = False

    def answer(self, title: str, **kw: object) -> Answer:
        answer = super().answer(title, **kw)
        if not self._pending:
            return answer
        return replace(answer, lines=LazyLines(self), citations=LazyCitations(self))


class _Lazy(Sequence[Any]):
    """What LazyLines and LazyCitations share: equal to any sequence with the same items,
    pickled and shown as a plain tuple."""

    _builder: LazyBuilder

    def __init__(self, builder: LazyBuilder) -> None:
        self._builder = builder

    def _items(self) -> list[Any]:
        raise NotImplementedError

    def __iter__(self) -> Iterator[Any]:
        self._builder.write()
        return iter(tuple(self._items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(tuple(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (tuple(self),))


class LazyLines(_Lazy):
    """An answer's lines; reading line i writes the lines up to it."""

    def __init__(self, builder: LazyBuilder) -> None:
        super().__init__(builder)
        self._len = builder.planned

    def _items(self) -> list[Line]:
        return self._builder.lines

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> Line: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Line, ...]: ...
    def __getitem__(self, index: int | slice) -> Line | tuple[Line, ...]:
        if isinstance(index, slice):
            wanted = range(*index.indices(self._len))
            if wanted:
                self._builder.write(lines=max(wanted[0], wanted[-1]) + 1)
            return tuple(self._builder.lines[index])
        i = index + self._len if index < 0 else index
        if not 0 <= i < self._len:
            raise IndexError(index)
        self._builder.write(lines=i + 1)
        return self._builder.lines[i]


class LazyCitations(_Lazy):
    """An answer's citations, numbered from 1 in the order lines first use them: citations
    1..n are known once the lines that first use them are written."""

    def _items(self) -> list[CitationRef]:
        return self._builder.citations

    def __len__(self) -> int:
        self._builder.write()
        return len(self._builder.citations)

    @overload
    def __getitem__(self, index: int) -> CitationRef: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[CitationRef, ...]: ...
    def __getitem__(self, index: int | slice) -> CitationRef | tuple[CitationRef, ...]:
        cites = self._builder.citations
        if isinstance(index, slice):
            stop, start = index.stop, index.start or 0
            if index.step not in (None, 1) or start < 0 or stop is None or stop < 0:
                self._builder.write()
            else:
                self._builder.write(citations=stop)
            return tuple(cites[index])
        if index < 0:
            self._builder.write()
        else:
            self._builder.write(citations=index + 1)
        return cites[index]
