"""What a build works on: the project's folders, the build's options, and one script's task
on its way to a finished episode (each stage in pipeline.build.stages fills in a field)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.audio.layout import PlannedBlock
from pipeline.audio.measurement import Measurement
from pipeline.audio.segments import Segment, SegmentStore
from pipeline.build import keys, manifest
from pipeline.core.model import BuiltEpisode, EpisodeFiles, Narration, Script, Show, Timeline
from pipeline.core.reporter import Reporter
from pipeline.reading.records import Records
from pipeline.speech.cache import AudioCache
from pipeline.speech.engines import Engine, VoiceChoice
from pipeline.speech.pronouncer import Pronouncer

if TYPE_CHECKING:  # numpy and the meter: not for a build that masters nothing
    from pipeline.audio.streaming import BackHalf


@dataclass(frozen=True)
class Project:
    """Where a project's inputs and outputs live."""

    root: Path

    @property
    def scripts(self) -> Path:
        return self.root / "scripts"

    @property
    def episodes(self) -> Path:
        return self.root / "episodes"

    @property
    def feed(self) -> Path:
        return self.root / "feed"

    @property
    def show_toml(self) -> Path:
        return self.feed / "show.toml"

    @property
    def cache(self) -> AudioCache:
        return AudioCache(self.root / ".cache" / "audio")

    @property
    def segments(self) -> SegmentStore:
        return SegmentStore(self.root / ".cache" / "segments")

    @property
    def lock(self) -> Path:
        return self.root / ".cache" / "build.lock"


@dataclass(frozen=True)
class Options:
    engine: str | None = None  # overrides show.toml and front matter
    jobs: int = 2
    explain: bool = False
    base_url: str | None = None
    cluster: str | None = None  # a Dask scheduler's address or local:N (pipeline/build/cluster.py)


@dataclass
class EpisodeTask:
    """One script on its way to a finished episode; each stage fills in a field."""

    source: Path
    project: Project
    show: Show
    options: Options
    reporter: Reporter
    artwork: Path
    script: Script | None = None
    narration: Narration | None = None
    choice: VoiceChoice | None = None
    engine: Engine | None = None
    pronouncer: Pronouncer | None = None  # the lexicon, bound to what the engine accepts
    planned: list[PlannedBlock] = field(default_factory=list)
    spoken_by_key: dict[str, str] = field(default_factory=dict)
    audio: keys.Inputs = field(default_factory=dict)  # what the audio is made from
    audio_verdict: keys.Verdict = keys.NOT_PLANNED
    previous: manifest.Manifest | None = None  # what the last build of this episode knew
    records: Records | None = None  # scripts/.essaycast.toml, shared by the build's tasks
    timeline: Timeline | None = None
    built: BuiltEpisode | None = None
    back_half: BackHalf | None = None  # mastering streamed behind synthesis, till it finishes
    measured: Measurement | None = None  # the new MP3 as mastering metered it, for the report
    segments: tuple[Segment, ...] = ()  # the chapters' encodes the MP3 is joined from
    stage_seconds: dict[str, float] = field(default_factory=dict)  # this episode's, for its report
    cache_use: dict[str, int] = field(default_factory=dict)  # utterances cached / synthesized

    @property
    def files(self) -> EpisodeFiles:
        assert self.script is not None
        return EpisodeFiles(self.project.episodes / self.script.meta.slug)

    @property
    def base_url(self) -> str:
        return (self.options.base_url or self.show.base_url).rstrip("/")
