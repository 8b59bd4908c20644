"""Synthesis on a real Dask cluster: a LocalCluster of 2 worker processes (1 thread each, no
dashboard) on 127.0.0.1, the fake voice for most cases and the real Piper voice once."""

from __future__ import annotations

import collections
import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import distributed
import pytest
from conftest import Log, cli, make_project, run_build
from test_build import SECOND, outputs

from pipeline.build.batch import build_together
from pipeline.build.cluster import ClusterError, check_address, voice_digest
from pipeline.build.stages import CHECK_STAGES
from pipeline.build.task import EpisodeTask, Options, Project
from pipeline.core.errors import ConfigError
from pipeline.core.reporter import Reporter
from pipeline.settings.config import load_show
from pipeline.speech.cache import AudioCache
from pipeline.speech.synth import LocalPool

# Two short scripts sharing a paragraph, so a shared sentence is asked for twice.
SHARED = "Both essays end on this very same paragraph, word for word."
THIRD = (
    """---
title: A Third Essay
date: 2026-12-03
summary: Short.
---
A third essay opens with its own sentence. It has a second one too.

"""
    + SHARED
    + "\n"
)
FOURTH = THIRD.replace("A Third Essay", "A Fourth Essay").replace(
    "A third essay opens", "A fourth essay starts"
)
SCRIPTS = {"002-second.md": SECOND, "003-third.md": THIRD + "\nBye.\n", "004-fourth.md": FOURTH}
SLUGS = ("002-second", "003-third", "004-fourth")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as local,
        distributed.Client(local) as client,
    ):
        yield client


def address(client: Any) -> str:
    return str(client.scheduler.address)


def published(project: Project, slug: str) -> dict[str, bytes]:
    """The outputs a listener or app sees (not the build's own bookkeeping)."""
    return {
        name: data
        for name, data in outputs(project, slug).items()
        if name.endswith((".mp3", ".vtt", ".srt", ".json", ".txt", ".html"))
        and name[0] != "."
        and "report" not in name
    }


def local_reference(root: Path) -> Project:
    project = make_project(root, SCRIPTS, seed=False)
    result, _ = run_build(project, engine="fake", jobs=1)
    assert not result.failed and len(result.built) == 3
    return project


def cache_keys(project: Project) -> set[str]:
    return {path.stem for path in project.cache.folder.rglob("*.pcm")}


def count_puts(monkeypatch: pytest.MonkeyPatch) -> collections.Counter[str]:
    """Count every cache write the client makes, by key."""
    puts: collections.Counter[str] = collections.Counter()
    original = AudioCache.put

    def put(self: AudioCache, key: str, speech: Any) -> None:
        puts[key] += 1
        original(self, key, speech)

    monkeypatch.setattr(AudioCache, "put", put)
    return puts


def test_cluster_build_is_byte_identical_to_a_local_build(tmp_path: Path, cluster: Any) -> None:
    reference = local_reference(tmp_path / "local")
    project = make_project(tmp_path / "cluster", SCRIPTS, seed=False)
    result, log = run_build(project, engine="fake", cluster=address(cluster))
    assert not result.failed
    assert [b.meta.slug for b in result.built] == list(SLUGS)
    # The shared paragraph and the shared outro are synthesized once for all three episodes.
    assert result.synthesized == len(cache_keys(reference)) == len(cache_keys(project))
    assert f"synthesizing {result.synthesized} utterance(s) for 3 episode(s) together" in log.text
    assert "3/3 episodes done" in log.text and "ETA" in log.text
    for slug in SLUGS:
        assert published(project, slug) == published(reference, slug), slug
    assert (project.feed / "feed.xml").read_bytes() == (reference.feed / "feed.xml").read_bytes()
    again, log = run_build(project, engine="fake", cluster=address(cluster))
    assert again.synthesized == 0 and log.text.count("audio up to date") == 3


