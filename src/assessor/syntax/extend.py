"""A scheme that extends a template, merged with it into one syntax tree.

The scheme takes every declaration of the template. Its own declarations replace the
template's of the same name and kind in place (a rule by its name or label, a limit or pool
by its role) or come after them; ``drop`` leaves template declarations out; ``amend`` replaces
the weight, method or options of one scorecard part. Its header's title, version and
effective date are its own; its ``period`` clause, when it writes one, replaces the
template's whole; its ``uses`` add to the template's. Everything not replaced keeps the
template's text and spans, so a template update reaches every scheme built on it and an error
in a template part points into the template file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from assessor.errors import AssessorError, Diagnostic, Span, suggest
from assessor.syntax import ast

Part = ast.Dimension | ast.Indicator | ast.Rubric


def extend(template: ast.SchemeText, scheme: ast.SchemeText, source: str) -> ast.SchemeText:
    """``scheme`` merged onto ``template`` (named ``source`` in its ``extends``).

    Raises :class:`AssessorError` with every mistake found: a drop or amend that names
    nothing in the template (E236), or a replacement of another kind (E237).
    """
    problems: list[Diagnostic] = []
    own = [d for d in scheme.declarations if not isinstance(d, ast.Amend | ast.Drop)]
    merged = _without_dropped(template.declarations, _drops(scheme), problems)
    merged = _replaced(merged, own, problems)
    for amend in (d for d in scheme.declarations if isinstance(d, ast.Amend)):
        merged = _amended(merged, amend, problems)
    if problems:
        raise AssessorError(problems)
    base = ast.Base(source, template.header.title, _text(template.header.version))
    return ast.SchemeText(
        scheme.file,
        _header(template.header, scheme.header),
        tuple(merged),
        (base, *template.bases),
    )


def _text(node: ast.Text | None) -> str | None:
    return node.value if node is not None else None


def _header(template: ast.Header, scheme: ast.Header) -> ast.Header:
    seen = {u.text for u in template.uses}
    uses = (*template.uses, *(u for u in scheme.uses if u.text not in seen))
    return attrs.evolve(
        scheme,
        uses=uses,
        period=scheme.period or template.period,
        stores=scheme.stores or template.stores,
    )


def declaration_key(decl: ast.Declaration) -> tuple[str, str] | None:
    """What a declaration is known by when a scheme replaces it: its namespace and name."""
    match decl:
        case ast.RuleDecl(name=name, label=label):
            return ("rule", name.text if name else label or "")
        case ast.LimitDecl(role=role):
            return ("limit", role.text)
        case ast.PoolDecl(role=role):
            return ("pool", role.text)
        case ast.Amend() | ast.Drop():
            return None
    return ("name", decl.name.text)


_KINDS = {
    ast.ParamDecl: "param",
    ast.RoleDecl: "role",
    ast.MetricDecl: "metric",
    ast.RuleDecl: "rule",
    ast.ScorecardDecl: "scorecard",
    ast.GradeDecl: "grade",
    ast.BonusDecl: "bonus",
    ast.LimitDecl: "limit",
    ast.PoolDecl: "pool",
}


def _drops(scheme: ast.SchemeText) -> list[ast.Identifier]:
    return [n for d in scheme.declarations if isinstance(d, ast.Drop) for n in d.names]


def _without_dropped(
    declarations: Sequence[ast.Declaration],
    drops: Sequence[ast.Identifier],
    problems: list[Diagnostic],
) -> list[ast.Declaration]:
    """The template's declarations less the dropped ones (a name drops a rule or anything
    else of that name).
    """
    names = {key[1] for d in declarations if (key := declaration_key(d))}
    for name in drops:
        if name.text not in names:
            problems.append(
                Diagnostic(
                    "E236",
                    f"the template has nothing named {name.text!r} to drop",
                    name.span,
                    suggest(name.text, names) or "names: " + ", ".join(sorted(names)),
                )
            )
    dropped = {n.text for n in drops}
    return [d for d in declarations if (key := declaration_key(d)) is None or key[1] not in dropped]


def _replaced(
    declarations: list[ast.Declaration],
    own: Iterable[ast.Declaration],
    problems: list[Diagnostic],
) -> list[ast.Declaration]:
    """The template's declarations with the scheme's own in place of those of the same name,
    and the scheme's new ones after them.
    """
    merged = list(declarations)
    where = {declaration_key(d): i for i, d in enumerate(merged)}
    for decl in own:
        key = declaration_key(decl)
        index = where.get(key)
        if index is None:
            merged.append(decl)
            continue
        before = merged[index]
        if type(before) is not type(decl):
            problems.append(
                Diagnostic(
                    "E237",
                    f"{key[1]!r} is a {_KINDS[type(before)]} in the template, not a "
                    f"{_KINDS[type(decl)]}",
                    decl.span,
                    "replace it with a declaration of the same kind, or `drop` it and use "
                    "another name",
                )
            )
            continue
        if isinstance(decl, ast.ParamDecl) and decl.label is None:
            decl = attrs.evolve(decl, label=before.label)  # a new value, the same meaning
        merged[index] = decl
    return merged


# -- amend: one scorecard part ----------------------------------------------------------------


def _amended(
    declarations: list[ast.Declaration], amend: ast.Amend, problems: list[Diagnostic]
) -> list[ast.Declaration]:
    cards = {d.name.text: i for i, d in enumerate(declarations) if isinstance(d, ast.ScorecardDecl)}
    first = amend.path[0]
    index = cards.get(_segment(first))
    if index is None:
        problems.append(_not_found(first, "scorecard", sorted(cards)))
        return declarations
    card = declarations[index]
    changed = _amend_in(card, amend.path[1:], amend, problems)
    if changed is None:
        return declarations
    return [*declarations[:index], changed, *declarations[index + 1 :]]


def _amend_in(
    node: ast.ScorecardDecl | Part,
    path: Sequence[ast.Identifier | ast.Text],
    amend: ast.Amend,
    problems: list[Diagnostic],
) -> ast.ScorecardDecl | Part | None:
    """``node`` with the part at ``path`` (below it) amended; None after a problem."""
    if not path:
        return _apply(node, amend, problems)
    children = _children(node)
    wanted = _segment(path[0])
    position = next((i for i, c in enumerate(children) if wanted in _names(c)), None)
    if position is None:
        known = sorted(n for c in children for n in _names(c))
        problems.append(_not_found(path[0], "part", known))
        return None
    changed = _amend_in(children[position], path[1:], amend, problems)
    if changed is None:
        return None
    replaced = (*children[:position], changed, *children[position + 1 :])
    return _with_children(node, replaced)


def _children(node: ast.ScorecardDecl | Part) -> tuple[Part, ...]:
    if isinstance(node, ast.ScorecardDecl):
        return (*node.items, *node.dimensions)
    if isinstance(node, ast.Dimension):
        return node.items
    return ()


def _with_children(node: ast.ScorecardDecl | Part, children: tuple[Part, ...]):
    if isinstance(node, ast.ScorecardDecl):
        count = len(node.items)
        return attrs.evolve(node, items=children[:count], dimensions=children[count:])
    return attrs.evolve(node, items=children)


def _names(part: Part) -> set[str]:
    """A part is found by its name or its label."""
    return {x for x in (part.name.text if part.name else None, part.label) if x}


def _segment(segment: ast.Identifier | ast.Text) -> str:
    return segment.text if isinstance(segment, ast.Identifier) else segment.value


def _apply(node, amend: ast.Amend, problems: list[Diagnostic]):
    """The amended part: weight, method and options of each kind replaced."""
    what = type(node).__name__.removesuffix("Decl").lower()
    if amend.weight is not None and isinstance(node, ast.ScorecardDecl):
        problems.append(_misfit(amend.weight.span, "a weight", what))
        return None
    if amend.method is not None and not isinstance(node, ast.Indicator):
        problems.append(_misfit(amend.method.span, "a scoring method", what))
        return None
    # mistakes in the amended part are the amend's to answer for
    changes: dict[str, object] = {"span": amend.span}
    if amend.weight is not None:
        changes["weight"] = amend.weight
    if amend.method is not None:
        changes["method"] = amend.method
    if amend.options:
        kinds = {o.kind for o in amend.options}
        kept = tuple(o for o in node.options if o.kind not in kinds)
        changes["options"] = kept + amend.options
    return attrs.evolve(node, **changes)


def _misfit(span: Span, part: str, what: str) -> Diagnostic:
    return Diagnostic(
        "E237",
        f"a {what} has no {part.removeprefix('a ')} to amend",
        span,
        "an indicator has a weight, a method and options; a dimension or rubric a weight "
        "and options; a scorecard options",
    )


def _not_found(segment: ast.Identifier | ast.Text, what: str, known: Sequence[str]) -> Diagnostic:
    name = _segment(segment)
    return Diagnostic(
        "E236",
        f"the template has no {what} {name!r} to amend",
        segment.span,
        suggest(name, known) or ("names: " + ", ".join(known) if known else "it has none"),
    )
