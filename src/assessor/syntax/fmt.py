"""``assessor fmt``: one canonical layout for scheme files, with every comment kept.

Newlines carry no meaning in the language, so layout is free; this module chooses one. It
works on the lark parse tree with every token kept (not on the syntax tree of ``ast``), so the
output is the input's token sequence, re-spaced and re-broken: the parse tree cannot change,
and formatting twice gives the same text as formatting once.

The canonical layout
--------------------

Lines and indentation (2 spaces a level):

- Header: ``scheme "title"`` (with ``extends "template" version "2" effective 2026-10-01``
  on the same line), then ``uses a, b`` and ``period quarter  review month  window
  2026-01 .. 2026-12`` indented 2 (the period parts on one line, two spaces apart), and
  ``transfer 2026-01-01`` and ``stores by store`` on lines of their own, indented 2.
- One blank line between top-level declarations. Consecutive ``param`` lines, consecutive
  ``role`` lines, consecutive one-line ``metric`` lines and consecutive ``amend`` or ``drop``
  lines (each one line) are not forced apart: between them a
  blank line is kept where the source had one (or more), and none is added.
- ``param`` and ``role``: one line each. A run of two or more ``role`` lines not separated by a
  blank line is aligned in columns (name, label, source; display width, Chinese characters
  count two), with two spaces before the source.
- ``metric x "label" for team = expr  rollup mean  missing n/a``: one line, two spaces before
  ``rollup`` and ``missing``. A metric wider than 100 columns breaks once, before its ``for``
  (or before ``=`` when it has no grain), the rest indented 2.
- ``rule name "label" for a, b  hit collect``, then each ``when CONDITION  OUTCOME`` (two spaces
  before the outcome) and ``otherwise OUTCOME`` on lines of their own, indented 2.
- ``scorecard name "label" for role``, then its options (``missing``, ``cap``, ``floor``) on one
  line indented 2; ``dimension ... weight 30%`` indented 2 with its options on the same line;
  ``indicator``/``rubric`` indented 2 more than their parent. Under an indicator, indented 2
  more: ``value EXPR``, then the method (``bands ...``, ``linear ...``, ``attainment of ...``,
  ``deduct ...``, ``score``, ``table ...``), then its options on one line. Under a rubric,
  indented 2 more: ``scale ...``, ``aggregate ...``, ``criteria ...`` and its options, a line
  each. Scorecard ``deduct`` and ``veto`` lines are indented 2; a veto's effects are two
  spaces apart.
- ``grade name "label" for role on total``, then its bands on one line indented 2
  (``>= 90 -> "优秀" | ... | else "不合格"``), then each ``at most`` quota on a line indented 2.
- ``bonus name for role by grade``, then its bands on one line indented 2;
  ``bonus name for role = EXPR`` is one line. ``limit`` (parts two spaces apart) and ``pool``
  are one line.
- Inside a scorecard, one blank line is kept before a ``dimension``, ``indicator``,
  ``rubric``, ``deduct`` or ``veto`` (and before each own-line comment above it) where the
  source had one or more blank lines there; none is added. No other blank lines inside a
  declaration, none at the start of the file, one newline at the end.

Spacing within a line: one space between tokens, except none after ``(`` and a sign
(``-5``), none before ``)``, ``,``, ``:`` and ``%`` (``95%``), none around ``.`` in
``table.column`` and around ``..`` in a scale range (``1..5``), none between a function and its
``(``. Word units get a space (``200 元``, ``8 months``); ``2026-01 .. 2026-12`` has spaces.
Labels, strings, numbers and comparison operators (``≤``) are kept exactly as written, and so
are the parentheses the author wrote.

Comments: a comment after code stays at the end of the line where the token before it is
emitted, two spaces after the code; on consecutive lines that all end in a comment, the
comments are aligned two spaces after the longest code. A comment on a line of its own goes on
a line of its own before the line of the next token, with that line's indentation (at the
end of the file: unindented). Where that would put it before an end-of-line comment that the
source has first, it goes to the end of the line instead, so comments keep their order.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path

import attrs
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from assessor.errors import AssessorError
from assessor.syntax.lalr import grammar_parser
from assessor.syntax.parser import _check_limits, _syntax_diagnostic

MAX_WIDTH = 100
INDENT = 2

Node = Tree | Token
_COMMENT = re.compile(r"#[^\n]*")
# Top-level declarations of these kinds may stand together without a blank line between.
_GROUPABLE = frozenset({"param", "role", "metric", "amend", "drop"})
# Scorecard parts that keep a blank line before them where the source had one.
_SPACED_PARTS = frozenset({"dimension", "indicator", "rubric", "deduct", "veto"})
_OPTIONS = frozenset({"option_missing", "option_cap", "option_floor"})
_METHODS = frozenset({"bands", "linear", "attainment", "deduct_each", "direct", "table_method"})


def format_scheme(text: str, file: str = "<scheme>") -> str:
    """Scheme text in the canonical layout, comments kept; raise a located error if invalid."""
    tree = _parse(text, file)
    leaves = list(_leaves(tree))
    tokens = [token for token, _parent, _index in leaves]
    glued = _glue(leaves)
    comments, blank_before = _gaps(text, tokens)
    blocks = [_header(tree.children[0])]
    blocks += [_declaration(child, glued) for child in tree.children[1:] if child is not None]
    _attach(comments, blocks, tokens)
    return _Renderer(glued, blank_before, comments, tokens[-1].end_pos).render(blocks)


# Parsing ---------------------------------------------------------------------------------------


@cache
def _layout_parser() -> Lark:
    """The scheme grammar, keeping keywords and punctuation in the tree so they can be laid out."""
    return grammar_parser(Lark, "layout", keep_all_tokens=True)


def _parse(text: str, file: str) -> Tree:
    """The full parse tree, or the same located error that ``parser.parse`` raises."""
    _check_limits(text, file)
    try:
        return _layout_parser().parse(text)
    except UnexpectedInput as error:
        raise AssessorError(_syntax_diagnostic(error, text, file)) from None


def _leaves(tree: Tree) -> Iterator[tuple[Token, Tree, int]]:
    """Every token in source order with its parent and its index there.

    Iterative, because a long sum such as ``a + b + c + ...`` is a deep left-leaning tree.
    """
    stack: list[tuple[Tree, int]] = [(tree, 0)]
    while stack:
        node, index = stack.pop()
        if index >= len(node.children):
            continue
        stack.append((node, index + 1))
        child = node.children[index]
        if isinstance(child, Tree):
            stack.append((child, 0))
        elif child is not None:
            yield child, node, index


def _tokens(nodes: Sequence[Node | None]) -> list[Token]:
    """The tokens of some sibling nodes, in order."""
    found: list[Token] = []
    for node in nodes:
        if isinstance(node, Tree):
            found.extend(token for token, _parent, _index in _leaves(node))
        elif node is not None:
            found.append(node)
    return found


def _is_word(node: Node | None, word: str) -> bool:
    """Whether a node is the keyword or punctuation ``word`` (not a name that happens to match)."""
    return isinstance(node, Token) and node.type not in ("NAME", "STRING") and node == word


def _is_tree(node: Node | None, *names: str) -> bool:
    return isinstance(node, Tree) and node.data in names


def _is_effect(node: Node) -> bool:
    return isinstance(node, Tree) and node.data.startswith("effect")


# Spacing within a line -------------------------------------------------------------------------


def _glue(leaves: Sequence[tuple[Token, Tree, int]]) -> set[int]:
    """The ids of the tokens written with no space before them."""
    glued: set[int] = set()
    binds_next = False
    for token, parent, index in leaves:
        if binds_next or _binds_to_previous(token, parent, index):
            glued.add(id(token))
        binds_next = _binds_to_next(token, parent, index)
    return glued


def _binds_to_previous(token: Token, parent: Tree, index: int) -> bool:
    if token.type == "PERCENT" or _is_word(token, ".") or _is_word(token, ":"):
        return True
    if _is_word(token, ")") or _is_word(token, ","):
        return True
    if _is_word(token, "..") and parent.data == "scale_range":
        return True
    # a call's parenthesis follows its function name: kpi("x"), not kpi ("x")
    return _is_word(token, "(") and index > 0 and _is_tree(parent.children[index - 1], "function")


def _binds_to_next(token: Token, parent: Tree, index: int) -> bool:
    if _is_word(token, "(") or _is_word(token, "."):
        return True
    if _is_word(token, "..") and parent.data == "scale_range":
        return True
    # a sign, not a subtraction: -5, -x
    return _is_word(token, "-") and (
        parent.data == "signed_quantity" or (parent.data == "negate" and index == 0)
    )


def _width(text: str) -> int:
    """Terminal columns taken by text: Chinese characters take two, combining marks none."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


