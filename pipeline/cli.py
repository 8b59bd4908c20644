"""The command line: thin. It parses options, calls the library, and is the one place that
turns a PipelineError into a one-line message and a non-zero exit status."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.build.task import Project
    from pipeline.core.model import Script, Show

from pipeline import __version__
from pipeline.core.errors import DEBUG_VARIABLE, PipelineError, debugging

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def default_jobs() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="essaycast", description="Turn essays into a narrated, published podcast."
    )
    top.add_argument("--version", action="version", version=f"essaycast {__version__}")
    top.add_argument(
        "--root", type=Path, default=Path("."), help="project folder (default: current folder)"
    )
    top.add_argument(
        "--debug",
        action="store_true",
        help="on an unexpected error (a bug), print its whole traceback",
    )
    commands = top.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="build episodes, transcripts, pages and the feed")
    build.add_argument("scripts", nargs="*", type=Path, help="scripts to build (default: all)")
    build.add_argument("--engine", help="voice engine for this build: piper (default) or gtts")
    build.add_argument(
        "--jobs", type=int, default=default_jobs(), help="synthesis workers (default: cores)"
    )
    build.add_argument(
        "--explain", action="store_true", help="say why each utterance was or was not synthesized"
    )
    build.add_argument(
        "--base-url", help="public URL the site is served from (overrides show.toml)"
    )
    build.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="synthesize on a Dask cluster: tcp://host:8786, or local:N worker processes",
    )
    build.add_argument("--quiet", action="store_true", help="print only warnings and errors")
    build.add_argument(
        "--timings", type=Path, help="write seconds spent in each stage to this JSON file"
    )

    add = commands.add_parser(
        "add", help="import saved pages or texts as scripts/NNN-slug.md, front matter filled in"
    )
    add.add_argument(
        "files",
        nargs="+",
        help="saved pages (.html) or texts, or http(s) URLs of pages or feeds to fetch",
    )

    update = commands.add_parser(
        "update", help="fetch the [[follow]] feeds, import what is new, build, publish"
    )
    update.add_argument("--engine", help="voice engine for the build: piper (default) or gtts")
    update.add_argument(
        "--jobs", type=int, default=default_jobs(), help="synthesis workers (default: cores)"
    )
    update.add_argument(
        "--cluster", metavar="ADDRESS", help="build on a Dask cluster: tcp://host:8786 or local:N"
    )
    update.add_argument(
        "--no-publish",
        action="store_true",
        help="build, but do not publish even if [publish] is set",
    )
    update.add_argument(
        "--quiet", action="store_true", help="print only warnings, errors and the summary"
    )

    check = commands.add_parser("check", help="re-read the built site as a podcast app would")
    check.add_argument("--base-url", help="the base URL the site was built with")
    check.add_argument(
        "--remote", action="store_true", help="read the published site over HTTP instead"
    )

    publish = commands.add_parser("publish", help="upload the built site to show.toml's target")
    publish.add_argument(
        "--dry-run", action="store_true", help="list what would change; change nothing"
    )
    publish.add_argument(
        "--prune", action="store_true", help="delete published files no longer built"
    )

    say = commands.add_parser("say", help="speak one line with the show's voice and lexicon")
    say.add_argument("text", help="the line to say")
    say.add_argument("--out", type=Path, help="WAV file to write (default .cache/say.wav)")
    say.add_argument("--script", type=Path, help="use this script's voice, pace and lexicon")

    words = commands.add_parser("words", help="list a script's words the voice says by rule")
    words.add_argument("script", type=Path, help="the script to read")

    report = commands.add_parser(
        "report", help="print the path of the producer's show report (feed/report.html)"
    )
    report.add_argument("--open", action="store_true", help="also open it in a web browser")

    serve = commands.add_parser("serve", help="preview the site on a local web server")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: show.toml's, else 8000)")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.debug:
        os.environ[DEBUG_VARIABLE] = "1"  # read by the build, its workers included
    try:
        return COMMANDS[args.command](args)
    except PipelineError as exc:
        for line in str(exc).splitlines():  # several problems: one line each
            print(f"error: {line}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:  # an output that could not be written outside pipeline.core.atomic
        from pipeline.core.atomic import output_error

        print(f"error: {output_error(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt as exc:
        print(
            "interrupted: finished outputs are intact; run the build again to go on",
            file=sys.stderr,
        )
        return 128 + (exc.signal if isinstance(exc, Stopped) else signal.SIGINT)
    except Exception as exc:  # a bug: one line and a way to see more, not a traceback
        if debugging():
            raise
        from pipeline.core.errors import BugError

        print(f"error: {BugError(exc)}", file=sys.stderr)
        return EXIT_FAILED


class Stopped(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived: unwind like Ctrl-C, so every pool, pipe and lock is let go."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signal = signum


def stop_cleanly_on_signals() -> None:
    """SIGTERM (plain `kill`, `timeout`) would otherwise end the build without any cleanup."""
    from pipeline.core import tools

    def stop(signum: int, frame: object) -> None:
        tools.cancel()  # helper threads stop feeding ffmpeg; a stuck one is killed soon
        if tools.hold_signal(signum):  # delivered again when the held block is done
            return
        raise Stopped(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)


def run_build(args: argparse.Namespace) -> int:
    from pipeline.build import quick  # light: the fast path imports nothing more

    if args.jobs < 1:
        raise PipelineError("--jobs must be at least 1")
    if args.timings is not None and args.timings.is_dir():
        raise PipelineError(f"--timings {args.timings} is a folder; name a file to write")
    started = time.monotonic()
    root = args.root.resolve()
    # Absolute but not resolved: a symlink named here is built under its own name.
    scripts = [Path(os.path.abspath(path)) for path in args.scripts]
    options = quick.options_key(
        vars(args) | {"root": str(root), "scripts": [str(path) for path in scripts]}
    )
    if not args.explain:  # --explain always builds, so that it can explain
        verdict = quick.check(root, options)
        if verdict.reason is None:
            for level, line in verdict.lines:
                if level == "info" or not args.quiet:
                    print(line, file=sys.stderr)
            seconds = time.monotonic() - started
            stages = dict.fromkeys(verdict.stages, 0.0)
            _finish(args, seconds, verdict.built, 0, stages)
            return EXIT_OK
    return _build_normally(args, root, scripts, options, started)


def _build_normally(
    args: argparse.Namespace,
    root: Path,
    scripts: list[Path],
    options: dict[str, object],
    started: float,
) -> int:
    from pipeline.build import noop, quick
    from pipeline.build.lock import exclusive
    from pipeline.build.run import build, no_scripts
    from pipeline.build.task import Options, Project
    from pipeline.speech.engines import engines_kept

    _check_engine_and_cluster(args)
    project = Project(root)
    if not project.scripts.is_dir():  # not a project: write nothing here, not even the lock
        raise no_scripts(project)
    reporter = quick.Recorder(verbose=not args.quiet)
    settings = Options(
        engine=args.engine,
        jobs=args.jobs,
        explain=args.explain,
        base_url=args.base_url,
        cluster=args.cluster,
    )
    stop_cleanly_on_signals()
    with exclusive(project.lock, reporter.info):
        quick.forget(root)  # until this build finishes, no build may skip
        watched = quick.watched_files()
        before = quick.fingerprint(root, options, watched)
        reporter.lines.clear()  # the lock's notices are not a no-op's
        with engines_kept():  # the build and the no-op learnt after it share each voice
            result = build(project, settings, reporter, scripts)
            learned = None
            if not result.failed and not args.explain:
                start = noop.Start(project, settings, scripts, options, watched, before)
                learned = noop.what_a_noop_prints(start, result, reporter)
        seconds = time.monotonic() - started
        _finish(args, seconds, len(result.built), result.synthesized, result.stage_seconds)
        if learned is not None:
            noop.remember(root, options, watched, *learned, timings=args.timings)
    if result.failed:
        reporter.info(f"{len(result.failed)} script(s) failed: see the errors above")
        return EXIT_FAILED
    return EXIT_OK


def _finish(
    args: argparse.Namespace,
    seconds: float,
    built: int,
    synthesized: int,
    stages: dict[str, float],
) -> None:
    """What every build ends with: the --timings file and the one line."""
    if args.timings:
        from pipeline.core import atomic

        timings = {"total": seconds, "synthesized": synthesized, **stages}
        atomic.write_text(args.timings, json.dumps(timings, indent=1))
    print(
        f"built {built} episode(s), {synthesized} utterance(s) synthesized, in {seconds:.1f}s",
        file=sys.stderr,
    )


def _check_engine_and_cluster(args: argparse.Namespace) -> None:
    if args.engine is not None:
        from pipeline.speech.engines import check_engine_name

        try:
            check_engine_name(args.engine)  # once, here: not once per script
        except PipelineError as exc:
            raise PipelineError(f"--engine: {exc.detail}") from None
    if args.cluster is not None:
        from pipeline.build.cluster import check_address

        try:
            check_address(args.cluster)
        except PipelineError as exc:
            raise PipelineError(f"--cluster: {exc.detail}") from None


def run_add(args: argparse.Namespace) -> int:
    from pipeline.build.lock import exclusive
    from pipeline.build.task import Project
    from pipeline.follow.fetch import Fetcher
    from pipeline.follow.update import add_urls
    from pipeline.reading.add import add
    from pipeline.settings.config import load_show

    project = Project(args.root.resolve())
    show = load_show(project.show_toml)
    urls = [name for name in args.files if name.startswith(("http://", "https://"))]
    files = [Path(name).resolve() for name in args.files if name not in urls]
    failed: list[object] = []
    with exclusive(project.lock, print, "add"):  # numbers are handed out one build or add at a time
        if files:
            failed += add(files, project.scripts, show, print)[1]
        if urls:
            failed += add_urls(urls, project, Fetcher(say=print), print)
    for error in failed:
        print(f"error: {error}", file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


def run_update(args: argparse.Namespace) -> int:
    from pipeline.build.lock import exclusive
    from pipeline.build.task import Options, Project
    from pipeline.core.reporter import Reporter
    from pipeline.follow.fetch import Fetcher
    from pipeline.follow.update import update

    if args.jobs < 1:
        raise PipelineError("--jobs must be at least 1")
    _check_engine_and_cluster(args)
    project = Project(args.root.resolve())
    reporter = Reporter(verbose=not args.quiet)
    options = Options(engine=args.engine, jobs=args.jobs, cluster=args.cluster)
    stop_cleanly_on_signals()
    with exclusive(project.lock, reporter.info, "update"):
        summary = update(
            project, options, reporter, Fetcher(say=reporter.info), publish=not args.no_publish
        )
    print(summary.line())  # always, even with --quiet: the one line cron mails
    return EXIT_FAILED if summary.failed else EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    from pipeline.build.task import Project
    from pipeline.delivery.check import check_site
    from pipeline.settings.config import load_show

    project = Project(args.root.resolve())
    show = load_show(project.show_toml)
    base_url = (args.base_url or show.base_url).rstrip("/")
    if args.remote:
        from pipeline.delivery.remote_check import check_remote

        problems = check_remote(show, base_url)
    else:
        problems = check_site(project.root, show, base_url)
        _record_check(project.root, show, problems)
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return EXIT_FAILED
    where = f" at {base_url}" if args.remote else ""
    print(f"feed, audio, artwork and transcripts check out{where}")
    return EXIT_OK


def run_publish(args: argparse.Namespace) -> int:
    from pipeline.build.lock import exclusive
    from pipeline.build.task import Project
    from pipeline.delivery.publish import publish
    from pipeline.settings.config import load_show

    project = Project(args.root.resolve())
    show = load_show(project.show_toml)
    say = print
    try:
        with exclusive(project.lock, say, "publish"):  # no build may change the site mid-upload
            publish(project.root, show, say, dry_run=args.dry_run, prune=args.prune)
    except KeyboardInterrupt:
        print(
            "interrupted: the live feed and the files it points to are intact; "
            "run `essaycast publish` again to finish",
            file=sys.stderr,
        )
        return 130
    return EXIT_OK


def _record_check(root: Path, show: Show, problems: Sequence[str]) -> None:
    """The show report lists what the last check found; redraw it when there is one."""
    from pipeline.release.report import record_check, write_show_report

    record_check(root, problems)
    if (root / "feed" / "report.html").exists():
        slugs = sorted(p.parent.name for p in (root / "episodes").glob("*/.report.json"))
        write_show_report(root, show, slugs)


def run_report(args: argparse.Namespace) -> int:
    from pipeline.build.task import Project

    path = Project(args.root.resolve()).feed / "report.html"
    if not path.exists():
        raise PipelineError(f"{path} does not exist yet: run `make` first")
    print(path)
    if args.open:
        import webbrowser

        if not webbrowser.open(path.as_uri()):
            print("no web browser found here: open the path above in one", file=sys.stderr)
    return EXIT_OK


def run_serve(args: argparse.Namespace) -> int:
    from pipeline.build.task import Project
    from pipeline.delivery.serve import serve
    from pipeline.settings.config import load_show
    from pipeline.settings.showcheck import MAX_PORT

    if args.port is not None and not 1 <= args.port <= MAX_PORT:
        raise PipelineError(f"--port must be between 1 and {MAX_PORT}, not {args.port}")
    project = Project(args.root.resolve())
    show = load_show(project.show_toml)
    serve(project.root, args.host, args.port or show.port)
    return EXIT_OK


def run_say(args: argparse.Namespace) -> int:
    from pipeline.speech.say import say, voice_for

    project, show, script = _project_and_script(args, args.script)
    voice = voice_for(project.root, show, script)
    out = args.out or project.root / ".cache" / "say.wav"
    said = say(voice, args.text, out)
    print(f"spoken:   {said.spoken}")
    if said.phonemes is None:
        print("phonemes: (this voice takes text, not phonemes)")
    else:
        print(f"phonemes: {said.phonemes}")
    for entry in said.used:
        print(f"lexicon:  {entry.where}")
    for entry in said.not_applicable:
        print(f"warning: {entry.where}: only phonemes, which this voice cannot take")
    print(f"wrote {out} ({said.seconds:.1f} s; {voice.description})")
    return EXIT_OK


def run_words(args: argparse.Namespace) -> int:
    from pipeline.speech.say import voice_for, words_by_rule

    project, show, script = _project_and_script(args, args.script)
    assert script is not None
    listed = words_by_rule(script, voice_for(project.root, show, script))
    for word in listed:
        print(f"{word.word}\t{word.count}×\t{word.why}\t{word.phonemes or ''}")
    print(f"{len(listed)} word(s) said by rule, not from the voice's dictionary or a lexicon")
    return EXIT_OK


def _project_and_script(
    args: argparse.Namespace, path: Path | None
) -> tuple[Project, Show, Script | None]:
    from pipeline.build.task import Project
    from pipeline.reading.ingest import read_script
    from pipeline.settings.config import load_show

    project = Project(args.root.resolve())
    show = load_show(project.show_toml)
    if path is None:
        return project, show, None
    from pipeline.core.confine import check_inside

    check_inside(path.absolute(), project.root, "script")
    return project, show, read_script(path.resolve(), show)


COMMANDS = {
    "build": run_build,
    "add": run_add,
    "update": run_update,
    "check": run_check,
    "publish": run_publish,
    "say": run_say,
    "words": run_words,
    "report": run_report,
    "serve": run_serve,
}

if __name__ == "__main__":
    sys.exit(main())
