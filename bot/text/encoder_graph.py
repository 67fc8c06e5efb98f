"""all-MiniLM-L6-v2 written out as an ONNX graph from its safetensors weights (BERT's six layers, mean pooling), for
onnxruntime to run (bot/text/sentence_encoder.py). Built in memory when the encoder loads, about 0.7 s; nothing is
downloaded. To look at it in a viewer: `.venv/bin/python -m bot.text.encoder_graph out.onnx`."""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Dict, List

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import load_file

OPSET = 17  # LayerNormalization is an operator from 17 on; ReduceMean still takes its axes as an attribute


def encoder_graph(directory: Path) -> onnx.ModelProto:
    """The encoder for one text: token ids and their positions in, the mean of the last layer's token vectors out
    (unnormalised; the caller scales it to length 1)."""
    config = json.loads((directory / "config.json").read_text())
    heads, eps = config["num_attention_heads"], config["layer_norm_eps"]
    weights = {name.removeprefix("bert."): value.astype(np.float32)
               for name, value in load_file(str(directory / "model.safetensors")).items()}
    width = weights["embeddings.word_embeddings.weight"].shape[1]
    size = width // heads
    nodes: List[onnx.NodeProto] = []
    initializers: Dict[str, np.ndarray] = {}

    def const(name: str, value: np.ndarray) -> str:
        initializers[name] = value
        return name

    def node(op: str, inputs: List[str], output: str, **attributes) -> str:
        nodes.append(helper.make_node(op, inputs, [output], name=output, **attributes))
        return output

    def dense(x: str, name: str) -> str:
        product = node("MatMul", [x, const(f"{name}.w", np.ascontiguousarray(weights[f"{name}.weight"].T))],
                       f"{name}.matmul")
        return node("Add", [product, const(f"{name}.b", weights[f"{name}.bias"])], f"{name}.out")

    def norm(x: str, name: str) -> str:
        return node("LayerNormalization", [x, const(f"{name}.g", weights[f"{name}.weight"]),
                                           const(f"{name}.beta", weights[f"{name}.bias"])], f"{name}.out",
                    axis=-1, epsilon=eps)

    embedded = node("Add", [node("Gather", [const("words", weights["embeddings.word_embeddings.weight"]), "ids"],
                                 "word_rows"),
                            node("Gather", [const("positions_table", weights["embeddings.position_embeddings.weight"]),
                                            "positions"], "position_rows")], "embedded_sum")
    embedded = node("Add", [embedded, const("token_type", weights["embeddings.token_type_embeddings.weight"][0])],
                    "embedded")
    x = norm(embedded, "embeddings.LayerNorm")
    by_head = const("by_head", np.array([-1, heads, size], dtype=np.int64))
    flat = const("flat", np.array([-1, width], dtype=np.int64))
    scale = const("scale", np.array(1.0 / math.sqrt(size), dtype=np.float32))
    for layer in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{layer}."
        q, k, v = (node("Reshape", [dense(x, p + f"attention.self.{part}"), by_head], f"{p}{part}.heads")
                   for part in ("query", "key", "value"))
        q = node("Transpose", [q], f"{p}q.t", perm=[1, 0, 2])
        k = node("Transpose", [k], f"{p}k.t", perm=[1, 2, 0])
        v = node("Transpose", [v], f"{p}v.t", perm=[1, 0, 2])
        scores = node("Mul", [node("MatMul", [q, k], f"{p}scores.raw"), scale], f"{p}scores")
        weights_ = node("Softmax", [scores], f"{p}attention.weights", axis=-1)
        context = node("Transpose", [node("MatMul", [weights_, v], f"{p}context.heads")], f"{p}context.t",
                       perm=[1, 0, 2])
        context = node("Reshape", [context, flat], f"{p}context")
        x = norm(node("Add", [x, dense(context, p + "attention.output.dense")], f"{p}attention.residual"),
                 p + "attention.output.LayerNorm")
        hidden = dense(x, p + "intermediate.dense")
        halved = node("Erf", [node("Mul", [hidden, const(f"{p}root_half", np.array(1 / math.sqrt(2), np.float32))],
                                   f"{p}gelu.scaled")], f"{p}gelu.erf")
        hidden = node("Mul", [hidden, node("Mul", [node("Add", [halved, const(f"{p}one", np.array(1, np.float32))],
                                                        f"{p}gelu.plus"),
                                                   const(f"{p}half", np.array(0.5, np.float32))], f"{p}gelu.gate")],
                      f"{p}gelu")  # GELU, as BERT has it
        x = norm(node("Add", [x, dense(hidden, p + "output.dense")], f"{p}output.residual"), p + "output.LayerNorm")
    node("ReduceMean", [x], "pooled", axes=[0], keepdims=0)  # mean pooling, as sentence-transformers does
    graph = helper.make_graph(
        nodes, "all-MiniLM-L6-v2",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, ["tokens"]),
         helper.make_tensor_value_info("positions", TensorProto.INT64, ["tokens"])],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, [width])],
        [numpy_helper.from_array(value, name) for name, value in initializers.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    onnx.checker.check_model(model)
    return model


if __name__ == "__main__":
    from bot.text.sentence_encoder import model_dir

    onnx.save(encoder_graph(model_dir()), sys.argv[1])