# Lines -----------------------------------------------------------------------------------------


@attrs.define
class _Cell:
    """A run of tokens spaced by the rules above; cells of a line are ``gap`` spaces apart."""

    tokens: list[Token]
    gap: int = 2
    pad_to: int = 0  # the display width of an aligned column


@attrs.define
class _Comment:
    text: str
    pos: int
    own_line: bool
    blank_before: bool


@attrs.define
class _Line:
    indent: int
    cells: list[_Cell]
    before: list[_Comment] = attrs.field(factory=list)
    after: list[_Comment] = attrs.field(factory=list)
    spaced: bool = False  # the first line of a scorecard part: keeps the source's blank line


@attrs.define
class _Block:
    """One top-level declaration (or the header) laid out in lines."""

    kind: str
    lines: list[_Line]


def _line(indent: int, *cells: Sequence[Node | None]) -> _Line:
    """A line whose cells, each made of some sibling nodes, are two spaces apart."""
    found = (_tokens(cell) for cell in cells)
    return _Line(indent, [_Cell(tokens) for tokens in found if tokens])


def _cell_text(cell: _Cell, glued: set[int]) -> str:
    pieces = []
    for token in cell.tokens:
        if pieces and id(token) not in glued:
            pieces.append(" ")
        pieces.append(str(token))
    return "".join(pieces)


