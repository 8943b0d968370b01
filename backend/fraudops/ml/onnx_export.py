"""Build the served ONNX graph: feature engineering + scaling + a dense network, in one file."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from fraudops.data.schema import N_FEATURES
from fraudops.ml import features

INPUT_NAME = "transactions"
OUTPUT_NAME = "fraud_probability"
OPSET = 17


@dataclass(frozen=True)
class Dense:
    kernel: np.ndarray  # (inputs, units)
    bias: np.ndarray  # (units,)
    activation: Literal["relu", "sigmoid", "linear"]


def dense_network(layers: Sequence[Dense], mean: np.ndarray, scale: np.ndarray) -> bytes:
    """Serialise a feed-forward network (inference mode: dropout is the identity) behind the feature graph.

    Built from the weights directly rather than through a converter: a dense network is a handful of
    MatMul/Add/activation nodes, and this keeps TensorFlow out of the export path. A parity check
    against Keras's own predictions guards it at every training run.
    """
    if layers[-1].activation != "sigmoid" or layers[-1].kernel.shape[1] != 1:
        raise ValueError("the last layer must be a single sigmoid unit")
    nodes, inits = features.onnx_nodes(INPUT_NAME, "x0", mean, scale)
    current = "x0"
    for i, layer in enumerate(layers):
        inits.append(numpy_helper.from_array(layer.kernel.astype(np.float32), f"w{i}"))
        inits.append(numpy_helper.from_array(layer.bias.astype(np.float32), f"b{i}"))
        nodes.append(helper.make_node("MatMul", [current, f"w{i}"], [f"mm{i}"]))
        nodes.append(helper.make_node("Add", [f"mm{i}", f"b{i}"], [f"z{i}"]))
        if layer.activation == "linear":
            current = f"z{i}"
        else:
            op = {"relu": "Relu", "sigmoid": "Sigmoid"}[layer.activation]
            nodes.append(helper.make_node(op, [f"z{i}"], [f"a{i}"]))
            current = f"a{i}"
    inits.append(numpy_helper.from_array(np.array([1], dtype=np.int64), "squeeze_axis"))
    nodes.append(helper.make_node("Squeeze", [current, "squeeze_axis"], [OUTPUT_NAME]))

    graph = helper.make_graph(
        nodes,
        "fraud_mlp",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["n", N_FEATURES])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["n"])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="fraudops")
    model.ir_version = 8  # readable by every ONNX Runtime release of the last years
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()


def wrap_classifier(
    classifier: onnx.ModelProto, mean: np.ndarray, scale: np.ndarray, probabilities: str = "probabilities"
) -> bytes:
    """Put the feature graph in front of a converted classifier (skl2onnx / onnxmltools output whose
    single input takes the engineered features and whose `probabilities` output is `[n, 2]`), and keep
    only the fraud column: raw transactions in, `fraud_probability` `[n]` out, in one file.

    `mean` / `scale` are the standardisation fitted on training rows (zeros / ones for models that do
    not scale). Names of the classifier's graph are prefixed so they cannot collide with ours.
    """
    if len(classifier.graph.input) != 1:
        raise ValueError("the classifier graph must have exactly one input")
    inner = onnx.compose.add_prefix(classifier, "clf_")
    inner_input = inner.graph.input[0].name
    inner_probabilities = "clf_" + probabilities
    if inner_probabilities not in {o.name for o in inner.graph.output}:
        raise ValueError(f"the classifier graph has no output named {probabilities!r}")
    nodes, inits = features.onnx_nodes(INPUT_NAME, inner_input, mean, scale)
    inits.append(numpy_helper.from_array(np.array(1, dtype=np.int64), "fraud_column"))
    tail = helper.make_node("Gather", [inner_probabilities, "fraud_column"], [OUTPUT_NAME], axis=1)
    graph = helper.make_graph(
        [*nodes, *inner.graph.node, tail],
        "fraud_classifier",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["n", N_FEATURES])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["n"])],
        initializer=[*inits, *inner.graph.initializer],
        value_info=list(inner.graph.value_info),
    )
    opsets = {o.domain: o.version for o in classifier.opset_import}
    # The feature nodes need opset 13 or later (Squeeze/Slice forms); keep the classifier's own if newer.
    opsets[""] = max(opsets.get("", 0), 13)
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid(domain, version) for domain, version in sorted(opsets.items())],
        producer_name="fraudops",
    )
    model.ir_version = max(classifier.ir_version, 8)
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()


def without_zipmap(classifier: onnx.ModelProto, probabilities: str = "probabilities") -> onnx.ModelProto:
    """The classifier with its ZipMap (a list of {class: probability} maps, CatBoost's export writes one)
    replaced by the plain `[n, 2]` tensor it was fed, under the same output name."""
    graph = classifier.graph
    zipmaps = [node for node in graph.node if node.op_type == "ZipMap" and probabilities in node.output]
    if not zipmaps:
        return classifier
    zipmap = zipmaps[0]
    graph.node.remove(zipmap)
    graph.node.append(helper.make_node("Identity", [zipmap.input[0]], [probabilities]))
    for i, output in enumerate(graph.output):
        if output.name == probabilities:
            graph.output.remove(output)
            graph.output.insert(i, helper.make_tensor_value_info(probabilities, TensorProto.FLOAT, ["n", 2]))
            break
    return classifier


def average_graphs(graphs: Sequence[bytes]) -> bytes:
    """One graph scoring the mean of several served graphs' probabilities: each keeps its own feature
    nodes (names prefixed per member) and reads the one shared raw input."""
    if not graphs:
        raise ValueError("nothing to average")
    nodes: list[onnx.NodeProto] = []
    inits: list[TensorProto] = []
    value_info: list[onnx.ValueInfoProto] = []
    opsets: dict[str, int] = {}
    ir_version = 8
    outputs = []
    for i, data in enumerate(graphs):
        member = onnx.compose.add_prefix(onnx.load_from_string(data), f"m{i}_")
        own_input = f"m{i}_{INPUT_NAME}"
        for node in member.graph.node:
            node.input[:] = [INPUT_NAME if name == own_input else name for name in node.input]
        nodes.extend(member.graph.node)
        inits.extend(member.graph.initializer)
        value_info.extend(member.graph.value_info)
        outputs.append(f"m{i}_{OUTPUT_NAME}")
        for o in member.opset_import:
            opsets[o.domain] = max(opsets.get(o.domain, 0), o.version)
        ir_version = max(ir_version, member.ir_version)
    inits.append(numpy_helper.from_array(np.array(1.0 / len(graphs), dtype=np.float32), "ens_weight"))
    nodes.append(helper.make_node("Sum", outputs, ["ens_sum"]))
    nodes.append(helper.make_node("Mul", ["ens_sum", "ens_weight"], ["ens_mean"]))
    # float32 rounding can put a mean of ones a few ulps above 1.
    inits.append(numpy_helper.from_array(np.array(0.0, dtype=np.float32), "ens_zero"))
    inits.append(numpy_helper.from_array(np.array(1.0, dtype=np.float32), "ens_one"))
    nodes.append(helper.make_node("Clip", ["ens_mean", "ens_zero", "ens_one"], [OUTPUT_NAME]))
    graph = helper.make_graph(
        nodes,
        "fraud_ensemble",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["n", N_FEATURES])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["n"])],
        initializer=inits,
        value_info=value_info,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid(domain, version) for domain, version in sorted(opsets.items())],
        producer_name="fraudops",
    )
    model.ir_version = ir_version
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()
