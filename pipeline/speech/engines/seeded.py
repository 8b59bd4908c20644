"""Piper's noise drawn from a seed, so an utterance sounds the same in every build.

A VITS voice adds Gaussian noise twice: to the phoneme durations and to the latent the
decoder turns into audio. In the exported ONNX graph both come from RandomNormalLike ops,
whose generators ONNX Runtime seeds once per session from the clock and then runs on from
call to call: the same sentence came out differently in every build, on every worker.

So the graph is rewritten once, when the voice's optimized copy is made: each
RandomNormalLike(x) becomes "the first size(x) values of a graph input, shaped like x",
and we feed those inputs Gaussian noise drawn from a generator seeded with the utterance's
cache key and the sentence's place in it. How much noise a sentence needs is known only
inside the graph (the decoder's length follows the predicted durations): we offer a
generous length and double it when the graph says it was short. NumPy's generator gives
the same first values however many are drawn, so the length offered never changes the sound.
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


def run_seeded(session: Any, feeds: dict[str, Any], seed: str, sentence: int) -> Any:
    """One sentence through the seeded graph: the audio as float32 samples."""
    import numpy as np
    import onnxruntime

    quiet = onnxruntime.RunOptions()
    quiet.log_severity_level = 4  # a short noise input is retried, not logged as an error
    names = noise_inputs(session)
    scale = max(1.0, float(feeds["scales"][1]))
    length = FIRST_GUESS * int(feeds["input"].shape[1] * scale + 16)
    for _ in range(TRIES):
        noise = {
            name: np.random.default_rng(seed_entropy(seed, sentence, i)).standard_normal(
                length, dtype=np.float32
            )
            for i, name in enumerate(names)
        }
        try:
            return session.run(None, {**feeds, **noise}, quiet)[0].squeeze()
        except Exception as exc:  # ONNX Runtime's own types: a short noise input fails Reshape
            if "Reshape" not in str(exc):
                raise EngineError(f"the voice failed: {str(exc)[:200]}") from None
        length *= 2
    raise EngineError(f"the voice needed more than {length} noise values for one sentence")