def _line_text(line: _Line, glued: set[int]) -> str:
    """A line's code, indented, with its cells spaced and padded."""
    text = ""
    for cell in line.cells:
        part = _cell_text(cell, glued)
        if not part and not cell.pad_to:
            continue  # a role without a label outside an aligned run
        if text:
            text += " " * cell.gap
        text += part + " " * (cell.pad_to - _width(part))
    return " " * line.indent + text


def _split(nodes: Sequence[Node | None], starts: Callable[[Node], bool]) -> list[list[Node]]:
    """Consecutive groups of nodes; a node for which ``starts`` holds begins a new group."""
    groups: list[list[Node]] = []
    for node in nodes:
        if node is None:
            continue
        if not groups or starts(node):
            groups.append([])
        groups[-1].append(node)
    return groups


def _head(nodes: Sequence[Node | None], part_of_head: Callable[[Node], bool]) -> int:
    """How many leading nodes belong to a declaration's first line."""
    for index, node in enumerate(nodes):
        if node is not None and not part_of_head(node):
            return index
    return len(nodes)


def _header(tree: Tree) -> _Block:
    own_line = [c for c in tree.children if not _is_tree(c, "uses", "period", "stores")]
    lines = [_line(0, own_line)]
    for child in tree.children:
        if _is_tree(child, "uses", "stores"):
            lines.append(_line(INDENT, [child]))
        elif _is_tree(child, "period"):
            own = [c for c in child.children if not _is_tree(c, "transfer")]
            parts = _split(own, lambda n: _is_tree(n, "review", "window"))
            lines.append(_line(INDENT, *parts))
            lines.extend(_line(INDENT, [c]) for c in child.children if _is_tree(c, "transfer"))
    return _Block("header", lines)


