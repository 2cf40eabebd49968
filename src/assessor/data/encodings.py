"""The encodings of CSV files, and a UTF-8 copy of a file in another one.

A CSV file is UTF-8 (with or without a byte order mark) or GB18030, which includes GBK, the
encoding Chinese Excel saves in; ``assessor.yaml`` may declare another. The engine reads UTF-8
only, so a file in another encoding (or mixing line endings, which the engine's reader
refuses) is decoded in chunks into a temporary UTF-8 copy. What decodes in none is an error
naming the file and its first such line.
"""

from __future__ import annotations

import codecs
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from assessor.errors import DataLocation, fail

if TYPE_CHECKING:
    from assessor.data.sources import Source

# the encodings a CSV file is read in without a declaration, in this order
UTF8 = "utf-8"
GB18030 = "gb18030"
AUTO = "auto"
# GBK and GB2312 are subsets of GB18030, which also has the characters Windows adds to them
_GB_NAMES = frozenset({"gbk", "gb2312", "cp936", "ms936", "gb18030", "euc_cn"})
CHUNK = 1 << 20


def declared_encoding(name: str) -> str:
    """A declared encoding as the reader uses it: every GB name is read as GB18030."""
    if name == AUTO:
        return AUTO
    canonical = codecs.lookup(name).name
    if canonical in ("utf-8", "utf-8-sig"):
        return UTF8
    return GB18030 if canonical in _GB_NAMES or name.lower() in _GB_NAMES else canonical


def utf8_start(path: Path) -> bool:
    """Whether the file's first MiB is UTF-8. A GBK file is then told at once, rather than
    after the engine has read (and refused) each of its lines.
    """
    with path.open("rb") as handle:
        start = handle.read(CHUNK)
    try:
        # not final: the chunk may end inside a character
        codecs.getincrementaldecoder(UTF8)("strict").decode(start)
    except UnicodeDecodeError:
        return False
    return True


@contextmanager
def utf8_copy(source: Source, encoding: str) -> Iterator[Path]:
    """A temporary UTF-8 copy of a file, decoded in chunks (the file may be larger than
    memory), each line ending as a newline; removed when the block ends. A byte sequence that
    does not decode stops the run, naming its line.
    """
    handle, name = tempfile.mkstemp(prefix="assessor-", suffix=".csv")
    copy = Path(name)
    try:
        try:
            _transcode(source.path, handle, encoding)
        except UnicodeDecodeError:
            _undecodable(source, encoding)
        yield copy
    finally:
        copy.unlink(missing_ok=True)


def _transcode(path: Path, handle: int, encoding: str) -> None:
    """Decode ``path`` chunk by chunk into the open file ``handle``, as UTF-8; CRLF and CR
    become LF (the engine's reader refuses a file that mixes them), so lines keep their numbers.
    """
    decoder = io.IncrementalNewlineDecoder(
        codecs.getincrementaldecoder(encoding)("strict"), translate=True
    )
    with path.open("rb") as raw, os.fdopen(handle, "w", encoding=UTF8, newline="") as out:
        while chunk := raw.read(CHUNK):
            out.write(decoder.decode(chunk))
        out.write(decoder.decode(b"", final=True))


def _undecodable(source: Source, encoding: str) -> None:
    declared = source.encoding != AUTO
    tried = (encoding,) if declared else (UTF8, GB18030)
    line = _first_undecodable_line(source.path, tried)
    if declared:
        what = f"is not {'GB18030 (GBK)' if encoding == GB18030 else encoding} text"
    elif line is None:  # each line is one or the other, the file is neither
        line = _first_undecodable_line(source.path, (GB18030,))
        what = "mixes UTF-8 and GB18030 (GBK) text"
    else:
        what = "is neither UTF-8 nor GB18030 (GBK) text"
    fail(
        "E303",
        f"{source.name} {what}: line {line} holds bytes that are no character",
        DataLocation(str(source.path), line),
        "save the file as CSV UTF-8 (Excel: 另存为 > CSV UTF-8)"
        + ("; or correct its encoding in assessor.yaml" if declared else ""),
    )


def not_utf8(source: Source, line: int | None) -> None:
    """E303: the file (declared UTF-8, or so at its start) has a line that is not UTF-8."""
    fail(
        "E303",
        f"{source.name} is not UTF-8 text",
        DataLocation(str(source.path), line),
        "save the file as CSV UTF-8 (Excel: 另存为 > CSV UTF-8), or declare its encoding "
        "in assessor.yaml (encoding: gbk)",
    )


def _first_undecodable_line(path: Path, encodings: tuple[str, ...]) -> int | None:
    """Only on the error path: the first line that decodes in none of ``encodings``. A line
    is cut at its newline byte, which no character of these encodings contains.
    """
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not any(_decodes(raw, encoding) for encoding in encodings):
                return number
    return None


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True
