"""Frozen record classes: ``attrs.frozen`` with one ``__repr__``, ``__eq__`` and ``__hash__``
shared by every class, which behave as the ones attrs generates for each.

The syntax tree, the checked model and the registry hold about a hundred such classes; attrs
generating and compiling these three methods for each was half of importing them, a cost
every `assessor check` pays, for methods seldom called.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

_Class = TypeVar("_Class", bound=type)


def frozen(cls: _Class | None = None, /, **options: Any) -> Any:
    """``attrs.frozen``, but with one ``__repr__``, ``__eq__`` and ``__hash__`` for all
    classes, which behave as attrs' own: the same text, the same equality, a hash that agrees
    with it. attrs generates and compiles these for each class, which was half of importing
    the syntax tree, the checked model and the registry (about 100 classes), a cost every
    `assessor check` pays; they are seldom called. Ordered classes keep attrs' own.
    """

    def make(cls: _Class) -> _Class:
        own = cls.__dict__
        shared_repr = options.get("repr") is not False and "__repr__" not in own
        shared_eq = not ({"eq", "order", "unsafe_hash", "hash"} & options.keys()) and not (
            {"__eq__", "__hash__"} & own.keys()
        )
        built = attrs.frozen(
            cls,
            **options,
            **({"repr": False} if shared_repr else {}),
            **({"eq": False} if shared_eq else {}),
        )
        if shared_repr:
            built.__repr__ = _attrs_repr
        if shared_eq:
            built.__eq__ = _attrs_eq
            built.__hash__ = _attrs_hash
        return built

    return make(cls) if cls is not None else make


def _attrs_eq(self: Any, other: Any) -> Any:
    """What attrs' generated ``__eq__`` returns: the fields compared in turn."""
    if other.__class__ is not self.__class__:
        return NotImplemented
    equal: Any = True
    for field in self.__attrs_attrs__:
        if field.eq:
            key = field.eq_key
            mine, theirs = getattr(self, field.name), getattr(other, field.name)
            equal = key(mine) == key(theirs) if key else mine == theirs
            if not equal:
                return equal
    return equal


def _attrs_hash(self: Any) -> int:
    """A hash of the class and the compared fields, as attrs' generated ``__hash__``."""
    values = [self.__class__]
    for field in self.__attrs_attrs__:
        if field.hash is True or (field.hash is None and field.eq is True):
            value = getattr(self, field.name)
            values.append(field.eq_key(value) if field.eq_key else value)
    return hash(tuple(values))


# the objects being shown, per thread: an object met again inside itself is shown as '...'
_REPRING = threading.local()


def _attrs_repr(self: Any) -> str:
    """The text attrs' generated ``__repr__`` gives."""
    showing = getattr(_REPRING, "ids", None)
    if showing is None:
        showing = _REPRING.ids = set()
    if id(self) in showing:
        return "..."
    showing.add(id(self))
    try:
        name = self.__class__.__qualname__.rsplit(">.", 1)[-1]
        fields = (_field_repr(self, a) for a in self.__attrs_attrs__ if a.repr is not False)
        return f"{name}({', '.join(fields)})"
    finally:
        showing.discard(id(self))


def _field_repr(record: Any, field: attrs.Attribute) -> str:
    value = (
        getattr(record, field.name) if field.init else getattr(record, field.name, attrs.NOTHING)
    )
    show: Callable[[Any], object] | bool = field.repr
    return f"{field.name}={value!r}" if show is True else f"{field.name}={show(value)}"  # type: ignore[operator]