def _declaration(tree: Tree, glued: set[int]) -> _Block:
    if tree.data == "metric":
        return _metric(tree, glued)
    layouts: dict[str, Callable[[Tree], _Block]] = {
        "role": _role,
        "rule": _rule,
        "scorecard": _scorecard,
        "grade": _grade,
        "bonus_by_grade": _bonus_by_grade,
        "limit": _limit,
    }
    layout = layouts.get(tree.data)
    # param, pool, bonus_amount and anything newer than this module: one line
    return layout(tree) if layout else _Block(tree.data, [_line(0, [tree])])


def _role(tree: Tree) -> _Block:
    name = [c for c in tree.children if isinstance(c, Token)]  # role NAME
    label = [c for c in tree.children if _is_tree(c, "label")]
    source = [c for c in tree.children if isinstance(c, Tree) and c.data != "label"]
    cells = [_Cell(_tokens(name)), _Cell(_tokens(label), gap=1), _Cell(_tokens(source), gap=1)]
    return _Block("role", [_Line(0, cells)])


def _metric(tree: Tree, glued: set[int]) -> _Block:
    children = [c for c in tree.children if c is not None]
    head = _head(children, lambda n: not _is_tree(n, "rollup", "missing"))
    tails = [[c] for c in children[head:]]
    one_line = _line(0, children[:head], *tails)
    if _width(_line_text(one_line, glued)) <= MAX_WIDTH:
        return _Block("metric", [one_line])
    # too wide: break before the grain, or before "=" when there is none
    cut = _head(children, lambda n: not (_is_tree(n, "grain") or _is_word(n, "=")))
    lines = [_line(0, children[:cut]), _line(INDENT, children[cut:head], *tails)]
    return _Block("metric-lines", lines)


def _rule(tree: Tree) -> _Block:
    children = tree.children
    head = _head(children, lambda n: not _is_tree(n, "hit", "when", "otherwise"))
    hit = [c for c in children if _is_tree(c, "hit")]
    lines = [_line(0, children[:head], hit)]
    for child in children[head:]:
        if _is_tree(child, "when"):
            # two spaces between the condition and what it pays
            lines.append(_line(INDENT, child.children[:-1], child.children[-1:]))
        elif isinstance(child, Tree) and child.data != "hit":
            lines.append(_line(INDENT, [child]))
    return _Block("rule", lines)


def _scorecard(tree: Tree) -> _Block:
    children = tree.children
    head = _head(children, lambda n: isinstance(n, Token) or _is_tree(n, "label"))
    lines = [_line(0, children[:head])]
    lines += _parts(children[head:], INDENT)
    return _Block("scorecard", lines)


def _parts(nodes: Sequence[Node | None], indent: int) -> list[_Line]:
    """The lines of a scorecard's or dimension's parts; a run of options shares one line."""
    lines: list[_Line] = []
    for group in _split(nodes, lambda n: not _is_tree(n, *_OPTIONS)):
        if _is_tree(group[0], *_OPTIONS):
            lines.append(_line(indent, *([option] for option in group)))
            continue
        part, options = group[0], [[option] for option in group[1:]]
        first = len(lines)
        if _is_tree(part, "dimension"):
            lines += _dimension(part, indent)
        elif _is_tree(part, "indicator"):
            lines += _indicator(part, indent)
        elif _is_tree(part, "rubric"):
            lines += _rubric(part, indent)
        elif _is_tree(part, "veto"):
            effects = _split(part.children, _is_effect)
            lines.append(_line(indent, *effects))
        else:
            lines.append(_line(indent, [part]))
        lines[first].spaced = _is_tree(part, *_SPACED_PARTS)
        if options:
            lines.append(_line(indent, *options))
    return lines


