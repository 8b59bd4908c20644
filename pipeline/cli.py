"""The command line: thin. It parses options, calls the library, and is the one place that
turns a PipelineError into a one-line message and a non-zero exit status."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from pipeline import __version__
from pipeline.errors import PipelineError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def parser() -> argparse.ArgumentParser:
    from pipeline.build import default_jobs

    top = argparse.ArgumentParser(
        prog="essaycast", description="Turn essays into a narrated, published podcast."
    )
    top.add_argument("--version", action="version", version=f"essaycast {__version__}")
    top.add_argument(
        "--root", type=Path, default=Path("."), help="project folder (default: current folder)"
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
    build.add_argument("--quiet", action="store_true", help="print only warnings and errors")
    build.add_argument(
        "--timings", type=Path, help="write seconds spent in each stage to this JSON file"
    )

    add = commands.add_parser(
        "add", help="import saved pages or texts as scripts/NNN-slug.md, front matter filled in"
    )
    add.add_argument("files", nargs="+", type=Path, help="saved pages (.html) or texts")

    check = commands.add_parser("check", help="re-read the built site as a podcast app would")
    check.add_argument("--base-url", help="the base URL the site was built with")

    serve = commands.add_parser("serve", help="preview the site on a local web server")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: show.toml's, else 8000)")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(
            "interrupted: finished outputs are intact; run the build again to go on",
            file=sys.stderr,
        )
        return 130


def run_build(args: argparse.Namespace) -> int:
    from pipeline.build import Options, Project, build
    from pipeline.lock import exclusive
    from pipeline.reporter import Reporter

    if args.jobs < 1:
        raise PipelineError("--jobs must be at least 1")
    if args.engine is not None:
        from pipeline.engines import check_engine_name

        try:
            check_engine_name(args.engine)  # once, here: not once per script
        except PipelineError as exc:
            raise PipelineError(f"--engine: {exc.detail}") from None
    project = Project(args.root.resolve())
    reporter = Reporter(verbose=not args.quiet)
    options = Options(
        engine=args.engine, jobs=args.jobs, explain=args.explain, base_url=args.base_url
    )
    started = time.monotonic()
    with exclusive(project.lock, reporter.info):
        scripts = [path.resolve() for path in args.scripts]
        result = build(project, options, reporter, scripts)
    seconds = time.monotonic() - started
    if args.timings:
        from pipeline import atomic

        timings = {"total": seconds, "synthesized": result.synthesized, **result.stage_seconds}
        atomic.write_text(args.timings, json.dumps(timings, indent=1))
    reporter.info(
        f"built {len(result.built)} episode(s), {result.synthesized} utterance(s) synthesized, "
        f"in {seconds:.1f}s"
    )
    if result.failed:
        reporter.info(f"{len(result.failed)} script(s) failed: see the errors above")
        return EXIT_FAILED
    return EXIT_OK


def run_add(args: argparse.Namespace) -> int:
    from pipeline.add import add
    from pipeline.build import Project
    from pipeline.config import load_show
    from pipeline.lock import exclusive

    project = Project(args.root.resolve())
    show = load_show(project.show_toml)
    with exclusive(project.lock, print):  # numbers are handed out one build or add at a time
        _, failed = add([path.resolve() for path in args.files], project.scripts, show, print)
    for error in failed:
        print(f"error: {error}", file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    from pipeline.build import Project
    from pipeline.check import check_site
    from pipeline.config import load_show

    project = Project(args.root.resolve())
    show = load_show(project.show_toml)
    problems = check_site(project.root, show, (args.base_url or show.base_url).rstrip("/"))
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return EXIT_FAILED
    print("feed, audio, artwork and transcripts check out")
    return EXIT_OK


def run_serve(args: argparse.Namespace) -> int:
    from pipeline.build import Project
    from pipeline.config import load_show
    from pipeline.serve import serve

    project = Project(args.root.resolve())
    show = load_show(project.show_toml)
    serve(project.root, args.host, args.port or show.port)
    return EXIT_OK


COMMANDS = {"build": run_build, "add": run_add, "check": run_check, "serve": run_serve}

if __name__ == "__main__":
    sys.exit(main())
