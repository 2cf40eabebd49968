"""The grammar loaded into lark: built once per process, kept in a cache file of the user's
own between processes, and with a leaner tracking of where each node is in the text.

Only ``syntax.parser`` (and ``syntax.fmt``, for its own layout parser) use this module.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources
from pathlib import Path

import lark
from lark import Lark, Token, Tree
from lark.parse_tree_builder import PropagatePositions


@cache
def scheme_parser() -> Lark:
    """Build the LALR parser once per process. Lark keeps the built tables in a cache file
    (see `cache_file`), so later processes load them instead of rebuilding them (about
    20 ms instead of 125 ms on the benchmark machine).
    """
    return grammar_parser(_SchemeLark, "parse")


def grammar_parser(kind: type[Lark], cache_name: str, **options: bool) -> Lark:
    """An LALR parser of the scheme grammar, with positions, of class ``kind``; its tables
    are cached under ``cache_name`` (each set of ``options`` builds other tables).
    """
    grammar = resources.files("assessor.syntax").joinpath("grammar.lark").read_text("utf-8")
    return kind(
        grammar,
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=True,
        cache=cache_file(grammar, cache_name),
        **options,
    )


class _SchemeLark(Lark):
    """Lark with a leaner way of giving each tree node its place in the text.

    Lark's own ``propagate_positions`` took a third of the parse of a large scheme; `_Place`
    computes the same positions with less work. Should a later lark build its callbacks
    differently, its own way is kept: slower, equally right.
    """

    def _prepare_callbacks(self) -> None:
        super()._prepare_callbacks()
        for rule, callback in self._callbacks.items():
            build = getattr(callback, "node_builder", None)
            if isinstance(callback, PropagatePositions) and build is not None:
                self._callbacks[rule] = _Place(build)


class _Meta:
    """Where a tree node is: its own first and last character (1-based line and column, end
    exclusive), and ``outer_*``, the same counting the brackets and words around it that
    the tree leaves out (what lark calls the container), from which a parent's place is taken.
    """

    __slots__ = (
        "column",
        "end_column",
        "end_line",
        "line",
        "outer_column",
        "outer_end_column",
        "outer_end_line",
        "outer_line",
    )
    empty = False


class _Place:
    """A rule's callback: build the node, then give it its place, as lark's
    ``PropagatePositions`` does: a new node spans its children from the first that has a
    place to the last, and a node passed up unchanged (``?rule`` with one child) keeps its
    own place and widens only its outer place.
    """

    __slots__ = ("build",)

    def __init__(self, build) -> None:
        self.build = build

    def __call__(self, children: list):
        node = self.build(children)
        if type(node) is not Tree or (len(children) == 1 and children[0] is node):
            return node
        first = next((c for c in children if _has_place(c)), None)
        if first is None:
            return node
        last = next(c for c in reversed(children) if _has_place(c))
        meta = node._meta
        if meta is None:
            meta = node._meta = _Meta()
            meta.line, meta.column = _outer_start(first)
            meta.end_line, meta.end_column = _outer_end(last)
        meta.outer_line, meta.outer_column = _outer_start(first)
        meta.outer_end_line, meta.outer_end_column = _outer_end(last)
        return node


def _has_place(child: object) -> bool:
    return isinstance(child, Token) or (isinstance(child, Tree) and child._meta is not None)


def _outer_start(child: Token | Tree) -> tuple[int, int]:
    if isinstance(child, Token):
        return child.line, child.column  # type: ignore[return-value]
    return child._meta.outer_line, child._meta.outer_column  # type: ignore[union-attr]


def _outer_end(child: Token | Tree) -> tuple[int, int]:
    if isinstance(child, Token):
        return child.end_line, child.end_column  # type: ignore[return-value]
    return child._meta.outer_end_line, child._meta.outer_end_column  # type: ignore[union-attr]


def cache_file(grammar: str, kind: str = "parse") -> str | bool:
    """Where lark keeps a built parser: a folder of this user's own, not the shared
    temporary folder, because lark unpickles the file and a file another user planted there
    could run code. Without a writable folder there is no cache, only a slower start.
    """
    base = Path(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"))
    if not base.is_absolute():  # no home folder: never a cache relative to where we run
        return False
    folder = base / "assessor"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return False
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    # lark checks the grammar's hash stored inside the file and rebuilds it when it differs;
    # the size in the name keeps two checkouts with different grammars from taking turns
    return str(folder / f"{kind}-{lark.__version__}-{len(grammar)}.lark-cache")