def _dimension(tree: Tree, indent: int) -> list[_Line]:
    children = tree.children
    head = _head(children, lambda n: isinstance(n, Token) or _is_tree(n, "label", "weight"))
    options = _head(children[head:], lambda n: _is_tree(n, *_OPTIONS)) + head
    # a dimension's options stay on its own line, two spaces apart
    first = _line(indent, children[:head], *([o] for o in children[head:options]))
    return [first, *_parts(children[options:], indent + INDENT)]


def _indicator(tree: Tree, indent: int) -> list[_Line]:
    children = tree.children
    head = _head(children, lambda n: not _is_word(n, "value"))
    lines = [_line(indent, children[:head])]
    inner = indent + INDENT
    rest = [c for c in children[head:] if c is not None]
    method = _head(rest, lambda n: not _is_tree(n, *_METHODS))
    lines.append(_line(inner, rest[:method]))  # value EXPR
    options = [[c] for c in rest[method + 1 :]]
    lines.append(_line(inner, rest[method : method + 1]))
    if options:
        lines.append(_line(inner, *options))
    return [line for line in lines if line.cells]


def _rubric(tree: Tree, indent: int) -> list[_Line]:
    children = tree.children
    head = _head(children, lambda n: isinstance(n, Token) or _is_tree(n, "label", "weight"))
    lines = [_line(indent, children[:head])]
    inner = indent + INDENT
    options = [[c] for c in children[head:] if _is_tree(c, *_OPTIONS)]
    for child in children[head:]:
        if child is not None and not _is_tree(child, *_OPTIONS):
            lines.append(_line(inner, [child]))  # scale, aggregate, criteria
    if options:
        lines.append(_line(inner, *options))
    return lines


def _grade(tree: Tree) -> _Block:
    children = tree.children
    head = _head(children, lambda n: not _is_tree(n, "grade_band"))
    quotas = _head(children[head:], lambda n: not _is_tree(n, "quota")) + head
    lines = [_line(0, children[:head]), _line(INDENT, children[head:quotas])]
    lines += [_line(INDENT, [quota]) for quota in children[quotas:] if quota is not None]
    return _Block("grade", lines)


def _bonus_by_grade(tree: Tree) -> _Block:
    children = tree.children
    head = _head(children, lambda n: not _is_tree(n, "bonus_band", "bonus_else"))
    return _Block("bonus", [_line(0, children[:head]), _line(INDENT, children[head:])])


def _limit(tree: Tree) -> _Block:
    parts = _split(tree.children, lambda n: _is_tree(n, "limit_reward", "limit_penalty"))
    return _Block("limit", [_line(0, *parts)])


# Comments --------------------------------------------------------------------------------------


def _gaps(text: str, tokens: Sequence[Token]) -> tuple[list[_Comment], dict[int, bool]]:
    """The comments between the tokens, and for each token whether a blank line precedes it.

    Found by scanning the text between consecutive tokens, which holds only white space and
    comments: a ``#`` inside a label is part of a STRING token, so it is never seen here.
    """
    comments: list[_Comment] = []
    blank_before: dict[int, bool] = {}
    for index in range(len(tokens) + 1):
        start = tokens[index - 1].end_pos if index else 0
        end = tokens[index].start_pos if index < len(tokens) else len(text)
        gap = text[start:end]
        cursor = 0
        for match in _COMMENT.finditer(gap):
            own_line = index == 0 or "\n" in gap[: match.start()]
            blank = gap[cursor : match.start()].count("\n") >= 2
            comments.append(
                _Comment(match.group().rstrip(), start + match.start(), own_line, blank)
            )
            cursor = match.end()
        if index < len(tokens):
            blank_before[id(tokens[index])] = gap[cursor:].count("\n") >= 2
    return comments, blank_before


