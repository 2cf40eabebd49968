"""Text to syntax tree: the only module that knows the grammar.

``parse(text, file)`` returns a :class:`~assessor.syntax.ast.SchemeText` or raises an
:class:`~assessor.errors.AssessorError` whose diagnostic names the place and, in words, what
could have come there instead.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from importlib import resources

import lark
from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from assessor.errors import AssessorError, Diagnostic, Span, fail
from assessor.syntax import ast

# A scheme is a document a person writes: far larger or deeper input is a mistake or an attack.
MAX_SCHEME_BYTES = 1_000_000
MAX_NESTING = 64

_TERMINAL_WORDS = {
    "NAME": "a name",
    "STRING": 'a quoted label ("...")',
    "NUMBER": "a number",
    "MONTH": "a month such as 2015-08",
    "COMPARE": "a comparison (<, <=, =, >=, >)",
    "PERCENT": "'%'",
    "$END": "the end of the file",
}


@cache
def _parser() -> Lark:
    """Build the LALR parser once per process (the grammar file is cached by lark too)."""
    grammar = resources.files("assessor.syntax").joinpath("grammar.lark").read_text("utf-8")
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=True)


def parse(text: str, file: str = "<scheme>") -> ast.SchemeText:
    """Parse scheme text into a syntax tree, or raise with a located diagnostic."""
    _check_limits(text, file)
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as error:
        raise AssessorError(_syntax_diagnostic(error, text, file)) from None
    try:
        return _ToAst(file).transform(tree)
    except VisitError as error:
        # lark wraps what the transformer raises; our own errors pass through unwrapped
        if isinstance(error.orig_exc, AssessorError):
            raise error.orig_exc from None
        raise


def _check_limits(text: str, file: str) -> None:
    """Refuse input too large or too deeply nested before the parser sees it."""
    if len(text.encode("utf-8")) > MAX_SCHEME_BYTES:
        fail(
            "E104",
            f"the scheme is larger than {MAX_SCHEME_BYTES:,} bytes",
            Span(file, 1, 1, 1, 1),
            "split it, or check that this is the scheme file you meant",
        )
    depth = 0
    for offset, char in enumerate(text):
        depth += (char == "(") - (char == ")")
        if depth > MAX_NESTING:
            line = text.count("\n", 0, offset) + 1
            column = offset - (text.rfind("\n", 0, offset) + 1) + 1
            fail(
                "E105",
                f"parentheses are nested more than {MAX_NESTING} deep",
                Span(file, line, column, line, column + 1),
                "name the inner part as a metric of its own",
            )


def _syntax_diagnostic(error: UnexpectedInput, text: str, file: str) -> Diagnostic:
    """Turn lark's exception into a sentence with the expected tokens in words."""
    line, column = error.line, error.column
    if isinstance(error, UnexpectedCharacters):
        char = text[error.pos_in_stream] if error.pos_in_stream < len(text) else ""
        span = Span(file, line, column, line, column + 1)
        return Diagnostic(
            "E102", f"unexpected character {char!r}", span, _expected_hint(error.allowed)
        )
    assert isinstance(error, UnexpectedToken)  # the only other kind an LALR parse raises
    token = error.token
    if token.type == "$END":
        return Diagnostic(
            "E103",
            "the scheme ends too early",
            _end_of_text(text, file),
            _expected_hint(error.accepts or error.expected),
        )
    span = Span(file, line, column, token.end_line or line, token.end_column or column + 1)
    return Diagnostic(
        "E101",
        f"unexpected {_describe_token(token)}",
        span,
        _expected_hint(error.accepts or error.expected),
    )


def _end_of_text(text: str, file: str) -> Span:
    """The place just after the last written character, where something more was expected."""
    body = "\n".join(line.split("#", 1)[0] for line in text.splitlines()).rstrip()
    line = body.count("\n") + 1
    column = len(body) - (body.rfind("\n") + 1) + 1
    return Span(file, line, column, line, column + 1)


def _describe_token(token: Token) -> str:
    """How a person would name the token that was found."""
    if token.type in ("NAME", "NUMBER", "STRING", "MONTH"):
        return f"{_TERMINAL_WORDS[token.type].removeprefix('a ')} {token.value}"
    return f"{token.value!r}"


def _expected_hint(names: set[str] | frozenset[str]) -> str | None:
    """``expected one of: 'when', a name`` with lark's terminal names turned into words."""
    words = sorted({_terminal_word(name) for name in names})
    if not words:
        return None
    return "expected " + (words[0] if len(words) == 1 else "one of: " + ", ".join(words))


@cache
def _literal_patterns() -> dict[str, str]:
    """Terminal name -> its literal text, for anonymous terminals such as WHEN or LPAR."""
    return {
        t.name: t.pattern.value
        for t in _parser().terminals
        if isinstance(t.pattern, lark.lexer.PatternStr)
    }


def _terminal_word(name: str) -> str:
    return _TERMINAL_WORDS.get(name) or repr(_literal_patterns().get(name, name.lower()))


def _span(meta_or_token: object, file: str) -> Span:
    """The span of a tree node's meta or of a token (lark columns are 1-based, end exclusive)."""
    m = meta_or_token
    return Span(file, m.line, m.column, m.end_line, m.end_column)  # type: ignore[attr-defined]


