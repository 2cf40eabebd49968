"""YAML that remembers where each mapping, key and value is written, so that a problem in a
case file or a project file is reported at its line and column.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from assessor.errors import DataLocation, Location, Span

if TYPE_CHECKING:
    import yaml


class LocatedMapping(dict):
    """A YAML mapping that remembers where it, its keys and its values are written."""

    span: Span
    key_spans: dict[str, Span]
    value_spans: dict[str, Span]

    def place(self, key: str) -> Location:
        """Where a key's value is written, else the whole mapping."""
        return self.value_spans.get(key, self.span)


class YamlProblem(Exception):
    """A file that is not valid YAML, with the place of the problem."""

    def __init__(self, message: str, location: Location) -> None:
        super().__init__(message)
        self.message = message
        self.location = location


@cache
def _loader() -> type[yaml.SafeLoader]:
    """YAML's safe loader, keeping the places of mappings for located diagnostics (made on
    first use: importing yaml is a tenth of `assessor check`, which reads no YAML without a
    project).
    """
    import yaml

    class _Loader(yaml.SafeLoader):
        file_name = ""

    _Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
    _Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
    return _Loader


def _span(file: str, start: yaml.Mark, end: yaml.Mark) -> Span:
    return Span(file, start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> Iterator[LocatedMapping]:
    data = LocatedMapping()
    data.span = _span(loader.file_name, node.start_mark, node.end_mark)
    data.key_spans, data.value_spans = {}, {}
    yield data
    data.update(loader.construct_mapping(node))
    for key_node, value_node in node.value:
        key = str(loader.construct_object(key_node))
        data.key_spans[key] = _span(loader.file_name, key_node.start_mark, key_node.end_mark)
        data.value_spans[key] = _span(loader.file_name, value_node.start_mark, value_node.end_mark)


def _construct_timestamp(loader: Any, node: yaml.ScalarNode) -> Any:
    # a date that is no real day (2024-02-30) stays text, so that whoever reads it reports it
    # at its place like any other unreadable value
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


def load_located(text: str, file_name: str) -> Any:
    """The YAML document in ``text``, its mappings located; raises :class:`YamlProblem`."""
    import yaml

    loader = _loader()(text)
    loader.file_name = file_name
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = _span(file_name, mark, mark) if mark else DataLocation(file_name)
        raise YamlProblem(f"not valid YAML: {error.problem}", where) from None
    except yaml.YAMLError as error:
        raise YamlProblem(f"not valid YAML: {error}", DataLocation(file_name)) from None
    finally:
        loader.dispose()