def _attach(
    comments: Sequence[_Comment], blocks: Sequence[_Block], tokens: Sequence[Token]
) -> None:
    """Give each comment to a line: after the token before it, or before the token after it.

    Own-line comments after the last token are left out: the renderer writes them at the end.
    """
    line_of = {
        id(t): line
        for block in blocks
        for line in block.lines
        for c in line.cells
        for t in c.tokens
    }
    starts = [token.start_pos for token in tokens]
    for comment in comments:
        following = _bisect(starts, comment.pos)
        if not comment.own_line:
            line_of[id(tokens[following - 1])].after.append(comment)
        elif following < len(tokens):
            line_of[id(tokens[following])].before.append(comment)
    for line in (line for block in blocks for line in block.lines):
        _keep_order(line)


def _bisect(starts: Sequence[int], pos: int) -> int:
    """The index of the first token that starts after ``pos``."""
    low, high = 0, len(starts)
    while low < high:
        middle = (low + high) // 2
        if starts[middle] < pos:
            low = middle + 1
        else:
            high = middle
    return low


def _keep_order(line: _Line) -> None:
    """Own-line comments that the source has after one of the line's end comments go last too.

    Otherwise ``a  # one`` / ``# two`` / ``+ b`` would put ``# two`` above ``# one``.
    """
    if not line.after:
        return
    first_after = line.after[0].pos
    moved = [c for c in line.before if c.pos > first_after]
    line.before = [c for c in line.before if c.pos < first_after]
    line.after = sorted(line.after + moved, key=lambda c: c.pos)


# Rendering -------------------------------------------------------------------------------------


@attrs.define
class _Row:
    """One output line: code with an optional end comment, a comment alone, or blank."""

    code: str = ""
    comment: str = ""


class _Renderer:
    """Blocks of lines with their comments to text."""

    def __init__(
        self,
        glued: set[int],
        blank_before: dict[int, bool],
        comments: Sequence[_Comment],
        end_of_code: int,
    ) -> None:
        self.glued = glued
        self.blank_before = blank_before
        self.comments = comments
        self.end_of_code = end_of_code

    def render(self, blocks: Sequence[_Block]) -> str:
        separated = [self._blank_lines(blocks, index) for index in range(len(blocks))]
        _align_roles(blocks, separated)
        rows: list[_Row] = []
        for block, blanks in zip(blocks, separated, strict=True):
            rows += self._block_rows(block, blanks)
        rows += self._end_rows()
        _align_comments(rows)
        return "".join(_row_text(row) + "\n" for row in rows)

    def _leading(self, line: _Line) -> list[_Comment]:
        """The comments the source has before a line's first token (not moved up from later)."""
        first = line.cells[0].tokens[0].start_pos
        return [c for c in line.before if c.pos < first]

    def _source_blanks(self, line: _Line) -> list[bool]:
        """Whether the source has a blank line before each leading comment and before the line."""
        blanks = [c.blank_before for c in self._leading(line)]
        blanks.append(self.blank_before[id(line.cells[0].tokens[0])])
        return blanks

    def _blank_lines(self, blocks: Sequence[_Block], index: int) -> list[bool]:
        """Whether a blank line goes before each leading comment and before the declaration."""
        block = blocks[index]
        blanks = self._source_blanks(block.lines[0])
        if index == 0:
            blanks[0] = False  # nothing blank at the start of the file
        elif _separate(blocks[index - 1].kind, block.kind) and not any(blanks):
            blanks[0] = True
        return blanks

    def _block_rows(self, block: _Block, blanks: Sequence[bool]) -> list[_Row]:
        rows: list[_Row] = []
        for number, line in enumerate(block.lines):
            prefix = " " * line.indent
            if number == 0 or line.spaced:
                # the blank lines kept before the line and its leading comments
                leading = self._leading(line)
                line_blanks = blanks if number == 0 else self._source_blanks(line)
                for comment, blank in zip(leading, line_blanks, strict=False):
                    rows += [_Row()] * blank + [_Row(comment=prefix + comment.text)]
                rows += [_Row()] * line_blanks[-1]
                own = line.before[len(leading) :]
            else:
                own = line.before
            rows += [_Row(comment=prefix + c.text) for c in own]
            code = _line_text(line, self.glued)
            rows.append(_Row(code, "  ".join(c.text for c in line.after)))
        return rows

    def _end_rows(self) -> list[_Row]:
        """Own-line comments after the last token, with the blank lines the source had."""
        rows: list[_Row] = []
        for comment in self.comments:
            if comment.own_line and comment.pos > self.end_of_code:
                rows += [_Row()] * comment.blank_before + [_Row(comment=comment.text)]
        return rows


