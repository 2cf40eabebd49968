"""Exports what the run-time parser needs from lark into plain data: the LALR tables, the
terminals, each parser state's lexer and how each grammar rule shapes its node.

lark stays the grammar's source of truth: it reads ``grammar.lark`` and builds the tables;
this module only copies them out of lark's objects, so the run-time parser
(`syntax.lexparse`) behaves as lark does without importing it. The tables are committed as
``syntax/grammar_tables.py`` and regenerated with::

    python -m assessor.syntax.tables_build

A test checks that the committed tables are those of the current ``grammar.lark``, and
`lexparse` builds them in memory (slower, equally right) while they are not.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from assessor.syntax.lexparse import EXPAND1, INLINE, NODE, UNIT, grammar_key

GRAMMAR = Path(__file__).with_name("grammar.lark")
TABLES = Path(__file__).with_name("grammar_tables.py")


def build_tables(grammar: str) -> dict[str, Any]:
    """The plain-data tables of ``grammar``, built by lark (as the checker's parser is)."""
    from lark import Lark

    lark = Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=True)
    _check_ignored_stand_apart(lark)
    table = lark.parser.parser._parse_table
    numbers = _canonical_states(table)
    rules = list(lark.rules)
    lexers, state_lexers, root = _lexers(lark.parser.lexer, numbers)
    return {
        "GRAMMAR_KEY": grammar_key(grammar),
        "START": numbers[table.start_states["start"]],
        "END": numbers[table.end_states["start"]],
        "TERMINALS": {t.name: t.pattern.to_regexp() for t in lark.terminals},
        "LITERALS": {t.name: t.pattern.value for t in lark.terminals if t.pattern.type == "str"},
        "IGNORE": tuple(sorted(lark.lexer_conf.ignore)),
        "LEXERS": lexers,
        "ROOT_LEXER": root,
        "STATE_LEXERS": state_lexers,
        "ACTIONS": _actions(table, numbers, rules),
        "RULES": tuple(_rule(rule) for rule in rules),
        "KEPT_TERMINALS": _kept_terminals(rules),
    }


def _canonical_states(table: Any) -> dict[int, int]:
    """Lark's state numbers (which vary from run to run with string hashing) -> numbers
    given in breadth-first order from the start state, symbols taken in sorted order.
    """
    from lark.parsers.lalr_analysis import Shift

    start = table.start_states["start"]
    numbers = {start: 0}
    queue = [start]
    for state in queue:
        for symbol in sorted(table.states[state]):
            action, target = table.states[state][symbol]
            if action is Shift and target not in numbers:
                numbers[target] = len(numbers)
                queue.append(target)
    assert len(numbers) == len(table.states), "a parser state no symbol leads to"
    return numbers


def _actions(table: Any, numbers: dict[int, int], rules: list) -> tuple:
    """Per state, symbol -> a state to go to (>= 0), ``~rule`` to reduce by (< 0), or, for
    a `UNIT` rule (a ``?rule`` passing its one child up), the symbol it reduces to.
    """
    from lark.parsers.lalr_analysis import Shift

    index = {rule: i for i, rule in enumerate(rules)}

    def action(kind: Any, target: Any) -> int | str:
        if kind is Shift:
            return numbers[target]
        if _rule(target)[3] == UNIT:
            return str(target.origin.name)
        return ~index[target]

    by_number = sorted(table.states, key=numbers.__getitem__)
    return tuple(
        {
            str(symbol): action(kind, target)
            for symbol, (kind, target) in sorted(table.states[state].items())
        }
        for state in by_number
    )


def _lexers(contextual: Any, numbers: dict[int, int]) -> tuple[tuple, tuple, int]:
    """Each distinct lexer of lark's contextual lexer, the lexer of each state, and the
    root lexer (all terminals: lark lexes with it to name a token the state does not take).

    A lexer is ``(terminals, keywords, allowed, newlines)``: the terminals its one regular
    expression tries, in order; for a terminal such as NAME, the literal words that turn its
    token into another terminal (``when`` -> WHEN, lark's "unless" callback); the terminals
    named when no terminal matches; and the terminals whose text may hold a line break.
    """
    lexers: list[tuple] = []
    index: dict[tuple, int] = {}

    def number(lexer: Any) -> int:
        scanner = lexer.scanner
        keywords = {
            kind: {t.pattern.value: t.name for t in callback.scanner.terminals}
            for kind, callback in sorted(lexer.callback.items())
        }
        allowed = scanner.allowed_types - lexer.ignore_types or {"<END-OF-FILE>"}
        entry = (
            tuple(t.name for t in scanner.terminals),
            keywords,
            tuple(sorted(allowed)),
            tuple(sorted(lexer.newline_types)),
        )
        key = repr(entry)
        if key not in index:
            index[key] = len(lexers)
            lexers.append(entry)
        return index[key]

    by_number = sorted(contextual.lexers, key=numbers.__getitem__)
    state_lexers = tuple(number(contextual.lexers[state]) for state in by_number)
    root = number(contextual.root_lexer)
    return tuple(lexers), state_lexers, root


