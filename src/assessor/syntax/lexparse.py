"""The run-time parser: lark's contextual lexer and LALR loop, redone over plain-data tables.

lark builds the tables from ``grammar.lark`` (``syntax.tables_build`` exports them into
``grammar_tables.py``); this module only runs them, so `assessor check` neither imports lark
nor loads its cached parser. It reproduces what lark does, token for token and place for
place: each parser state lexes with the terminals that state accepts (a keyword where a name
is expected is a name), rules shape their children as lark's tree builder does
(``?rule``, ``_rule``, ``[optional]`` as ``None``), and every node gets the place lark's
``propagate_positions`` would give it. Instead of a tree, each reduction calls the rule's
builder at once. A differential test holds the two parsers equal.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Sequence
from functools import cache
from operator import itemgetter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

GRAMMAR = Path(__file__).with_name("grammar.lark")
END = "$END"

# The kinds of rule: how a reduction turns its children into a value.
UNIT = "unit"  # `?rule` with one symbol: the child passes up unchanged, place and all
INLINE = "inline"  # `_rule` (lark's own `x*` rules): its children are spliced into the parent's
EXPAND1 = "expand1"  # `?rule`: passes a single kept child up, else builds a node
NODE = "node"  # builds a node named by the rule (or its alias)

# A place: 1-based line and column of the first character, and of the one after the last.
Place = tuple[int, int, int, int]
# What a rule's builder is called with: the node's place, then its kept children.
Builder = Callable[..., Any]


class Token:
    """A token as lark makes it: its terminal's name, its text and its place."""

    __slots__ = (
        "column",
        "end_column",
        "end_line",
        "end_pos",
        "line",
        "start_pos",
        "type",
        "value",
    )

    def __init__(
        self,
        kind: str,
        value: str,
        start: int,
        line: int,
        column: int,
        end_line: int | None,
        end_column: int | None,
        end: int | None,
    ) -> None:
        self.type = kind
        self.value = value
        self.start_pos = start
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column
        self.end_pos = end

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {self.value!r})"


