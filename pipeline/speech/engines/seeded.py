"""Piper's noise drawn from a seed, so an utterance sounds the same in every build.

A VITS voice adds Gaussian noise twice: to the phoneme durations and to the latent the
decoder turns into audio. In the exported ONNX graph both come from RandomNormalLike ops,
whose generators ONNX Runtime seeds once per session from the clock and then runs on from
call to call: the same sentence came out differently in every build, on every worker.

So the graph is rewritten once, when the voice's optimized copy is made: each
RandomNormalLike(x) becomes "the first size(x) values of a graph input, shaped like x",
and we feed those inputs Gaussian noise drawn from a generator seeded with the utterance's
cache key and the sentence's place in it. How much noise a sentence needs is known only
inside the graph (the decoder's length follows the predicted durations): the graph also
returns how many values of each input it used, so after the first sentence each input is
offered about what it needs (the durations' noise takes two values a phoneme, the latent's
nearly a thousand), and the length is doubled when the graph says it was short. NumPy's
generator gives the same first values however many are drawn, so the length offered never
changes the sound; drawing the values took 3% of the voice's time when every input was
offered the latent's generous share.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.core.errors import EngineError

NOISE_OP = "RandomNormalLike"
NOISE_INPUT = "essaycast_noise_{}"
# Values offered per phoneme id, at pace 1, before the first doubling: the decoder's latent
# has 192 channels, and a sentence holds about 5 frames per phoneme id (16 is generous).
FIRST_GUESS = 192 * 16
TRIES = 8
# After the first sentence: the most an input has used per phoneme id so far, times this.
MARGIN = 1.5
USED_OUTPUT = "essaycast_noise_{}_used"


def seeded_model(data: bytes, model: Path) -> bytes:
    """The voice model (``data``, read from ``model``) with its random ops replaced by noise
    inputs, serialized."""
    import onnx
    from onnx import TensorProto, helper

    graph_model = onnx.load_from_string(data)
    graph = graph_model.graph
    nodes: list[Any] = []
    count = 0
    for node in graph.node:
        if node.op_type != NOISE_OP:
            nodes.append(node)
            continue
        attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if set(attributes) - {"dtype", "mean", "scale"} or attributes.get("dtype", 1) != 1:
            raise EngineError(f"{model}: {node.name} is a kind of noise essaycast cannot seed")
        noise = NOISE_INPUT.format(count)
        graph.input.append(helper.make_tensor_value_info(noise, TensorProto.FLOAT, [f"n{count}"]))
        (shaped,) = node.output
        part = f"{noise}/"
        nodes += [
            helper.make_node("Shape", [node.input[0]], [part + "shape"]),
            helper.make_node("Size", [node.input[0]], [part + "size"]),
            helper.make_node("Reshape", [part + "size", part + "one"], [part + "end"]),
            helper.make_node("Slice", [noise, part + "zero", part + "end"], [part + "flat"]),
        ]
        standard = part + "standard" if attributes.keys() & {"mean", "scale"} else shaped
        nodes.append(helper.make_node("Reshape", [part + "flat", part + "shape"], [standard]))
        if standard != shaped:
            scale = helper.make_tensor(
                part + "scale", TensorProto.FLOAT, [], [attributes.get("scale", 1.0)]
            )
            mean = helper.make_tensor(
                part + "mean", TensorProto.FLOAT, [], [attributes.get("mean", 0.0)]
            )
            graph.initializer.extend([scale, mean])
            nodes.append(helper.make_node("Mul", [standard, part + "scale"], [part + "scaled"]))
            nodes.append(helper.make_node("Add", [part + "scaled", part + "mean"], [shaped]))
        # How many values the sentence took, returned so the next one is offered about that.
        used = USED_OUTPUT.format(count)
        nodes.append(helper.make_node("Identity", [part + "size"], [used]))
        graph.output.append(helper.make_tensor_value_info(used, TensorProto.INT64, []))
        graph.initializer.extend(
            [
                helper.make_tensor(part + "one", TensorProto.INT64, [1], [1]),
                helper.make_tensor(part + "zero", TensorProto.INT64, [1], [0]),
            ]
        )
        count += 1
    if not count:
        raise EngineError(f"{model}: no {NOISE_OP} op found; is this a Piper (VITS) voice?")
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(graph_model)
    return bytes(graph_model.SerializeToString())


def noise_inputs(session: Any) -> list[str]:
    """The noise inputs of a session made from a seeded model, in graph order."""
    names = [i.name for i in session.get_inputs()]
    return [n for n in names if n.startswith(NOISE_INPUT.format(""))]


def seed_entropy(seed: str, sentence: int, noise: int) -> list[int]:
    """A generator's seed: the utterance's key (hex), the sentence, which noise.

    >>> seed_entropy("ff", 2, 1)
    [255, 2, 1]
    """
    return [int(seed, 16), sentence, noise]


class Noise:
    """The noise inputs of a session made from a seeded model, and how many values each
    has used per phoneme id at most, learned from the sentences said so far."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.inputs = noise_inputs(session)
        self.outputs = [USED_OUTPUT.format(i) for i in range(len(self.inputs))]
        self.audio = session.get_outputs()[0].name
        self.per_id: list[float] = [0.0] * len(self.inputs)

    def lengths(self, ids: int) -> list[int]:
        """What to offer each input for a sentence of ``ids`` phoneme ids (at its pace).

        >>> class Session:
        ...     def get_inputs(self): return [Named("input"), Named(NOISE_INPUT.format(0))]
        ...     def get_outputs(self): return [Named("output")]
        >>> class Named:
        ...     def __init__(self, name): self.name = name
        >>> noise = Noise(Session())
        >>> noise.lengths(100)  # nothing learned yet: the generous first guess
        [356352]
        >>> noise.per_id = [2.0]; noise.lengths(100)  # 1.5 * 2 * (100 + 16) + 256
        [604]
        """
        if not all(self.per_id):
            return [FIRST_GUESS * (ids + 16)] * len(self.inputs)
        return [int(MARGIN * rate * (ids + 16)) + 256 for rate in self.per_id]

    def run(self, feeds: dict[str, Any], seed: str, sentence: int) -> Any:
        """One sentence through the seeded graph: the audio as float32 samples."""
        import numpy as np
        import onnxruntime

        quiet = onnxruntime.RunOptions()
        quiet.log_severity_level = 4  # a short noise input is retried, not logged as an error
        scale = max(1.0, float(feeds["scales"][1]))
        ids = int(feeds["input"].shape[1] * scale)
        lengths = self.lengths(ids)
        for _ in range(TRIES):
            noise = {
                name: np.random.default_rng(seed_entropy(seed, sentence, i)).standard_normal(
                    length, dtype=np.float32
                )
                for i, (name, length) in enumerate(zip(self.inputs, lengths, strict=True))
            }
            try:
                audio, *used = self.session.run(
                    [self.audio, *self.outputs], {**feeds, **noise}, quiet
                )
            except Exception as exc:  # ONNX Runtime's own types: a short noise input fails Reshape
                if "Reshape" not in str(exc):
                    raise EngineError(f"the voice failed: {str(exc)[:200]}") from None
                lengths = [2 * length for length in lengths]
                continue
            self.per_id = [
                max(known, int(count) / (ids + 16))
                for known, count in zip(self.per_id, used, strict=True)
            ]
            return audio.squeeze()
        raise EngineError(
            f"the voice needed more than {max(lengths)} noise values for one sentence"
        )
