"""Text to syntax tree: the only module that knows the grammar.

``parse(text, file)`` returns a :class:`~assessor.syntax.ast.SchemeText` or raises an
:class:`~assessor.errors.AssessorError` whose diagnostic names the place and, in words, what
could have come there instead. It runs `syntax.lexparse` over the tables lark built, and
does not import lark; `parse_with_lark` is the same parse through lark, the reference the
tests hold it to.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from assessor.errors import AssessorError, Diagnostic, Span, fail
from assessor.syntax import ast, lexparse
from assessor.syntax.limits import MAX_EXPRESSION_DEPTH
from assessor.syntax.limits import check_text as _check_limits

if TYPE_CHECKING:
    from lark import Lark, Tree

    from assessor.syntax.lexparse import Place, Token

# Grammar rules that are one level of an expression.
_EXPRESSION_RULES = frozenset(
    {
        "compare",
        "add",
        "subtract",
        "multiply",
        "divide",
        "and_",
        "or_",
        "not_",
        "negate",
        "call",
        "over_mapping",
        "over_previous",
        "over_peers",
        "over_brand",
    }
)

_TERMINAL_WORDS = {
    "NAME": "a name",
    "STRING": 'a quoted label ("...")',
    "NUMBER": "a number",
    "MONTH": "a month such as 2015-08",
    "COMPARE": "a comparison (<, <=, =, >=, >)",
    "PERCENT": "'%'",
    "$END": "the end of the file",
}


def parse(text: str, file: str = "<scheme>") -> ast.SchemeText:
    """Parse scheme text into a syntax tree, or raise with a located diagnostic."""
    _check_limits(text, file)
    builder = _ToAst(file)
    try:
        tree, too_deep = lexparse.parse(
            text, builder.builders(), _EXPRESSION_RULES, MAX_EXPRESSION_DEPTH
        )
    except lexparse.UnexpectedText as error:
        raise AssessorError(_syntax_diagnostic(error, text, file)) from None
    if too_deep is not None:
        builder.too_deep(too_deep)
    return tree


def parse_with_lark(text: str, file: str = "<scheme>") -> ast.SchemeText:
    """`parse` through lark's own lexer and parser: the same tree and the same diagnostics,
    only slower to start. The reference `parse` is tested against.
    """
    from lark.exceptions import UnexpectedInput

    _check_limits(text, file)
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as error:
        raise AssessorError(_syntax_diagnostic(error, text, file)) from None
    return _ToAst(file).transform(tree)


def _parser() -> Lark:
    """The grammar loaded into lark (for `parse_with_lark`, `words` and the tests)."""
    from assessor.syntax.lalr import scheme_parser

    return scheme_parser()


# What a scoring method needs around it to be a scheme; the method starts on the next line.
_METHOD_FRAME = 'scheme "" scorecard _ for _ indicator _ weight 100 value _\n'


def parse_method(text: str, file: str = "<method>") -> ast.Method:
    """One scoring method on its own, as a plugin's scoring table writes it (the words that
    follow ``value …`` in an indicator: ``bands >= 95% -> 100 | else 0``).

    Raises a diagnostic whose place is counted in ``text`` when the text is not exactly one
    method. The method's own spans are those of the text after a first line of frame.
    """
    try:
        tree = parse(_METHOD_FRAME + text, file)
    except AssessorError as error:
        raise AssessorError([_unframed(d) for d in error.diagnostics]) from None
    match tree.declarations:
        case (ast.ScorecardDecl(items=(ast.Indicator(options=()) as item,)) as card,) if not (
            card.dimensions or card.deductions or card.vetoes
        ):
            return item.method
    fail("E101", "the text goes on after the scoring method", None, "write one method only")


def _unframed(diagnostic: Diagnostic) -> Diagnostic:
    """A diagnostic about framed method text, placed in the text itself."""
    if diagnostic.code == "E103":
        diagnostic = attrs.evolve(diagnostic, message="the method ends too early")
    span = diagnostic.location
    if not isinstance(span, Span) or span.line < 2:
        return attrs.evolve(diagnostic, location=None)
    moved = attrs.evolve(span, line=span.line - 1, end_line=max(span.end_line - 1, 1))
    return attrs.evolve(diagnostic, location=moved)


def words(text: str) -> str:
    """The scheme's text without its comments: what a reader finds in its declarations
    (names, labels, criteria), e.g. to check that a seed's indicators are all there.
    """
    tokens = _parser().lex(text, dont_ignore=True)
    return "".join(token.value for token in tokens if token.type != "COMMENT")


def _descendants_first(tree: Tree) -> list[Tree]:
    """Every subtree of ``tree``, each after all the subtrees inside it (iteratively)."""
    from lark import Tree

    order: list[Tree] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(child for child in node.children if isinstance(child, Tree))
    order.reverse()
    return order


def _from_lark(error: Any) -> lexparse.UnexpectedText:
    """Lark's exception as the one `lexparse` raises."""
    from lark.exceptions import UnexpectedCharacters

    if isinstance(error, UnexpectedCharacters):
        allowed = frozenset(error.allowed)
        return lexparse.UnexpectedText(error.line, error.column, error.pos_in_stream, None, allowed)
    accepts = frozenset(error.accepts or ())
    return lexparse.UnexpectedText(
        error.line, error.column, -1, error.token, frozenset(error.expected), accepts
    )