def test_mixed_build_some_cached_locally_some_from_workers(
    tmp_path: Path, cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = local_reference(tmp_path / "local")
    project = make_project(tmp_path / "mixed", {"002-second.md": SECOND}, seed=False)
    first, _ = run_build(project, engine="fake", jobs=1)  # this episode's audio, cached here
    cached_here = cache_keys(project)
    for name, text in SCRIPTS.items():
        (project.scripts / name).write_text(text, encoding="utf-8")
    puts = count_puts(monkeypatch)
    mixed, log = run_build(project, engine="fake", cluster=address(cluster))
    assert not mixed.failed and len(mixed.built) == 3
    # Its audio all cached, the first episode is finished while the others still synthesize.
    assert "002-second.md: finished (1/3 episodes done; utterances 0/" in log.text
    assert mixed.synthesized == len(cache_keys(reference)) - first.synthesized > 0
    assert set(puts) == cache_keys(project) - cached_here  # the workers made only the rest
    for slug in SLUGS:
        assert published(project, slug) == published(reference, slug), slug


def test_the_same_plan_runs_on_the_local_pool_too(tmp_path: Path) -> None:
    """One code path, two executors: the batch build on LocalPool equals the usual build."""
    reference = local_reference(tmp_path / "local")
    project = make_project(tmp_path / "pool", SCRIPTS, seed=False)
    from pipeline.release.artwork import ensure_artwork
    from pipeline.settings.config import load_show

    show = load_show(project.show_toml)
    reporter = Reporter(Log())
    artwork = ensure_artwork(show, project.feed)
    options = Options(engine="fake", jobs=2)
    tasks = []
    for source in sorted(project.scripts.iterdir()):
        task = EpisodeTask(source, project, show, options, reporter, artwork)
        for stage in CHECK_STAGES:  # as build() runs them, before any work
            stage(task)
        tasks.append(task)
    outcome = build_together(tasks, project, reporter, LocalPool(2))
    assert not outcome.failed and [b.meta.slug for b in outcome.built] == list(SLUGS)
    for slug in SLUGS:
        assert published(project, slug) == published(reference, slug), slug


def _slow_fake_voice() -> None:
    """Run on each worker: the fake voice takes a fifth of a second per utterance."""
    import time

    from pipeline.speech.engines.fake import FakeEngine

    original = FakeEngine.synthesize

    def slow(self: FakeEngine, text: str, seed: str = "") -> Any:
        time.sleep(0.2)
        return original(self, text, seed)

    FakeEngine.synthesize = slow  # type: ignore[method-assign]


def test_a_worker_killed_mid_build_has_its_tasks_rerun(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = local_reference(tmp_path / "local")
    project = make_project(tmp_path / "cluster", SCRIPTS, seed=False)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as local,
        distributed.Client(local) as client,
    ):
        client.run(_slow_fake_voice)
        where, victim = sorted(client.run(os.getpid).items())[0]
        puts = count_puts(monkeypatch)
        counted = AudioCache.put
        lost: list[str] = []  # keys the victim was computing or holding when it died

        def kill_after_three(self: AudioCache, key: str, speech: Any) -> None:
            counted(self, key, speech)
            if sum(puts.values()) == 3:
                lost.extend(client.processing()[where])
                lost.extend(client.has_what()[where])
                os.kill(victim, signal.SIGKILL)  # mid-build: the others are still synthesizing

        monkeypatch.setattr(AudioCache, "put", kill_after_three)
        result, _ = run_build(project, engine="fake", cluster=address(client))
    assert lost and set(lost) <= set(puts)  # what it had was done again, elsewhere or later
    assert not result.failed and len(result.built) == 3
    assert set(puts) == cache_keys(project) == cache_keys(reference)
    assert max(puts.values()) == 1  # no utterance landed twice
    assert result.synthesized == len(puts) > 3
    for slug in SLUGS:
        assert published(project, slug) == published(reference, slug), slug


def _other_voice_model() -> None:
    """Run on each worker: the fake voice claims to be another version of itself."""
    from pipeline.speech.engines.fake import FakeEngine

    FakeEngine.identity = lambda self: {"engine": "fake", "version": 2}  # type: ignore[method-assign]


def _same_voice_model() -> None:
    from pipeline.speech.engines.fake import FakeEngine

    FakeEngine.identity = lambda self: {"engine": "fake", "version": 1}  # type: ignore[method-assign]


def test_a_worker_with_another_voice_model_is_refused(tmp_path: Path, cluster: Any) -> None:
    project = make_project(tmp_path, SCRIPTS, seed=False)
    cluster.run(_other_voice_model)
    try:
        with pytest.raises(ClusterError) as refused:
            run_build(project, engine="fake", cluster=address(cluster))
    finally:
        cluster.run(_same_voice_model)
    ours = voice_digest({"engine": "fake", "version": 1})
    theirs = voice_digest({"engine": "fake", "version": 2})
    message = str(refused.value)
    assert "different voice model" in message and "\n" not in message
    assert f"sha256 {theirs}" in message and f"sha256 {ours}" in message
    assert not cache_keys(project)
    assert not list(project.episodes.glob("*/*.mp3"))


def test_an_interrupted_client_keeps_what_landed_and_the_rerun_resumes(
    tmp_path: Path, cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = local_reference(tmp_path / "local")
    total = len(cache_keys(reference))
    project = make_project(tmp_path / "cluster", SCRIPTS, seed=False)
    original = AudioCache.put
    landed: list[str] = []

    def interrupt_after_five(self: AudioCache, key: str, speech: Any) -> None:
        if len(landed) == 5:
            raise KeyboardInterrupt
        original(self, key, speech)
        landed.append(key)

    monkeypatch.setattr(AudioCache, "put", interrupt_after_five)
    with pytest.raises(KeyboardInterrupt):
        run_build(project, engine="fake", cluster=address(cluster))
    monkeypatch.setattr(AudioCache, "put", original)
    assert cache_keys(project) == set(landed) and len(landed) == 5
    resumed, _ = run_build(project, engine="fake", cluster=address(cluster))
    assert not resumed.failed and resumed.synthesized == total - 5
    for slug in SLUGS:
        assert published(project, slug) == published(reference, slug), slug


def test_show_toml_names_the_cluster(tmp_path: Path, cluster: Any) -> None:
    project = make_project(tmp_path, SCRIPTS, seed=False)
    with project.show_toml.open("a", encoding="utf-8") as toml:
        toml.write(f'\n[build]\ncluster = "{address(cluster)}"\n')
    result, log = run_build(project, engine="fake")
    assert not result.failed and "3 episode(s) together" in log.text


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('cluster = "10.0.0.5"', "cluster address '10.0.0.5' must be tcp://host:port or local:N"),
        ('cluster = "local:0"', "cluster address 'local:0' must start at least 1 worker"),
        ("cluster = 8786", "'cluster' must be str, not 8786"),
        ('clutser = "local:2"', "[build] has no setting 'clutser' (known: cluster)"),
    ],
)
def test_a_bad_cluster_setting_names_show_toml(tmp_path: Path, table: str, message: str) -> None:
    show = tmp_path / "show.toml"
    show.write_text(f"[build]\n{table}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as bad:
        load_show(show)
    assert str(bad.value) == f"{show}: {message}"


def test_addresses() -> None:
    for good in ("tcp://127.0.0.1:8786", "tcp://scheduler.example.org:8786", "local:8"):
        check_address(good)
    for bad in ("tcp://host", "tls://scheduler.example.org:8786", "local:two", "local:"):
        with pytest.raises(ConfigError):
            check_address(bad)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_cli_unreachable_scheduler_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    project = make_project(tmp_path, SCRIPTS, seed=False)
    where = f"tcp://127.0.0.1:{free_port()}"
    done = cli(project.root, "build", "--engine", "fake", "--cluster", where)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert f"cannot reach the Dask scheduler at {where}" in lines[0]
    assert not project.episodes.exists()
    assert not (project.feed / "feed.xml").exists()
    assert not cache_keys(project)


def test_cli_bad_cluster_option(tmp_path: Path) -> None:
    done = cli(make_project(tmp_path).root, "build", "--cluster", "scheduler:8786")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "error: --cluster: cluster address 'scheduler:8786' must be" in done.stderr


@pytest.mark.slow
def test_cli_local_cluster_builds_like_the_local_pool(tmp_path: Path) -> None:
    reference = local_reference(tmp_path / "local")
    project = make_project(tmp_path / "cluster", SCRIPTS, seed=False)
    done = cli(project.root, "build", "--engine", "fake", "--cluster", "local:2")
    assert done.returncode == 0, done.stderr
    assert "3/3 episodes done; utterances" in done.stderr
    assert f"{len(cache_keys(reference))} utterance(s) synthesized" in done.stderr
    for slug in SLUGS:
        assert published(project, slug) == published(reference, slug), slug


SHORT = """---
title: A Short Real Essay
date: 2026-12-04
summary: Read by the real voice on a cluster.
---
Walls we cannot see still shape the rooms we live in.
"""


@pytest.mark.slow
def test_real_voice_on_the_cluster(tmp_path: Path, cluster: Any) -> None:
    """Piper on the workers: the voice is checked, and the audio is the cache's, bit for bit."""
    from mutagen.mp3 import MP3

    project = make_project(tmp_path, {"001-short.md": SHORT}, seed=False)
    result, _ = run_build(project, cluster=address(cluster))
    assert not result.failed and result.synthesized == len(cache_keys(project)) >= 4
    mp3 = project.episodes / "001-short" / "001-short.mp3"
    assert 4.0 < MP3(mp3).info.length < 30.0
    made_on_cluster = mp3.read_bytes()
    mp3.unlink()
    local, _ = run_build(project, jobs=1)  # the same cache, no cluster: same bytes
    assert local.synthesized == 0 and mp3.read_bytes() == made_on_cluster
