"""The Keras network. Training-only: importing this module imports TensorFlow."""

import logging
import os
from dataclasses import asdict, dataclass
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter off the console

import keras
import numpy as np

from fraudops.ml.candidates import EpochHook
from fraudops.ml.onnx_export import Dense

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MLPParams:
    hidden: tuple[int, ...] = (64, 32)
    dropout: float = 0.2
    learning_rate: float = 1e-3
    batch_size: int = 2048
    max_epochs: int = 60
    patience: int = 8
    # Weight of a fraud row relative to a legitimate one; None means sqrt(negatives / positives),
    # a middle ground: full balancing (≈ 580 here) makes scores noisy and costs AUPRC.
    positive_weight: float | None = None
    seed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _EpochLog(keras.callbacks.Callback):
    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        logs = logs or {}
        log.info(
            "epoch %d: loss %.4f, val_loss %.4f, val_auprc %.4f",
            epoch + 1,
            logs.get("loss", float("nan")),
            logs.get("val_loss", float("nan")),
            logs.get("val_auprc", float("nan")),
        )


def build(n_inputs: int, params: MLPParams) -> keras.Model:
    inputs = keras.Input(shape=(n_inputs,))
    x = inputs
    for units in params.hidden:
        x = keras.layers.Dense(units, activation="relu")(x)
        if params.dropout > 0:
            x = keras.layers.Dropout(params.dropout)(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(params.learning_rate),
        loss="binary_crossentropy",
        metrics=[keras.metrics.AUC(curve="PR", name="auprc")],
    )
    return model


def _progress(hook: EpochHook, max_epochs: int) -> keras.callbacks.Callback:
    return keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: hook(epoch + 1, max_epochs, dict(logs or {}))
    )


def fit(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    params: MLPParams,
    on_epoch: EpochHook | None = None,
) -> tuple[keras.Model, int]:
    """Fit on standardised features with early stopping on validation AUPRC (best weights restored).

    Returns the model and the number of epochs run.
    """
    keras.utils.set_random_seed(params.seed)
    positives = max(int(y_train.sum()), 1)
    weight = params.positive_weight or float(np.sqrt((len(y_train) - positives) / positives))
    model = build(x_train.shape[1], params)
    stop = keras.callbacks.EarlyStopping(
        monitor="val_auprc", mode="max", patience=params.patience, restore_best_weights=True
    )
    history = model.fit(
        x_train,
        y_train,
        validation_data=(x_val, y_val),
        epochs=params.max_epochs,
        batch_size=params.batch_size,
        class_weight={0: 1.0, 1: weight},
        callbacks=[stop, _EpochLog(), *([_progress(on_epoch, params.max_epochs)] if on_epoch else [])],
        verbose=0,
    )
    return model, len(history.history["loss"])


def dense_layers(model: keras.Model) -> list[Dense]:
    """The network's Dense layers as plain arrays, in order, for the ONNX export."""
    layers = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            kernel, bias = (np.asarray(w) for w in layer.get_weights())
            layers.append(Dense(kernel, bias, layer.get_config()["activation"]))
    return layers


def predict(model: keras.Model, x: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(x, batch_size=65_536, verbose=0)).reshape(-1)