def _syntax_diagnostic(error: Any, text: str, file: str) -> Diagnostic:
    """Turn the parser's exception (or lark's, for `fmt`) into a sentence with the expected
    tokens in words.
    """
    if not isinstance(error, lexparse.UnexpectedText):
        error = _from_lark(error)
    line, column = error.line, error.column
    token = error.token
    if token is None:
        char = text[error.position] if error.position < len(text) else ""
        span = Span(file, line, column, line, column + 1)
        return Diagnostic(
            "E102", f"unexpected character {char!r}", span, _expected_hint(error.expected)
        )
    if token.type == lexparse.END:
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


def _terminal_word(name: str) -> str:
    literals = lexparse.tables().LITERALS
    return _TERMINAL_WORDS.get(name) or repr(literals.get(name, name.lower()))


def _token_span(token: Token, file: str) -> Span:
    """The span of a token (columns are 1-based, the end exclusive)."""
    return Span(file, token.line, token.column, token.end_line, token.end_column)


def _place(node: Tree) -> Place:
    """The place of a node of lark's tree."""
    meta = node.meta
    return (meta.line, meta.column, meta.end_line, meta.end_column)


class _ToAst:
    """Builds typed nodes; every grammar rule has a method, called with the node's place and
    its children, already built.

    `lexparse` calls the methods as it reduces (`builders`); `transform` calls them over a
    tree lark parsed, children first, in a loop (lark's recursive ``Transformer`` would
    exceed Python's recursion limit on a long ``a + b + ...``).
    """

    def __init__(self, file: str) -> None:
        self.file = file

    def builders(self) -> list[lexparse.Builder | None]:
        """The method of each rule of the parser's tables, by rule number (None for the
        rules that build nothing of their own).
        """
        return [
            None if kind in (lexparse.UNIT, lexparse.INLINE) else self._method(name)
            for _, name, _, kind, *_ in lexparse.tables().RULES
        ]

    def transform(self, tree: Tree) -> ast.SchemeText:
        """The syntax tree built from lark's ``tree``, children first.

        On the way it refuses an expression nested more than `MAX_EXPRESSION_DEPTH` levels
        (E106): only operators, calls and aggregates count a level, other nodes (such as an
        argument) pass their deepest child's depth up.
        """
        from lark import Tree

        built: dict[int, object] = {}
        depths: dict[int, int] = {}
        for node in _descendants_first(tree):
            children, depth = [], 0
            for child in node.children:
                if isinstance(child, Tree):
                    children.append(built.pop(id(child)))
                    depth = max(depth, depths.pop(id(child)))
                else:
                    children.append(child)
            if node.data in _EXPRESSION_RULES:
                depth += 1
                if depth > MAX_EXPRESSION_DEPTH:
                    self.too_deep(_place(node))
            depths[id(node)] = depth
            built[id(node)] = self._method(node.data)(_place(node), *children)
        return built[id(tree)]  # type: ignore[return-value]

    def too_deep(self, place: Place) -> None:
        """Refuse an expression nested too deep (E106) at ``place``."""
        fail(
            "E106",
            f"the expression is nested more than {MAX_EXPRESSION_DEPTH} levels deep",
            Span(self.file, *place),
            "name inner parts as metrics of their own",
        )

    def _method(self, rule: str) -> lexparse.Builder:
        method = getattr(self, rule, None)
        if rule.startswith("_") or method is None:
            return _unhandled(rule)
        return method

    def _id(self, token: Token) -> ast.Identifier:
        span = Span(self.file, token.line, token.column, token.end_line, token.end_column)
        return ast.Identifier(token.value, span)

    # header and declarations

    def start(self, meta, header, *declarations):
        return ast.SchemeText(self.file, header, tuple(declarations))

    def header(self, meta, title, extends, version, effective, uses, period, stores):
        return ast.Header(
            _unquote(title),
            uses or (),
            period,
            Span(self.file, *meta),
            extends,
            version,
            effective,
            stores,
        )

    def stores(self, meta, column):
        return self._id(column)

    def extends(self, meta, source):
        return ast.Text(_unquote(source), _token_span(source, self.file))

    def version(self, meta, token):
        text = _unquote(token) if token.type == "STRING" else str(token)
        return ast.Text(text, _token_span(token, self.file))

    def effective(self, meta, day):
        return self._id(day)

    def uses(self, meta, *names):
        return tuple(self._id(n) for n in names)

    def period(self, meta, kind, review, window, transfer):
        return ast.PeriodClause(self._id(kind), review, window, transfer, Span(self.file, *meta))

    def transfer(self, meta, day):
        return self._id(day)

    def review(self, meta, kind):
        return self._id(kind)

    def window(self, meta, first, last):
        return ast.Window(self._id(first), self._id(last), Span(self.file, *meta))

    def label(self, meta, text):
        return _unquote(text)

    def param(self, meta, name, *rest):
        labels = [r for r in rest if isinstance(r, str)]
        value = next(r for r in rest if isinstance(r, ast.Quantity))
        return ast.ParamDecl(
            self._id(name), labels[0] if labels else None, value, Span(self.file, *meta)
        )

    def role(self, meta, name, *rest):
        label = rest[0] if len(rest) == 2 else None
        return ast.RoleDecl(self._id(name), label, rest[-1], Span(self.file, *meta))

    def role_from(self, meta, table, column):
        return ast.FromColumn(self._id(table), self._id(column), Span(self.file, *meta))

    def role_store(self, meta):
        return ast.StoreLevel(Span(self.file, *meta))

    def grain(self, meta, role):
        return self._id(role)

    def metric(self, meta, name, label, grain, expr, rollup, missing):
        return ast.MetricDecl(
            self._id(name), label, grain, expr, rollup, missing, Span(self.file, *meta)
        )

    def rollup(self, meta, kind):
        return self._id(kind)

    def missing(self, meta, policy):
        return policy

    def policy_na(self, meta):
        return ast.Policy("n/a", None, Span(self.file, *meta))

    def policy_carry(self, meta):
        return ast.Policy("carry", None, Span(self.file, *meta))

    def policy_exclude(self, meta):
        return ast.Policy("exclude", None, Span(self.file, *meta))

    def policy_default(self, meta, value):
        return ast.Policy("default", value, Span(self.file, *meta))

    def role_list(self, meta, *names):
        return tuple(self._id(n) for n in names)

    def rule(self, meta, name, label, roles, hit, *parts):
        clauses = tuple(p for p in parts if isinstance(p, ast.When))
        otherwise = next((p for p in parts if isinstance(p, ast.Outcome)), None)
        return ast.RuleDecl(
            self._id(name) if name else None,
            label,
            roles,
            hit,
            clauses,
            otherwise,
            Span(self.file, *meta),
        )

    def hit(self, meta, policy):
        return self._id(policy)

    # scorecards

    def scorecard(self, meta, name, label, role, *parts):
        return ast.ScorecardDecl(
            self._id(name),
            label,
            self._id(role),
            _of(parts, ast.ItemOption),
            _of(parts, ast.Indicator, ast.Rubric),
            _of(parts, ast.Dimension),
            _of(parts, ast.Deduct),
            _of(parts, ast.Veto),
            Span(self.file, *meta),
        )

    def dimension(self, meta, name, label, weight, *parts):
        return ast.Dimension(
            self._id(name) if name else None,
            label,
            weight,
            _of(parts, ast.ItemOption),
            _of(parts, ast.Indicator, ast.Rubric),
            Span(self.file, *meta),
        )

    def indicator(self, meta, name, label, weight, value, method, *options):
        return ast.Indicator(
            self._id(name) if name else None,
            label,
            weight,
            value,
            method,
            options,
            Span(self.file, *meta),
        )

    def rubric(self, meta, name, label, weight, scale, aggregate, criteria, *options):
        return ast.Rubric(
            self._id(name) if name else None,
            label,
            weight,
            scale,
            aggregate or (),
            criteria,
            options,
            Span(self.file, *meta),
        )

    def weight(self, meta, value):
        return value

    # adapting a template

    def amend(self, meta, path, *parts):
        weight = next((p for p in parts if isinstance(p, ast.Quantity)), None)
        method = next((p for p in parts if isinstance(p, ast.Method)), None)
        options = _of(parts, ast.ItemOption)
        return ast.Amend(path, weight, method, options, Span(self.file, *meta))

    def path(self, meta, *segments):
        return tuple(
            ast.Text(_unquote(s), _token_span(s, self.file)) if s.type == "STRING" else self._id(s)
            for s in segments
        )

    def drop(self, meta, *names):
        return ast.Drop(tuple(self._id(n) for n in names), Span(self.file, *meta))

    def option_missing(self, meta, policy):
        return ast.ItemOption("missing", policy, None, Span(self.file, *meta))

    def option_cap(self, meta, value):
        return ast.ItemOption("cap", None, value, Span(self.file, *meta))

    def option_floor(self, meta, value):
        return ast.ItemOption("floor", None, value, Span(self.file, *meta))

    def bands(self, meta, *parts):
        bands = _of(parts, ast.Band)
        otherwise = next((p for p in parts if isinstance(p, ast.Quantity)), None)
        return ast.Bands(bands, otherwise, Span(self.file, *meta))

    def band(self, meta, operator, threshold, result):
        return ast.Band(str(operator), threshold, result, Span(self.file, *meta))

    def band_else(self, meta, value):
        return value

    def linear(self, meta, *points):
        return ast.Linear(points, Span(self.file, *meta))

    def point(self, meta, x, y):
        return (x, y)

    def attainment(self, meta, target):
        return ast.Attainment(target, Span(self.file, *meta))

    def deduct_each(self, meta, amount, per, start):
        return ast.DeductEach(amount, per, start, Span(self.file, *meta))

    def direct(self, meta):
        return ast.Direct(Span(self.file, *meta))

    def table_method(self, meta, name):
        return ast.TableMethod(self._id(name), Span(self.file, *meta))

    def scale_numeric(self, meta, bounds):
        low, high = bounds
        return ast.Scale(low, high, (), Span(self.file, *meta))

    def scale_range(self, meta, low, high):
        return tuple(
            ast.Quantity(Decimal(str(t)), None, _token_span(t, self.file)) for t in (low, high)
        )

    def scale_letters(self, meta, *letters):
        return ast.Scale(None, None, letters, Span(self.file, *meta))

    def letter(self, meta, text, points):
        return (_unquote(text), points)

    def aggregate(self, meta, *words):
        return tuple(self._id(w) for w in words if w is not None)

    def criteria(self, meta, *names):
        return tuple(
            ast.Identifier(_unquote(n) if n.type == "STRING" else str(n), _token_span(n, self.file))
            for n in names
        )

    def deduct(self, meta, expr, label):
        return ast.Deduct(expr, label, Span(self.file, *meta))

    def veto(self, meta, label, condition, *effects):
        return ast.Veto(label, condition, effects, Span(self.file, *meta))

    def effect_score(self, meta, value):
        return ast.Effect("score", value, None, Span(self.file, *meta))

    def effect_grade(self, meta, grade):
        return ast.Effect("grade", None, _unquote(grade), Span(self.file, *meta))

    def effect_no_bonus(self, meta):
        return ast.Effect("no_bonus", None, None, Span(self.file, *meta))

    # grades and money

    def grade(self, meta, name, label, role, on, *parts):
        return ast.GradeDecl(
            self._id(name),
            label,
            self._id(role),
            self._id(on),
            _of(parts, ast.Band),
            next(p for p in parts if isinstance(p, str)),
            _of(parts, ast.Quota),
            Span(self.file, *meta),
        )

    def grade_band(self, meta, operator, threshold, grade):
        return ast.Band(str(operator), threshold, _unquote(grade), Span(self.file, *meta))

    def grade_else(self, meta, grade):
        return _unquote(grade)

    def quota(self, meta, share, grade):
        return ast.Quota(share, _unquote(grade), Span(self.file, *meta))

    def bonus_by_grade(self, meta, name, label, role, grade, *parts):
        amounts = tuple(p for p in parts if isinstance(p, tuple))
        otherwise = next((p for p in parts if isinstance(p, ast.Quantity)), None)
        return ast.BonusDecl(
            self._id(name),
            label,
            self._id(role),
            self._id(grade),
            amounts,
            otherwise,
            None,
            Span(self.file, *meta),
        )

    def bonus_amount(self, meta, name, label, role, expr):
        return ast.BonusDecl(
            self._id(name), label, self._id(role), None, (), None, expr, Span(self.file, *meta)
        )

    def bonus_band(self, meta, grade, amount):
        return (_unquote(grade), amount, Span(self.file, *meta))

    def bonus_else(self, meta, amount):
        return amount

    def limit(self, meta, role, *parts):
        reward = next((q for kind, q in parts if kind == "reward"), None)
        penalty = next((q for kind, q in parts if kind == "penalty"), None)
        return ast.LimitDecl(self._id(role), reward, penalty, Span(self.file, *meta))

    def limit_reward(self, meta, amount):
        return ("reward", amount)

    def limit_penalty(self, meta, amount):
        return ("penalty", amount)

    def pool(self, meta, role, budget):
        with_penalties, amount = budget
        return ast.PoolDecl(self._id(role), with_penalties, amount, Span(self.file, *meta))

    def budget_penalties(self, meta, amount=None):
        return (True, amount)

    def budget_fixed(self, meta, amount):
        return (False, amount)

    def when(self, meta, condition, outcome):
        return ast.When(condition, outcome, Span(self.file, *meta))

    def otherwise(self, meta, outcome):
        return outcome

    def reward(self, meta, amount):
        return ast.Outcome("reward", amount, Span(self.file, *meta))

    def penalty(self, meta, amount):
        return ast.Outcome("penalty", amount, Span(self.file, *meta))

    def plain_amount(self, meta, amount):
        return ast.Outcome("amount", amount, Span(self.file, *meta))

    # expressions

    def quantity(self, meta, number, unit=None):
        return ast.Quantity(Decimal(str(number)), unit, Span(self.file, *meta))

    def signed_quantity(self, meta, minus, number, unit=None):
        value = Decimal(str(number))
        return ast.Quantity(-value if minus else value, unit, Span(self.file, *meta))

    def text(self, meta, token):
        return ast.Text(_unquote(token), Span(self.file, *meta))

    def unit(self, meta, token):
        return self._id(token)

    def name_ref(self, meta, name):
        return ast.NameRef(self._id(name), Span(self.file, *meta))

    def function(self, meta, *names):
        return ast.Identifier(".".join(str(n) for n in names), Span(self.file, *meta))

    def call(self, meta, function, *arguments):
        present = tuple(a for a in arguments if a is not None)
        return ast.Call(function, present, Span(self.file, *meta))

    def argument(self, meta, value):
        return ast.Argument(value, None, Span(self.file, *meta))

    def keyword_argument(self, meta, keyword, value):
        return ast.Argument(value, self._id(keyword), Span(self.file, *meta))

    def over_mapping(self, meta, function, operand, table, column):
        return ast.OverMapping(
            function, operand, self._id(table), self._id(column), Span(self.file, *meta)
        )

    def over_previous(self, meta, function, operand, count):
        return ast.OverPrevious(function, operand, count, Span(self.file, *meta))

    def over_peers(self, meta, function, operand, *arguments):
        return ast.OverPeers(function, operand, arguments, Span(self.file, *meta))

    def over_brand(self, meta, function, operand, *arguments):
        return ast.OverPeers(function, operand, arguments, Span(self.file, *meta), brand=True)

    def compare(self, meta, left, operator, right):
        return ast.Compare(str(operator), left, right, Span(self.file, *meta))

    def _binary(self, operator, meta, left, right):
        return ast.Binary(operator, left, right, Span(self.file, *meta))

    def add(self, meta, left, right):
        return self._binary("+", meta, left, right)

    def subtract(self, meta, left, right):
        return self._binary("-", meta, left, right)

    def multiply(self, meta, left, right):
        return self._binary("*", meta, left, right)

    def divide(self, meta, left, right):
        return self._binary("/", meta, left, right)

    def and_(self, meta, left, right):
        return ast.Logical("and", left, right, Span(self.file, *meta))

    def or_(self, meta, left, right):
        return ast.Logical("or", left, right, Span(self.file, *meta))

    def not_(self, meta, operand):
        return ast.Not(operand, Span(self.file, *meta))

    def negate(self, meta, operand):
        return ast.Negate(operand, Span(self.file, *meta))


def _unhandled(rule: str) -> lexparse.Builder:
    """The method of a rule no method handles: a programming error, raised when it is used."""

    def unhandled(place: Place, *children: object) -> None:
        raise NotImplementedError(f"grammar rule {rule!r} has no transformer method")

    return unhandled


def _of(parts: tuple, *kinds: type) -> tuple:
    """The parts of the given node types, in source order."""
    return tuple(p for p in parts if isinstance(p, kinds))


def _unquote(token: Token) -> str:
    r"""The text of a quoted label, with ``\"`` and ``\\`` unescaped."""
    body = str(token)[1:-1]
    return body.replace('\\"', '"').replace("\\\\", "\\")
