"""The one error root. Library code raises these; only the CLI turns them into messages."""

from __future__ import annotations

from pathlib import Path


class PipelineError(Exception):
    """Something the producer can fix. str() is one line: file, place, problem, fix."""

    def __init__(self, message: str, path: Path | str | None = None) -> None:
        self.path = None if path is None else str(path)
        self.detail = message
        super().__init__(f"{self.path}: {message}" if self.path else message)


class ScriptError(PipelineError):
    """A script (its bytes, its front matter or its body) cannot be narrated."""


class ConfigError(PipelineError):
    """feed/show.toml, or a file it names, is wrong."""


class EngineError(PipelineError):
    """A voice could not be loaded or could not speak."""


class ToolError(PipelineError):
    """An external program (ffmpeg) failed."""


class OutputError(PipelineError):
    """An output could not be written: a full disk, a read-only folder, no permission.

    The build stops at the first one: every later output would fail the same way.
    """


DEBUG_VARIABLE = "ESSAYCAST_DEBUG"  # set by `essaycast --debug`: print a bug's traceback


def debugging() -> bool:
    import os

    return bool(os.environ.get(DEBUG_VARIABLE))


class BugError(PipelineError):
    """An exception essaycast did not expect (a bug), reduced to one line for one script.

    ``traceback`` keeps the details for ``essaycast --debug``; the other scripts go on.
    """

    def __init__(self, exc: BaseException, path: Path | str | None = None) -> None:
        import traceback

        first = (str(exc).strip().splitlines() or [""])[0][:200]
        what = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
        super().__init__(
            f"essaycast failed here ({what}); this is a bug: please report it, "
            "with the traceback `essaycast --debug ...` prints",
            path,
        )
        self.traceback = "".join(traceback.format_exception(exc))


class FetchError(PipelineError):
    """A page or feed could not be fetched: an HTTP error, a timeout, robots.txt said no."""


class RobotsDenied(FetchError):
    """The site's robots.txt does not allow essaycast to fetch the page."""
