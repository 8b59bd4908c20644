"""`essaycast build`: check everything, then build each script, then the show-wide outputs.

    1. show.toml, its music, the lexicon, the base URL           (one error stops the build)
    2. every script's CHECK_STAGES                               (a bad script is skipped);
       the first new episode's synthesis workers start loading its voice
    3. every checked script's WORK_STAGES, here (pipeline.build.local)
       or on a Dask cluster (pipeline.build.cluster)
    4. the feed, the show's book, page and report               (pipeline.build.showwide)

The stages themselves, in order, are in pipeline.build.stages.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.build.local import build_here
from pipeline.build.stages import CHECK_STAGES, read_script, warm_up_voice
from pipeline.build.task import EpisodeTask, Options, Project
from pipeline.build.uptodate import mp3_cover
from pipeline.core import atomic
from pipeline.core.errors import BugError, OutputError, PipelineError, debugging
from pipeline.core.model import BuiltEpisode
from pipeline.core.reporter import Reporter
from pipeline.reading.identity import Index, identity
from pipeline.reading.records import Records
from pipeline.reading.script import find_scripts
from pipeline.release import published
from pipeline.settings.config import check_music, load_show
from pipeline.settings.showcheck import url_problem
from pipeline.speech.pronouncer import show_lexicon
from pipeline.speech.synth import pools_kept


@dataclass
class BuildResult:
    built: list[BuiltEpisode]
    failed: list[tuple[Path, str]]
    synthesized: int
    stage_seconds: dict[str, float] = field(default_factory=dict)  # summed over episodes


def build(
    project: Project, options: Options, reporter: Reporter, only: Sequence[Path] = ()
) -> BuildResult:
    """Build the named scripts (all when none are named), then the feed and the show page.

    Everything is checked before any work: show.toml (config.load_show), its music, the
    base URL, and every script's front matter; a script that fails is reported and skipped,
    the others still build. A write that fails (a full disk, a read-only folder) stops the
    build. The feed lists every published episode, not only those built now
    (pipeline.release.published has the rules). Hold project.lock while it runs (the CLI does): it
    first deletes the temporary files of a killed build.
    """
    if not project.scripts.is_dir():  # not a project: write nothing here
        raise no_scripts(project)
    show = load_show(project.show_toml)
    check_music(show, project.show_toml)
    _check_cache_folders(project)
    show_lexicon(project.feed)  # a broken lexicon is one error, not one per script
    problem = url_problem("--base-url", options.base_url) if options.base_url else None
    if problem:
        raise PipelineError(problem)
    sources = list(only) or find_scripts(project.scripts)
    if not sources:
        raise no_scripts(project)
    failed: list[tuple[Path, str]] = []

    def fail(source: Path, exc: PipelineError) -> None:
        if isinstance(exc, OutputError):
            raise exc  # every later write would fail the same way
        reporter.error(str(exc) if exc.path else f"{source}: {exc}")
        if isinstance(exc, BugError) and debugging():
            reporter.error(exc.traceback.rstrip())
        failed.append((source, str(exc)))

    # Every script's front matter and voice first, so none is found wrong after others built.
    before = published.load(project.episodes, project.root)
    seen = published.claimed(before, whole_project=not only)  # published: keeps slug, number
    records = Records.load(project.scripts)
    tasks: list[EpisodeTask] = []
    for source in sources:
        task = EpisodeTask(source, project, show, options, reporter, Path(), records=records)
        try:
            for stage in CHECK_STAGES:
                with reporter.timed(stage.__name__):
                    stage(task)
                if stage is read_script:
                    assert task.script is not None
                    published.claim(task.script.meta, task.source, seen)
        except PipelineError as exc:
            fail(source, exc)
            continue
        except Exception as exc:  # a bug hit by this script: the others still build
            fail(source, BugError(exc, source))
            continue
        if task.script is not None and task.script.draft:
            reporter.info(f"{source}: a draft (its front matter says so): not built")
            continue
        tasks.append(task)
    tasks = one_episode_per_essay(tasks, before, reporter)

    for folder in (project.episodes, project.feed, project.root / ".cache"):
        atomic.remove_leftovers(folder)  # what a killed build left half-written
    cluster = options.cluster or show.cluster
    with pools_kept():  # the synthesis workers, kept from one episode to the next
        warmed = None
        if not cluster:  # a Dask cluster has workers of its own
            for task in tasks:  # the first sure to synthesize loads its voice meanwhile
                if warm_up_voice(task):
                    warmed = task
                    break
        # What only the work after the checks needs is imported now, while the workers
        # load the voice: before the checks, it held their fork back by a tenth of a second.
        from pipeline.build.cluster import build_on_cluster
        from pipeline.build.showwide import write_show_outputs
        from pipeline.release.artwork import ensure_artwork, write_episode_artwork
        from pipeline.release.templating import keep_compiled

        keep_compiled(project.root / ".cache" / "templates")
        artwork = ensure_artwork(show, project.feed)
        for task in list(tasks):
            task.artwork = artwork
            own = task.script.meta.artwork if task.script else None
            if own is not None:  # the post's cover: the MP3's, the books' and the feed item's
                try:
                    task.files.folder.mkdir(parents=True, exist_ok=True)
                    task.artwork = write_episode_artwork(own, task.files.artwork)
                except PipelineError as exc:
                    fail(task.source, exc)
                    tasks.remove(task)
        if warmed is not None and any(task is warmed for task in tasks):
            # Its MP3's cover: now, while a core is free, not once its last chapter is in.
            with contextlib.suppress(PipelineError):  # its tags stage will say what is wrong
                mp3_cover(warmed)
        built: list[BuiltEpisode] = []
        if cluster:  # every script's utterances at once on a Dask cluster: pipeline/build/batch.py
            done = build_on_cluster(cluster, tasks, project, reporter)
            built, tasks = done.built, []
            for source, message in done.failed:
                failed.append((source, message))
        built += build_here(tasks, reporter, fail)
    base_url = (options.base_url or show.base_url).rstrip("/")
    episodes, removed = published.listed(
        built, before, project.episodes, whole_project=not only, notice=reporter.warn
    )
    if episodes or removed:
        write_show_outputs(show, episodes, built, project.root, artwork, base_url, reporter)
    return BuildResult(built, failed, reporter.synthesized, dict(reporter.stage_seconds))


def one_episode_per_essay(
    tasks: list[EpisodeTask], before: dict[str, BuiltEpisode], reporter: Reporter
) -> list[EpisodeTask]:
    """The tasks less second copies of one essay (pipeline.reading.identity): the copy
    whose episode is published holds it, else the first by name; each other copy is
    named, with the script that holds it, and not built."""
    ranked = sorted(
        tasks, key=lambda task: bool(task.script and task.script.meta.slug not in before)
    )
    index, keep = Index(), set()
    for task in ranked:
        assert task.script is not None
        ident = identity(task.script)
        held = index.holder(ident)
        if held is not None:
            holder, why = held
            reporter.warn(
                f"{task.source}: the same essay as {holder} ({why}), which holds its "
                "episode; not built as a second episode (remove one of the two)"
            )
            continue
        index.add(ident, task.source)
        keep.add(id(task))
    return [task for task in tasks if id(task) in keep]


def no_scripts(project: Project) -> PipelineError:
    return PipelineError(
        f"no scripts found in {project.scripts} (expected .md, .txt or .html files)"
    )


def _check_cache_folders(project: Project) -> None:
    """The cache's folders must be folders: a file in their place would fail every script."""
    cache = project.root / ".cache"
    for folder in (cache, *(cache / name for name in ("audio", "segments", "voices", "templates"))):
        if folder.exists() and not folder.is_dir():
            raise PipelineError(
                f"{folder} is a file, but the build keeps its cache there: "
                "move or delete it, then build again"
            )
