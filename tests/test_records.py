"""`records.frozen`: attrs' frozen classes with one shared ``__repr__``, ``__eq__`` and
``__hash__``, which must behave exactly as the ones attrs generates for each class.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from assessor.errors import Span
from assessor.model.registry import ColumnSpec
from assessor.model.scheme import Month
from assessor.records import frozen
from assessor.syntax.parser import parse


def _twins(**fields: object) -> tuple[type, type]:
    """The same class made by attrs.frozen and by records.frozen."""
    made = []
    for decorate in (attrs.frozen, frozen):
        namespace = {"__annotations__": dict.fromkeys(fields, "object"), **fields}
        made.append(decorate(type("Record", (), namespace)))
    return made[0], made[1]


CASES = {
    "plain": ({"a": attrs.field(), "b": attrs.field()}, (1, "x")),
    "nested and unicode": ({"a": attrs.field(), "b": attrs.field()}, ((1, (2,)), "流失率")),
    "hidden field": ({"a": attrs.field(), "b": attrs.field(repr=False)}, (1, 2)),
    "custom repr": ({"a": attrs.field(repr=lambda v: f"<{v}>"), "b": attrs.field()}, (1, 2)),
    "not in init": (
        {"a": attrs.field(), "b": attrs.field(init=False, default=3)},
        (Decimal("1.5"),),
    ),
    "no fields": ({}, ()),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_shared_repr_shows_what_attrs_shows(case) -> None:
    fields, values = case
    by_attrs, by_us = _twins(**fields)
    assert repr(by_us(*values)) == repr(by_attrs(*values))


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_shared_equality_is_attrs_equality(case) -> None:
    fields, values = case
    for cls in _twins(**fields):
        one, same = cls(*values), cls(*values)
        assert (one == same) is True and (one != same) is False and hash(one) == hash(same)
        assert one.__eq__(object()) is NotImplemented and one != object()
        if values:
            other = cls(*(("changed", *values[1:])))
            assert (one != other) is True and (one == other) is False


def test_fields_left_out_of_equality_stay_out() -> None:
    fields = {"a": attrs.field(), "b": attrs.field(eq=False), "c": attrs.field(eq=str.lower)}
    for cls in _twins(**fields):
        assert cls(1, 2, "X") == cls(1, 3, "x")
        assert hash(cls(1, 2, "X")) == hash(cls(1, 3, "x"))
        assert cls(1, 2, "X") != cls(2, 2, "X")


def test_equal_fields_of_two_classes_are_not_equal() -> None:
    first, second = _twins(a=attrs.field())[1], _twins(a=attrs.field())[1]
    assert first(1) != second(1)


def test_an_object_inside_itself_is_shown_as_dots() -> None:
    by_attrs, by_us = _twins(a=attrs.field(), b=attrs.field())
    shown = []
    for cls in (by_attrs, by_us):
        inner: list = []
        record = cls(1, inner)
        inner.append(record)
        shown.append(repr(record))
    assert shown[0] == shown[1] == "Record(a=1, b=[...])"


def test_the_model_classes_show_as_before() -> None:
    span = Span("s.assess", 1, 2, 3, 4)
    assert repr(span) == "Span(file='s.assess', line=1, column=2, end_line=3, end_column=4)"
    column = ColumnSpec("team", "text", "小组", "team")
    assert repr(column).startswith(
        "ColumnSpec(name='team', type='text', label_zh='小组', label_en='team', required=True"
    )
    tree = parse('scheme "s" period month', "s.assess")
    assert repr(tree).startswith("SchemeText(file='s.assess', header=Header(title='s', ")
    assert Month(24_000) < Month(24_001) and repr(Month(1)) == "Month(index=1)"
