"""`make bench ARGS=--catalogue N`: a back catalogue of N short essays, built locally and on
a Dask cluster of 2 worker processes (`--cluster local:2`), side by side, cold each time.

Prints, and writes to bench/catalogue.json:
  throughput            audio minutes narrated per wall-clock minute, each way, and per
                        CPU minute (user + system time of the build and all its processes)
  cluster overhead      (cluster − local) per utterance synthesized, in wall time (with and
                        without the cluster's start-up) and in CPU time; both use 2 processes
  scheduler per task    wall time per trivial task through the same kind of cluster
and a capacity plan for 1,000 articles a day from those numbers (assumptions printed). The
plan uses CPU time, which a machine shared with other work inflates far less than wall time;
the load average during the run is printed beside it.
"""

from __future__ import annotations

import json
import os
import platform
import random
import re
import resource
import time
from pathlib import Path

from measure import PYTHON, REPO, SEED, Run, build, measure, new_project  # noqa: F401

ARTICLES_PER_DAY = 1000
AUDIO_MIN_PER_ARTICLE = 5.0  # ≈ 750 words at 150 words a minute (the 5,000 min/day)
PEAK_WINDOW_HOURS = 8.0  # a newsroom publishes over a working day, not evenly over 24 hours
HEADROOM = 1.5  # spare capacity for bursts and lost workers
INSTANCE = "a 2-vCPU on-demand CPU instance (e.g. AWS c7i.large)"
INSTANCE_USD_PER_HOUR = 0.09  # assumed list price; check your provider's


def essay(number: int, words: int, rng: random.Random) -> str:
    """A short essay whose every sentence is new (the cache cannot help), in two sections."""
    vocabulary = sorted(set(re.findall(r"[a-z]+", SEED.read_text(encoding="utf-8").lower())))
    lines = [
        "---",
        f"title: Catalogue Essay {number}",
        f"date: 2026-01-{1 + number % 28:02d}",
        "summary: A benchmark essay.",
        "---",
        "",
    ]
    written = 0
    while written < words:
        sentences = []
        for _ in range(rng.randint(3, 5)):
            sentence = rng.choices(vocabulary, k=rng.randint(8, 18))
            sentences.append(" ".join(sentence).capitalize() + ".")
            written += len(sentence)
        lines += [" ".join(sentences), ""]
    return "\n".join(lines)


def catalogue_project(root: Path, count: int, words: int) -> Path:
    rng = random.Random(13)
    first = essay(1, words, rng)
    new_project(root, "001-catalogue-essay-1.md", first)
    for number in range(2, count + 1):
        text = essay(number, words, rng)
        (root / "scripts" / f"{number:03d}-catalogue-essay-{number}.md").write_text(text)
    return root


def cluster_costs(tasks: int = 2000) -> tuple[float, float]:
    """(seconds to start a 2-worker LocalCluster, seconds per trivial task through it)."""
    from distributed import Client, LocalCluster

    started = time.perf_counter()
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.wait_for_workers(2)
        startup = time.perf_counter() - started
        started = time.perf_counter()
        keys = [f"bench-noop-{i}" for i in range(tasks)]
        futures = client.map(abs, range(tasks), key=keys)
        client.gather(futures)
        per_task = (time.perf_counter() - started) / tasks
    return startup, per_task