def _row_text(row: _Row) -> str:
    if row.code and row.comment:
        return f"{row.code}  {row.comment}"
    return row.code or row.comment


def _separate(previous: str, current: str) -> bool:
    """Whether two top-level declarations must have a blank line between them."""
    return not (previous == current and current in _GROUPABLE)


def _align_roles(blocks: Sequence[_Block], separated: Sequence[Sequence[bool]]) -> None:
    """Align runs of two or more role lines with no blank line between them in columns."""
    run: list[_Line] = []
    for block, blanks in zip(blocks, separated, strict=True):
        if block.kind != "role" or any(blanks):
            _align_run(run)
            run = []
        if block.kind == "role":
            run.append(block.lines[0])
    _align_run(run)


def _align_run(lines: Sequence[_Line]) -> None:
    if len(lines) < 2:
        return
    # names and labels are single tokens (after the keyword), so plain joining measures them
    widths = [[_width(" ".join(cell.tokens)) for cell in line.cells] for line in lines]
    name_width = max(w[0] for w in widths)
    label_width = max(w[1] for w in widths)
    for line in lines:
        name, label, source = line.cells
        name.pad_to = name_width
        label.pad_to = label_width
        source.gap = 2 if label_width else 1


def _align_comments(rows: Sequence[_Row]) -> None:
    """Align the end comments of consecutive lines two spaces after the longest code."""
    index = 0
    while index < len(rows):
        end = index
        while end < len(rows) and rows[end].code and rows[end].comment:
            end += 1
        if end - index >= 2:
            column = max(_width(row.code) for row in rows[index:end])
            for row in rows[index:end]:
                row.code += " " * (column - _width(row.code))
        index = max(end, index + 1)


# Files -----------------------------------------------------------------------------------------


def scheme_files(paths: Iterable[Path]) -> list[Path]:
    """The files to format: each file named, and every ``*.assess`` file under each folder named.

    Hidden folders (``.git``, ``.venv``) under a named folder are skipped.
    """
    found: dict[Path, None] = {}
    for path in paths:
        if not path.is_dir():
            found[path] = None  # a missing file is reported when it is read
            continue
        for file in sorted(path.rglob("*.assess")):
            hidden = any(part.startswith(".") for part in file.relative_to(path).parts)
            if file.is_file() and not hidden:
                found[file] = None
    return list(found)


def replace_file(path: Path, text: str) -> None:
    """Write text over a file atomically: a temporary file in the same folder, then a rename.

    The file keeps its permissions; an interrupted write leaves the old file as it was.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        shutil.copymode(path, temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def scheme_diff(name: str, before: str, after: str) -> str:
    """A unified diff from ``before`` to ``after``, every line ending in a newline."""
    lines = [text.splitlines(keepends=True) for text in (before, after)]
    for text_lines in lines:
        if text_lines and not text_lines[-1].endswith("\n"):
            text_lines[-1] += "\n"
    return "".join(difflib.unified_diff(*lines, f"{name}", f"{name} (formatted)"))