class UnexpectedText(Exception):
    """The text does not follow the grammar, as lark would report it.

    ``token`` is None when no terminal matches at all (lark's ``UnexpectedCharacters``,
    ``allowed`` then names the terminals the place could have had); otherwise it is the
    token found, the end of the text being a token of type ``$END`` (lark's
    ``UnexpectedToken``). ``accepts`` are the terminals the parser would take there
    (lark's ``accepts``), ``expected`` the terminals its state names (lark's ``expected``).
    """

    def __init__(
        self,
        line: int,
        column: int,
        position: int,
        token: Token | None,
        expected: frozenset[str],
        accepts: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(f"unexpected text at line {line}, column {column}")
        self.line = line
        self.column = column
        self.position = position
        self.token = token
        self.expected = expected
        self.accepts = accepts


def grammar_key(grammar: str) -> tuple[int, int]:
    """What identifies a grammar's text cheaply: its length and CRC-32."""
    return len(grammar), zlib.crc32(grammar.encode("utf-8"))


@cache
def tables() -> Any:
    """The exported tables of the current grammar: the committed module when it was made
    from this ``grammar.lark``, else built now with lark (while someone edits the grammar and
    has not yet run ``python -m assessor.syntax.tables_build``).
    """
    from assessor.syntax import grammar_tables

    grammar = GRAMMAR.read_text("utf-8")
    if grammar_key(grammar) == grammar_tables.GRAMMAR_KEY:
        return grammar_tables
    from assessor.syntax.tables_build import build_tables

    return SimpleNamespace(**build_tables(grammar))


class _Lexer:
    """One state's lexer, as lark builds it: the terminals the state accepts, tried in lark's
    order, the first that matches wins; and the words that turn a NAME into a keyword the
    state accepts (``when`` -> WHEN).

    Compiling one regular expression per state cost more than the lexing itself, so a
    token is found with the root lexer's one expression (all terminals, lark's order) when
    that gives the state's answer, else by trying the state's terminals one by one (`scan`);
    a state that often needs the latter gets its own expression (``match``).
    """

    __slots__ = ("allowed", "extras", "index", "keywords", "match", "misses", "newlines", "order")

    def __init__(self, entry: tuple, root: frozenset[str], literals: dict[str, str]) -> None:
        terminals, keywords, allowed, newlines = entry
        self.order: tuple[str, ...] = terminals
        self.index = {name: i for i, name in enumerate(terminals)}
        self.keywords: dict[str, dict[str, str]] = keywords
        self.allowed = frozenset(allowed)
        self.newlines = frozenset(newlines)
        # The state's terminals the root lexer does not try: literals it leaves to a NAME (a
        # keyword where no name may come) or to COMPARE (`=` where no comparison may), as
        # (place in this lexer's order, text); all terminals keep lark's one order.
        self.extras = tuple(
            (i, literals.get(name)) for i, name in enumerate(terminals) if name not in root
        )
        self.match: Callable | None = None
        self.misses = 0

    def root_answer_holds(self, kind: str, text: str, pos: int) -> bool:
        """Whether the root lexer's ``kind`` at ``pos`` (which this state accepts) is this
        lexer's answer too: none of the state's own literals before it matches there.
        """
        before = self.index[kind]
        return not any(
            literal is None or (at < before and text.startswith(literal, pos))
            for at, literal in self.extras
        )


class _Lexers:
    """The lexers of the states, built the first time a state needs them, the root lexer's
    one expression, and what skips the ignored terminals (spaces, comments) between tokens.
    """

    def __init__(self, t: Any) -> None:
        self._t = t
        self._numbered: dict[int, _Lexer] = {}
        self._single: dict[str, Callable] = {}
        self.by_state: list[_Lexer | None] = [None] * len(t.STATE_LEXERS)
        root = t.LEXERS[t.ROOT_LEXER][0]
        self._root_terms = frozenset(root)
        self.root = self.numbered(t.ROOT_LEXER)
        # Every state's lexer tries the ignored terminals, and no other terminal can start
        # where they match (`tables_build` checks it), so a run of them is skipped at once:
        # `skip` alone, or before the token, possessively (never given back to find one).
        ignored = "|".join(t.TERMINALS[name] for name in t.IGNORE)
        self._skip_prefix = f"(?:{ignored})*+"
        self.skip = re.compile(f"(?:{ignored})*").match
        self.root_match = self.compile(root)

    def compile(self, terminals: Sequence[str]) -> Callable:
        """The ``match`` of one expression that skips ignored text, then tries the
        terminals in order (lark's alternation); its ``lastgroup`` names the token's terminal.
        """
        patterns = self._t.TERMINALS
        alternatives = "|".join(f"(?P<{name}>{patterns[name]})" for name in terminals)
        return re.compile(f"{self._skip_prefix}(?:{alternatives})").match

    def of_state(self, state: int) -> _Lexer:
        lexer = self.by_state[state] = self.numbered(self._t.STATE_LEXERS[state])
        return lexer

    def numbered(self, number: int) -> _Lexer:
        lexer = self._numbered.get(number)
        if lexer is None:
            entry = self._t.LEXERS[number]
            lexer = self._numbered[number] = _Lexer(entry, self._root_terms, self._t.LITERALS)
        return lexer

    def scan(self, lexer: _Lexer, text: str, pos: int) -> _Found | re.Match | None:
        """The state's answer at ``pos`` found the long way: its terminals in order, the
        first that matches (as its one regular expression would find it).
        """
        lexer.misses += 1
        if lexer.misses > _MISSES_BEFORE_COMPILING:
            lexer.match = self.compile(lexer.order)
            return lexer.match(text, pos)
        literals = self._t.LITERALS
        for name in lexer.order:
            literal = literals.get(name)
            if literal is not None:
                if text.startswith(literal, pos):
                    return _Found(name, literal, pos + len(literal))
                continue
            match = self._single.get(name)
            if match is None:
                match = self._single[name] = re.compile(self._t.TERMINALS[name]).match
            found = match(text, pos)
            if found is not None:
                return _Found(name, found.group(), found.end())
        return None


class _Found:
    """A terminal found by `_Lexers.scan`, answering as a regular expression's match."""

    __slots__ = ("_end", "lastgroup", "text")

    def __init__(self, kind: str, text: str, end: int) -> None:
        self.lastgroup, self.text, self._end = kind, text, end

    def group(self, _kind: str | None = None) -> str:
        return self.text

    def end(self) -> int:
        return self._end


_MISSES_BEFORE_COMPILING = 4


@cache
def _lexers() -> _Lexers:
    return _Lexers(tables())


@cache
def _plans(deep_rules: frozenset[str]) -> list[tuple]:
    """Each rule of the tables as the loop uses it: ``(origin, size, kind, picked, include,
    nones_after, depth_from_children, deep)``, ``picked`` being the kept children's indexes
    when the rule only leaves tokens out (else None, and `_kept` follows ``include``).
    """
    plans = []
    kinds = {UNIT: UNIT, INLINE: INLINE, EXPAND1: EXPAND1, NODE: NODE}
    for origin, name, size, written, include, nones_after, tokens_only in tables().RULES:
        kind = kinds[written]  # the constants themselves, compared with `is`
        simple = not nones_after and not any(splice or nones for _, splice, nones in include)
        picked = tuple(index for index, _, _ in include) if simple else None
        plan = (origin, size, kind, picked, include, nones_after, not tokens_only)
        plans.append((*plan, name in deep_rules))
    return plans


_PLACEHOLDER = (None, 0, 0, 0, 0, 0)
_VALUE = itemgetter(0)
_DEPTH = itemgetter(5)


def parse(
    text: str,
    builders: Sequence[Builder | None],
    deep_rules: frozenset[str],
    max_depth: int,
) -> tuple[Any, Place | None]:
    """The value the start rule's builder returns for ``text``, and the place of the first
    node (children first) nested more than ``max_depth`` of ``deep_rules`` deep, if any.

    ``builders`` has one entry per rule of the tables (None for the kinds that build
    nothing); each is called as ``builder(place, *children)``. Raises `UnexpectedText`.
    """
    t = tables()
    lexers = _lexers()
    by_state, root_match = lexers.by_state, lexers.root_match
    actions, end_state = t.ACTIONS, t.END
    plans = _plans(deep_rules)
    kept_terminals = frozenset(t.KEPT_TERMINALS)
    # The stack of states and, beside it, one entry per symbol:
    # (value, line, column, end_line, end_column, depth). A token's value is the token, or
    # None for the tokens no rule keeps (keywords, brackets).
    states = [t.START]
    entries: list[tuple] = []
    too_deep: Place | None = None
    pos, line, line_start, start = 0, 1, 0, 0
    while True:
        # -- the next token, as this state's lexer finds it (lark's BasicLexer): with its
        # own expression if it has one, else with the root's when that gives its answer,
        # else the long way; spaces and comments before it are skipped on the way
        lexer = by_state[states[-1]] or lexers.of_state(states[-1])
        match = (lexer.match or root_match)(text, pos)
        if match is not None:
            kind = match.lastgroup
            start = match.start(kind)
            if lexer.match is None and (
                kind not in lexer.index
                or (lexer.extras and not lexer.root_answer_holds(kind, text, start))
            ):
                match = None
        if match is None:
            start = lexers.skip(text, pos).end()
        if start != pos:
            newlines = text.count("\n", pos, start)
            if newlines:
                line += newlines
                line_start = text.rfind("\n", pos, start) + 1
            pos = start
        if match is None:
            match = lexers.scan(lexer, text, pos)
            if match is None and pos < len(text):
                _unexpected_character(text, pos, line, line_start, lexer, states, lexers, t)
        if match is not None:
            kind = match.lastgroup
            value = match.group(kind)
            start_line, column = line, pos - line_start + 1
            pos = match.end()
            if kind in lexer.newlines:
                newlines = value.count("\n")
                if newlines:
                    line += newlines
                    line_start = start + value.rindex("\n") + 1
            keywords = lexer.keywords.get(kind)
            if keywords is not None:
                kind = keywords.get(value, kind)
            end_column = pos - line_start + 1
            token = (
                Token(kind, value, start, start_line, column, line, end_column, pos)
                if kind in kept_terminals
                else None
            )
            entry = (token, start_line, column, line, end_column, 0)
        else:  # the end of the text: lark's end token borrows the last token's place
            kind = END
            token = _end_token(entries[-1] if entries else None, start)
        # -- feed the token: reduce as the table says, then shift (lark's feed_token)
        while True:
            action = actions[states[-1]].get(kind)
            if action.__class__ is str:  # a `?rule` passing its one child up
                states[-1] = actions[states[-2]][action]
                continue
            if action is None or (action >= 0 and kind is END):  # (lark asserts the latter)
                if token is None:
                    token = Token(kind, value, start, start_line, column, line, end_column, pos)
                raise _unexpected_token(token, states, t)
            if action >= 0:
                states.append(action)
                entries.append(entry)
                break
            origin, size, rule_kind, picked, include, nones_after, deeper, deep = plans[~action]
            children = entries[-size:]
            del entries[-size:]
            del states[-size:]
            first, last = children[0], children[-1]
            place = (first[1], first[2], last[3], last[4])
            if picked is not None:
                kept = tuple(map(children.__getitem__, picked))
            else:
                kept = _kept(children, include, nones_after)
            if rule_kind is NODE or (rule_kind is EXPAND1 and len(kept) != 1):
                depth = max(map(_DEPTH, kept)) if deeper else 0
                if deep:
                    depth += 1
                    if depth > max_depth and too_deep is None:
                        too_deep = place
                node = builders[~action](place, *map(_VALUE, kept))  # type: ignore[misc]
                entries.append((node, *place, depth))
            elif rule_kind is INLINE:
                entries.append((kept, *place, 0))
            else:
                entries.append(_passed_up(kept[0], place))
            states.append(actions[states[-1]][origin])
            if kind is END and states[-1] == end_state:
                return entries[-1][0], too_deep


def _kept(children: list[tuple], include: tuple, nones_after: int) -> list[tuple]:
    """The children a rule keeps (lark's child filter): anonymous tokens left out, the
    children of ``_rule`` spliced in, a placeholder for each ``[optional]`` left out.
    """
    kept: list[tuple] = []
    for index, splice, nones_before in include:
        if nones_before:
            kept += [_PLACEHOLDER] * nones_before
        if splice:
            kept += children[index][0]
        else:
            kept.append(children[index])
    if nones_after:
        kept += [_PLACEHOLDER] * nones_after
    return kept


def _passed_up(child: tuple, place: Place) -> tuple:
    """A `?rule`'s single child, passed up: a node keeps its own place but its outer place
    (from which its parent's is taken) widens to the brackets around it; a token stays as is.
    """
    if child[0] is None or isinstance(child[0], Token):
        return child
    return (child[0], *place, child[5])


def _end_token(last: tuple | None, start: int) -> Token:
    """Lark's end-of-text token: it borrows the place of the last token (on top of the
    stack, as nothing is reduced before the end is seen) and its start, if any.
    """
    if last is None:
        return Token(END, "", 0, 1, 1, None, None, None)
    return Token(END, "", start, last[1], last[2], last[3], last[4], None)


def _unexpected_token(token: Token, states: list[int], t: Any) -> UnexpectedText:
    """What lark raises where the state has no action for the token."""
    expected = _expected(t.ACTIONS[states[-1]])
    return UnexpectedText(
        token.line, token.column, token.start_pos, token, expected, _accepts(states, t)
    )


def _expected(state_actions: dict[str, int]) -> frozenset[str]:
    """The terminals a state has an action for (lark's ``expected``)."""
    return frozenset(s for s in state_actions if s.isupper())


def _accepts(states: list[int], t: Any) -> frozenset[str]:
    """The terminals the parser would shift, after its reductions, from this stack of states
    (lark's ``InteractiveParser.accepts``).
    """
    return frozenset(
        kind for kind in t.ACTIONS[states[-1]] if kind.isupper() and _would_shift(states, kind, t)
    )


def _would_shift(states: list[int], kind: str, t: Any) -> bool:
    """Whether the parser takes a token of ``kind``: shifts it after its reductions, or, for
    the end of the text, reduces to the end state.
    """
    stack = list(states)
    while True:
        action = t.ACTIONS[stack[-1]].get(kind)
        if action is None:
            return False
        if isinstance(action, str):
            stack[-1] = t.ACTIONS[stack[-2]][action]
        elif action >= 0:
            return True
        else:
            origin, _, size, *_ = t.RULES[~action]
            del stack[-size:]
            stack.append(t.ACTIONS[stack[-1]][origin])
        if kind == END and stack[-1] == t.END:
            return True


def _unexpected_character(
    text: str,
    pos: int,
    line: int,
    line_start: int,
    lexer: _Lexer,
    states: list[int],
    lexers: _Lexers,
    t: Any,
) -> None:
    """Raise what lark's contextual lexer raises where no terminal of the state matches: if
    a terminal of the whole grammar matches there, the token found, not taken in this state;
    else the character, with the terminals the state could have taken.
    """
    column = pos - line_start + 1
    allowed = lexer.allowed
    root = lexers.root
    match = lexers.root_match(text, pos)
    if match is None:
        raise UnexpectedText(line, column, pos, None, allowed)
    kind = match.lastgroup
    value, end = match.group(kind), match.end()
    newlines = value.count("\n") if kind in root.newlines else 0
    end_start = pos + value.rindex("\n") + 1 if newlines else line_start
    keywords = root.keywords.get(kind)
    if keywords is not None:
        kind = keywords.get(value, kind)
    token = Token(kind, value, pos, line, column, line + newlines, end - end_start + 1, end)
    raise UnexpectedText(line, column, pos, token, allowed, _accepts(states, t))
