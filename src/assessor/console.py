"""The ``assessor`` program (``main``), and what its commands do that needs no argument
parser: exit codes, printing diagnostics, turning errors into them, reading a scheme in its
project, and `check`'s work.

``cli`` (click) builds every command on these. ``main`` runs the plain ``assessor check
FILE`` with them directly, without importing click: that command is run again and again
while a scheme is written, so its start-up counts. Anything else goes to ``cli``.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path

EXIT_OK = 0
EXIT_USER_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


def say(text: str, error: bool = False) -> None:
    """Print a line to standard output, or to standard error with ``error``."""
    stream = sys.stderr if error else sys.stdout
    stream.write(text + "\n")
    stream.flush()


def print_diagnostics(diagnostics, sources: dict[str, str]) -> None:
    """Each diagnostic rendered with its source line (``sources``: text by file), then how
    many errors there were when more than one.
    """
    from assessor.errors import Span, render

    for diagnostic in diagnostics:
        location = diagnostic.location
        source = sources.get(location.file) if isinstance(location, Span) else None
        say(render(diagnostic, source) + "\n", error=True)
    errors = sum(d.severity == "error" for d in diagnostics)
    if errors > 1:
        say(f"{errors} errors", error=True)


@contextlib.contextmanager
def reporting(sources: dict[str, str], passed: tuple[type[BaseException], ...] = ()):
    """Every user error becomes rendered diagnostics and exit 1; a closed pipe, a quiet exit
    0; any other error, a plain sentence and exit 3 (a traceback with ``ASSESSOR_DEBUG``).
    ``passed`` are exceptions that go on (the argument parser's usage errors, exit 2).
    """
    from assessor.errors import AssessorError

    try:
        yield
    except passed:
        raise
    except AssessorError as error:
        print_diagnostics(error.diagnostics, sources)
        sys.exit(EXIT_USER_ERROR)
    except BrokenPipeError:
        # the reader stopped early (`assessor templates | head`): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_OK)
    except Exception as error:  # a bug: say so plainly instead of a traceback
        if os.environ.get("ASSESSOR_DEBUG"):
            raise
        say(
            f"internal error: {type(error).__name__}: {error}\n"
            "This is a bug in assessor or a plugin; run again with ASSESSOR_DEBUG=1 "
            "to see where, and report it.",
            error=True,
        )
        sys.exit(EXIT_INTERNAL)


@contextlib.contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for a step over bounded input: a scheme (its size is
    limited), or a run, whose rows stay in the engine and whose outcomes are one per
    subject, period and item. Imports, plugins and a parse make hundreds of thousands of
    objects, and each round of the collector walks them all again: a sixteenth of `check`
    on a large scheme, a tenth of `run`. The collector runs as usual afterwards.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def project_of(scheme: Path | None):
    """The project of the current folder, unless a scheme outside it is given."""
    from assessor.project import find_project, load_project

    path = find_project(Path.cwd())
    if path is None:
        return None
    if scheme is not None and scheme.resolve().parent != path.parent.resolve():
        return None
    return load_project(path)


def allowed_plugins(project) -> tuple[str, ...] | None:
    """The project's allow-list of plugins; None (every installed one) without a project."""
    return project.plugins if project is not None else None


def read_scheme_in_project(path: Path, overrides: dict | None, sources: dict[str, str]):
    """Read a scheme with only the plugins its project allows (``plugins:``), if it is in one."""
    from assessor.session import read_scheme

    return read_scheme(path, overrides, sources, allow=allowed_plugins(project_of(path)))


def check_scheme(scheme: Path, overrides: dict[str, str], sources: dict[str, str]) -> None:
    """`assessor check`: read and check a scheme, print its warnings and a line of what it
    holds; an error raises (see ``reporting``).
    """
    with cycle_collector_paused():
        loaded = read_scheme_in_project(scheme, overrides, sources)
    print_diagnostics(loaded.warnings, sources)
    checked = loaded.scheme
    say(
        f"{scheme}: ok — {len(checked.roles)} roles, {len(checked.rules)} rules, "
        f"{len(checked.scorecards)} scorecards, {len(checked.grades)} grades, "
        f"{len(checked.bonuses)} bonuses"
    )


def plain_check(arguments: list[str]) -> Path | None:
    """The scheme of ``check FILE`` written with nothing else (no option, an existing file),
    which runs without the argument parser; None for any other command line.
    """
    if len(arguments) != 2 or arguments[0] != "check" or arguments[1].startswith("-"):
        return None
    scheme = Path(arguments[1])
    return scheme if scheme.is_file() else None


def main() -> None:
    """The ``assessor`` program: ``check FILE`` at once, any other command through ``cli``;
    then a quick exit.

    Python's last act is a collection walking every object the command made (the registry,
    the parsed scheme, the engine's modules): a tenth of `assessor check`. They are frozen out
    of it once the command is done; the process ends right after, and every file is closed
    and flushed as usual. Only the program does this, not ``cli.main``, which tests run in
    their own process.
    """
    try:
        scheme = plain_check(sys.argv[1:])
        if scheme is None:
            from assessor.cli import main as command_line

            command_line()
            return
        sources: dict[str, str] = {}
        with reporting(sources):
            check_scheme(scheme, {}, sources)
    finally:
        gc.freeze()