@v_args(meta=True, inline=True)
class _ToAst(Transformer):
    """Builds typed nodes; every grammar rule has a method, and anything else is a bug."""

    def __init__(self, file: str) -> None:
        super().__init__()
        self.file = file

    def __default__(self, data, children, meta):
        raise NotImplementedError(f"grammar rule {data!r} has no transformer method")

    def _id(self, token: Token) -> ast.Identifier:
        return ast.Identifier(str(token), _span(token, self.file))

    # header and declarations

    def start(self, meta, header, *declarations):
        return ast.SchemeText(self.file, header, tuple(declarations))

    def header(self, meta, title, uses, period):
        kind, window = period
        return ast.Header(_unquote(title), uses, kind, window, _span(meta, self.file))

    def uses(self, meta, *names):
        return tuple(self._id(n) for n in names)

    def period(self, meta, kind, window=None):
        return self._id(kind), window

    def window(self, meta, first, last):
        return ast.Window(self._id(first), self._id(last), _span(meta, self.file))

    def label(self, meta, text):
        return _unquote(text)

    def param(self, meta, name, *rest):
        labels = [r for r in rest if isinstance(r, str)]
        value = next(r for r in rest if isinstance(r, ast.Quantity))
        return ast.ParamDecl(
            self._id(name), labels[0] if labels else None, value, _span(meta, self.file)
        )

    def role(self, meta, name, *rest):
        label = rest[0] if len(rest) == 2 else None
        return ast.RoleDecl(self._id(name), label, rest[-1], _span(meta, self.file))

    def role_from(self, meta, table, column):
        return ast.FromColumn(self._id(table), self._id(column), _span(meta, self.file))

    def role_store(self, meta):
        return ast.StoreLevel(_span(meta, self.file))

    def grain(self, meta, role):
        return self._id(role)

    def metric(self, meta, name, *rest):
        label = next((r for r in rest[:-1] if isinstance(r, str)), None)
        grain = next((r for r in rest[:-1] if isinstance(r, ast.Identifier)), None)
        return ast.MetricDecl(self._id(name), label, grain, rest[-1], _span(meta, self.file))

    def role_list(self, meta, *names):
        return tuple(self._id(n) for n in names)

    def rule(self, meta, *parts):
        name = next((self._id(p) for p in parts if isinstance(p, Token)), None)
        label = next((p for p in parts if isinstance(p, str) and not isinstance(p, Token)), None)
        roles = next(p for p in parts if isinstance(p, tuple))
        clauses = tuple(p for p in parts if isinstance(p, ast.When))
        otherwise = next((p for p in parts if isinstance(p, ast.Outcome)), None)
        return ast.RuleDecl(name, label, roles, clauses, otherwise, _span(meta, self.file))

    def when(self, meta, condition, outcome):
        return ast.When(condition, outcome, _span(meta, self.file))

    def otherwise(self, meta, outcome):
        return outcome

    def reward(self, meta, amount):
        return ast.Outcome("reward", amount, _span(meta, self.file))

    def penalty(self, meta, amount):
        return ast.Outcome("penalty", amount, _span(meta, self.file))

    def plain_amount(self, meta, amount):
        return ast.Outcome("amount", amount, _span(meta, self.file))

    # expressions

    def quantity(self, meta, number, unit=None):
        return ast.Quantity(Decimal(str(number)), unit, _span(meta, self.file))

    def unit(self, meta, token):
        return self._id(token)

    def name_ref(self, meta, name):
        return ast.NameRef(self._id(name), _span(meta, self.file))

    def function(self, meta, *names):
        return ast.Identifier(".".join(names), _span(meta, self.file))

    def call(self, meta, function, *arguments):
        present = tuple(a for a in arguments if a is not None)
        return ast.Call(function, present, _span(meta, self.file))

    def argument(self, meta, value):
        return ast.Argument(value, None, _span(meta, self.file))

    def keyword_argument(self, meta, keyword, value):
        return ast.Argument(value, self._id(keyword), _span(meta, self.file))

    def over_mapping(self, meta, function, operand, table, column):
        return ast.OverMapping(
            function, operand, self._id(table), self._id(column), _span(meta, self.file)
        )

    def over_previous(self, meta, function, operand, count):
        return ast.OverPrevious(function, operand, count, _span(meta, self.file))

    def compare(self, meta, left, operator, right):
        return ast.Compare(str(operator), left, right, _span(meta, self.file))

    def _binary(self, operator, meta, left, right):
        return ast.Binary(operator, left, right, _span(meta, self.file))

    def add(self, meta, left, right):
        return self._binary("+", meta, left, right)

    def subtract(self, meta, left, right):
        return self._binary("-", meta, left, right)

    def multiply(self, meta, left, right):
        return self._binary("*", meta, left, right)

    def divide(self, meta, left, right):
        return self._binary("/", meta, left, right)

    def and_(self, meta, left, right):
        return ast.Logical("and", left, right, _span(meta, self.file))

    def or_(self, meta, left, right):
        return ast.Logical("or", left, right, _span(meta, self.file))

    def not_(self, meta, operand):
        return ast.Not(operand, _span(meta, self.file))

    def negate(self, meta, operand):
        return ast.Negate(operand, _span(meta, self.file))


def _unquote(token: Token) -> str:
    r"""The text of a quoted label, with ``\"`` and ``\\`` unescaped."""
    body = str(token)[1:-1]
    return body.replace('\\"', '"').replace("\\\\", "\\")
