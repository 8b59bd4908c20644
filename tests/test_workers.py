"""The synthesis workers a build keeps: started early for an episode never built, shared by
every episode in the same voice, and gone when the build ends (pipeline/speech/synth.py)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest
from conftest import make_project, run_build

import pipeline.build.local as build_local
import pipeline.build.run as build_run
import pipeline.release.artwork as release_artwork
import pipeline.speech.synth as synth
from pipeline.build.task import Project

PARAGRAPHS = (
    "The first sentence of {n}. The second sentence is here. A third one follows it.\n\n"
    "Another paragraph of {n} begins. It goes on a while. Then it ends, as they do.\n"
)


def script(n: str) -> str:
    return f"---\ntitle: Episode {n}\n---\n\n{PARAGRAPHS.format(n=n)}"


LOG: list[Path] = []  # where note() writes: set by the fixture, inherited by forked workers
REAL_ONE = synth._synthesize_one


def note(line: str) -> None:
    with open(LOG[0], "a", encoding="utf-8") as file:
        file.write(line + "\n")


def noting_one(job: synth.Job) -> str:
    """A worker's job, noted (module-level: the pool sends it to workers by name)."""
    note(f"synthesized in {os.getpid()}")
    return REAL_ONE(job)


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A file each process appends to: the build's own steps, and every utterance a worker
    synthesizes (with the worker's pid)."""
    LOG[:] = [tmp_path / "events.txt"]
    real_start, real_artwork = synth._start_pool, release_artwork.ensure_artwork

    def start(*args: object, **kwargs: object) -> object:
        note("pool started")
        return real_start(*args, **kwargs)  # type: ignore[arg-type]

    def artwork(*args: object, **kwargs: object) -> object:
        note("artwork")
        return real_artwork(*args, **kwargs)  # type: ignore[arg-type]

    def let_go() -> None:
        note("let go")
        real_let_go()

    real_let_go = build_local.let_go_of_workers
    monkeypatch.setattr(build_local, "let_go_of_workers", let_go)
    monkeypatch.setattr(synth, "_start_pool", start)
    monkeypatch.setattr(synth, "_synthesize_one", noting_one)
    monkeypatch.setattr(release_artwork, "ensure_artwork", artwork)  # imported as it is used
    return LOG[0]


def lines(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def workers_used(log: Path) -> set[str]:
    return {line.split()[-1] for line in lines(log) if line.startswith("synthesized in")}


def test_one_set_of_workers_serves_every_episode_and_is_gone_at_the_end(
    tmp_path: Path, events: Path
) -> None:
    scripts = {"002-a.md": script("A"), "003-b.md": script("B")}
    project = make_project(tmp_path / "p", scripts, seed=False)
    result, _ = run_build(project, engine="fake", jobs=2)
    assert not result.failed and len(result.built) == 2
    assert result.synthesized > 2 * synth.SMALL_BATCH
    # Two episodes, one pool: its two workers said both (a pool each would be four pids).
    assert lines(events).count("pool started") == 1
    assert len(workers_used(events)) == 2
    # Let go once the last episode's synthesis is over, while that episode is made.
    assert lines(events)[-1] == "let go" and lines(events).count("let go") == 1
    assert str(os.getpid()) not in workers_used(events)
    assert multiprocessing.active_children() == []  # shut down with the build


def test_a_new_episode_starts_its_workers_before_the_build_draws_and_lays_out(
    tmp_path: Path, events: Path
) -> None:
    project = make_project(tmp_path / "p", {"002-a.md": script("A")}, seed=False)
    run_build(project, engine="fake", jobs=2)
    assert lines(events)[:2] == ["pool started", "artwork"]

    # Built before: its voice waits until the build knows there is something to say. A
    # one-sentence edit is said here, in this process, with no workers at all.
    events.unlink()
    (project.scripts / "002-a.md").write_text(script("A").replace("ends, as", "stops, as"))
    edited, _ = run_build(project, engine="fake", jobs=2)
    assert edited.synthesized == 1
    assert lines(events) == ["artwork", f"synthesized in {os.getpid()}", "let go"]

    # No record of a build (its folder's record deleted), although every sentence is
    # cached: the workers start, say nothing, and are shut down with the build.
    events.unlink()
    (record,) = project.episodes.glob("*/.build.json")
    record.unlink()
    again, _ = run_build(project, engine="fake", jobs=2)
    assert not again.failed and again.synthesized == 0
    assert lines(events)[:2] == ["pool started", "artwork"]
    assert workers_used(events) == set()
    assert multiprocessing.active_children() == []


def test_a_new_episodes_mp3_cover_is_made_while_its_workers_load_the_voice(
    tmp_path: Path, events: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Made after the last chapter, the cover was on one core at the build's end; made
    while the workers load the voice, a core is free for it. An edit does not make it
    ahead (its cover is kept)."""
    real_cover = build_run.mp3_cover

    def cover(task: object) -> bytes:
        note("cover")
        return real_cover(task)  # type: ignore[arg-type]

    monkeypatch.setattr(build_run, "mp3_cover", cover)
    project = make_project(tmp_path / "p", {"002-a.md": script("A")}, seed=False)
    result, _ = run_build(project, engine="fake", jobs=2)
    assert not result.failed
    assert lines(events)[:3] == ["pool started", "artwork", "cover"]
    assert list((project.root / ".cache" / "covers").glob("*.jpg"))
    events.unlink()
    (project.scripts / "002-a.md").write_text(script("A").replace("ends, as", "stops, as"))
    run_build(project, engine="fake", jobs=2)
    assert "cover" not in lines(events)


def test_one_worker_or_a_web_voice_starts_no_pool_ahead(tmp_path: Path, events: Path) -> None:
    project: Project = make_project(tmp_path / "p", {"002-a.md": script("A")}, seed=False)
    result, _ = run_build(project, engine="fake", jobs=1)
    assert not result.failed and result.synthesized > synth.SMALL_BATCH
    assert "pool started" not in lines(events)
    assert workers_used(events) == {str(os.getpid())}


def test_the_build_and_the_noop_learnt_after_it_load_the_voice_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that did work builds once more, silently, to learn what a no-op prints
    (pipeline/build/noop.py); it takes the build's engine rather than load and check the
    voice again."""
    from pipeline.cli import main
    from pipeline.speech import engines

    loads: list[bool] = []
    real = engines.ENGINES["fake"]

    def counted(choice: engines.VoiceChoice, forked: bool) -> engines.Engine:
        loads.append(forked)
        return real(choice, forked)

    monkeypatch.setitem(engines.ENGINES, "fake", counted)
    project = make_project(tmp_path / "p", {"002-a.md": script("A")}, seed=False)
    args = ["--root", str(project.root), "build", "--engine", "fake", "--quiet"]
    assert main([*args, "--jobs", "1"]) == 0
    assert loads == [False]
    assert (project.root / ".cache" / "noop.json").exists()  # the no-op was learnt
    (project.scripts / "002-a.md").write_text(script("B"))
    loads.clear()
    assert main([*args, "--jobs", "2"]) == 0  # each run loads its own (its workers, theirs)
    assert loads == [False]


def stuck_one(job: synth.Job) -> str:
    """A worker's job that hangs on the sentence that says so (for longer than the stall limit
    the test sets: without the limit the build would wait and succeed), and kills its
    worker on the one that says that (module-level: the pool sends it to workers by name)."""
    if "hangs here" in job.spoken:
        time.sleep(120)
    if "dies here" in job.spoken:
        os.kill(os.getpid(), signal.SIGKILL)
    return REAL_ONE(job)


@pytest.mark.parametrize("sentence", ["It hangs here, for good.", "It dies here, at once."])
def test_a_worker_that_hangs_or_dies_fails_its_episode_in_one_line_and_leaves_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sentence: str
) -> None:
    monkeypatch.setattr(synth, "STALL_LIMIT_S", 3)
    monkeypatch.setattr(synth, "_synthesize_one", stuck_one)
    text = script("A").replace("Then it ends", f"{sentence} Then it ends")
    scripts = {"002-a.md": text, "003-b.md": script("B")}
    project = make_project(tmp_path / "p", scripts, seed=False)
    result, _ = run_build(project, engine="fake", jobs=2)
    ((source, message),) = result.failed
    assert source.name == "002-a.md" and "\n" not in message
    assert "workers stopped answering" in message and sentence[:20] in message
    what = "no utterance finished in 3 s" if "hangs" in sentence else "without a word"
    assert what in message
    # The other episode still builds, with workers of its own, and none is left.
    assert [episode.files.slug for episode in result.built] == ["003-b"]
    assert multiprocessing.active_children() == []


def test_a_stop_request_as_the_workers_are_let_go_leaves_the_pool_closable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A stop request raised while the thread that lets the workers go is starting: the
    build's end still closes the pool, without "cannot join thread before it is started"."""
    import concurrent.futures as cf
    import threading

    kept = synth._KeptPool()
    kept.executor = cf.ThreadPoolExecutor(max_workers=1)  # type: ignore[assignment]
    real_start = threading.Thread.start

    def interrupted(thread: threading.Thread) -> None:
        raise KeyboardInterrupt  # as the stop handler raises wherever the main thread is

    monkeypatch.setattr(threading.Thread, "start", interrupted)
    with pytest.raises(KeyboardInterrupt):
        kept.let_go()
    monkeypatch.setattr(threading.Thread, "start", real_start)
    kept.close()  # no RuntimeError
    assert kept.executor is None and kept.leaving is None