def _rule(rule: Any) -> tuple:
    """``(origin, name, size, kind, include, nones_after, tokens_only)``: the symbol the
    rule makes (the state to go to after it), the name of the builder to call, how many
    symbols the rule pops, its kind, and, as lark's child filter does, which children it
    keeps: ``(index, splice, nones_before)`` each, then how many ``None`` end the list
    (``[x]`` left out, lark's ``maybe_placeholders``); and whether all it keeps are tokens.
    """
    expansion = rule.expansion
    assert expansion, f"an empty rule {rule}: the run-time parser gives every node a place"
    assert not rule.options.keep_all_tokens and not rule.options.template_source
    include, nones_after = _child_filter(expansion, rule.options.empty_indices)
    if rule.origin.name.startswith("_"):
        kind = INLINE
    elif rule.options.expand1 and not rule.alias:
        single = len(expansion) == 1 and include == ((0, False, 0),) and not nones_after
        kind = UNIT if single else EXPAND1
        # what `lexparse` passes up is a child of its own, never a placeholder
        assert single or not (nones_after or any(s or n for _, s, n in include)), rule
    else:
        kind = NODE
    name = str(rule.alias or rule.origin.name)
    tokens_only = all(expansion[index].is_term for index, _, _ in include)
    return (str(rule.origin.name), name, len(expansion), kind, include, nones_after, tokens_only)


def _kept_terminals(rules: list) -> tuple[str, ...]:
    """The terminals some rule keeps as a child: the others never reach a builder."""
    return tuple(
        sorted(
            {
                str(symbol.name)
                for rule in rules
                for symbol in rule.expansion
                if symbol.is_term and (not symbol.filter_out or rule.options.keep_all_tokens)
            }
        )
    )


def _check_ignored_stand_apart(lark: Any) -> None:
    """`lexparse` skips a run of ignored terminals (spaces, comments) with one match, which
    is what lark does only if no other terminal can start where an ignored one matches.
    """
    import re

    ignored = [t for t in lark.terminals if t.name in lark.lexer_conf.ignore]
    starts = {
        text
        for t in ignored
        for text in (" ", "\t", "\r", "\n", "\f", "#")
        if re.match(t.pattern.to_regexp(), text + "x")
    }
    for terminal in lark.terminals:
        if terminal.name in lark.lexer_conf.ignore:
            continue
        for start in starts:
            assert not re.match(terminal.pattern.to_regexp(), start + "x1 "), terminal.name


def _child_filter(expansion: list, empty_indices: tuple | list | None) -> tuple[tuple, int]:
    """Lark's ``maybe_create_child_filter``, as data."""
    if empty_indices:
        ones = "".join(str(int(b)) for b in empty_indices).split("0")
        nones = [len(run) for run in ones]
    else:
        nones = [0] * (len(expansion) + 1)
    include = []
    pending = 0
    for i, symbol in enumerate(expansion):
        pending += nones[i]
        if not (symbol.is_term and symbol.filter_out):
            splice = not symbol.is_term and symbol.name.startswith("_")
            include.append((i, splice, pending))
            pending = 0
    return tuple(include), pending + nones[len(expansion)]


def render(tables: dict[str, Any]) -> str:
    """The tables as the source of a Python module of plain literals."""
    lines = [
        '"""The scheme grammar\'s LALR tables and lexers, exported from lark.',
        "",
        "Generated by ``python -m assessor.syntax.tables_build`` from grammar.lark: do not edit.",
        '"""',
        "",
        "# fmt: off",
        "# ruff: noqa",
    ]
    for name, value in tables.items():
        lines.append(f"{name} = {value!r}")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Write ``grammar_tables.py`` for the current ``grammar.lark``."""
    TABLES.write_text(render(build_tables(GRAMMAR.read_text("utf-8"))), "utf-8")
    print(f"wrote {TABLES.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