def children_cpu_seconds() -> float:
    """User + system time of every finished child process and its reaped descendants."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_build(name: str, project: Path, extra: tuple[str, ...]) -> tuple[Run, float]:
    before = children_cpu_seconds()
    run = build(name, project, extra)
    return run, children_cpu_seconds() - before


def main(count: int, words: int, out: Path, work: Path) -> None:
    load_before = os.getloadavg()[0]
    print(f"catalogue: {count} essays of about {words} words, local (--jobs 2)…", flush=True)
    local_project = catalogue_project(work / "local", count, words)
    local, local_cpu = timed_build("local", local_project, ("--jobs", "2"))
    print("same catalogue on a Dask cluster (--cluster local:2)…", flush=True)
    cluster_project = catalogue_project(work / "cluster", count, words)
    cluster, cluster_cpu = timed_build("cluster", cluster_project, ("--cluster", "local:2"))
    cpu = {"local": local_cpu, "cluster": cluster_cpu}
    print("scheduler cost per task…", flush=True)
    startup, per_task = cluster_costs()

    def throughput(run: Run) -> float:
        return run.audio_seconds / run.seconds  # audio minutes per wall minute

    utterances = max(1, cluster.synthesized)
    overhead = (cluster.seconds - local.seconds) / utterances
    overhead_warm = (cluster.seconds - startup - local.seconds) / utterances
    overhead_cpu = (cluster_cpu - local_cpu) / utterances
    audio_minutes = cluster.audio_seconds / 60
    load = max(load_before, os.getloadavg()[0])
    print()
    print(
        f"{'run':<10}{'seconds':>10}{'CPU s':>9}{'audio min':>11}{'utterances':>12}"
        f"{'audio min/min':>15}{'per CPU min':>13}"
    )
    for run in (local, cluster):
        print(
            f"{run.name:<10}{run.seconds:>10.1f}{cpu[run.name]:>9.1f}"
            f"{run.audio_seconds / 60:>11.1f}{run.synthesized:>12}{throughput(run):>15.1f}"
            f"{run.audio_seconds / cpu[run.name]:>13.1f}"
        )
    print(f"(load average {load:.1f} on {os.cpu_count()} cores during the runs)")
    print(f"\ncluster start-up (2 worker processes)     {startup:8.2f} s")
    print(f"cluster overhead per utterance, wall      {overhead * 1000:8.1f} ms")
    print(f"  … without the start-up                  {overhead_warm * 1000:8.1f} ms")
    print(f"cluster overhead per utterance, CPU       {overhead_cpu * 1000:8.1f} ms")
    print(f"scheduler cost per task                   {per_task * 1000:8.2f} ms")

    # Capacity plan: from the cluster run's CPU time (synthesis, mastering, start-up and all).
    cores = os.cpu_count() or 1
    per_core = cluster.audio_seconds / cluster_cpu  # audio min per CPU min: one busy core
    daily = ARTICLES_PER_DAY * AUDIO_MIN_PER_ARTICLE
    peak_rate = daily / (PEAK_WINDOW_HOURS * 60)  # audio minutes needed per wall minute
    workers = max(1, -(-peak_rate * HEADROOM // per_core))
    instances = -(-workers // 2)
    core_hours_per_audio_hour = 1 / per_core
    usd_per_audio_hour = core_hours_per_audio_hour / 2 * INSTANCE_USD_PER_HOUR
    plan = {
        "articles_per_day": ARTICLES_PER_DAY,
        "audio_minutes_per_article": AUDIO_MIN_PER_ARTICLE,
        "peak_window_hours": PEAK_WINDOW_HOURS,
        "headroom": HEADROOM,
        "instance": INSTANCE,
        "instance_usd_per_hour": INSTANCE_USD_PER_HOUR,
        "audio_min_per_cpu_min": per_core,
        "workers_single_core": workers,
        "instances_2_vcpu": instances,
        "usd_per_audio_hour": usd_per_audio_hour,
        "usd_per_day": daily / 60 * usd_per_audio_hour,
    }
    print(
        f"\ncapacity plan, {ARTICLES_PER_DAY} articles/day × {AUDIO_MIN_PER_ARTICLE:.0f} audio min"
        f" = {daily:,.0f} audio min/day, published over {PEAK_WINDOW_HOURS:.0f} h,"
        f" ×{HEADROOM} headroom:"
    )
    print(f"  measured: {per_core:.1f} audio min per CPU min (one core, end to end)")
    print(f"  needed:   {peak_rate:.1f} audio min per wall min at peak")
    print(f"  workers:  {workers:.0f} (= {instances:.0f} × 2-vCPU instances)")
    print(
        f"  cost:     ${usd_per_audio_hour:.4f} per audio hour, ${plan['usd_per_day']:.2f}/day"
        f" (assuming ${INSTANCE_USD_PER_HOUR}/h for {INSTANCE}, fully used)"
    )

    results = {
        "machine": f"{platform.machine()}, {cores} cores, {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"),
        "essays": count,
        "words_each": words,
        "runs": [
            {
                "name": run.name,
                "seconds": run.seconds,
                "audio_seconds": run.audio_seconds,
                "synthesized": run.synthesized,
                "audio_min_per_wall_min": throughput(run),
                "cpu_seconds": cpu[run.name],
                "audio_min_per_cpu_min": run.audio_seconds / cpu[run.name],
                "peak_rss_mb": run.peak_rss_mb,
            }
            for run in (local, cluster)
        ],
        "cluster_startup_seconds": startup,
        "cluster_overhead_per_utterance_seconds": overhead,
        "cluster_overhead_per_utterance_without_startup_seconds": overhead_warm,
        "cluster_overhead_per_utterance_cpu_seconds": overhead_cpu,
        "load_average": load,
        "scheduler_seconds_per_task": per_task,
        "audio_minutes": audio_minutes,
        "capacity_plan": plan,
    }
    out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"\nwrote {out} ({results['machine']})")
