"""The Keras network. Training-only: importing this module imports TensorFlow."""

import logging
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter off the console

import keras
import numpy as np

from fraudops.ml.fit_options import EpochHook, MLPParams
from fraudops.ml.onnx_export import Dense

log = logging.getLogger(__name__)


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
    x_val: np.ndarray | None,
    y_val: np.ndarray | None,
    params: MLPParams,
    on_epoch: EpochHook | None = None,
    sample_weight: np.ndarray | None = None,
    val_weight: np.ndarray | None = None,
) -> tuple[keras.Model, int, int]:
    """Fit on standardised features with early stopping on validation AUPRC (best weights restored), or,
    with `params.early_stopping` off (a refit), for exactly `max_epochs` without validation rows.

    Returns the model, the number of epochs run and the epoch (from 1) whose weights it holds.
    """
    keras.utils.set_random_seed(params.seed)
    positives = max(int(y_train.sum()), 1)
    weight = params.positive_weight or float(np.sqrt((len(y_train) - positives) / positives))
    model = build(x_train.shape[1], params)
    callbacks: list[keras.callbacks.Callback] = [_EpochLog()]
    stop = None
    if params.early_stopping:
        if x_val is None or y_val is None:
            raise ValueError("early stopping needs validation rows")
        stop = keras.callbacks.EarlyStopping(
            monitor="val_auprc", mode="max", patience=params.patience, restore_best_weights=True
        )
        callbacks.insert(0, stop)
    if on_epoch:
        callbacks.append(_progress(on_epoch, params.max_epochs))
    # Class weight folded into per-row weights, so a downsampling weight can multiply it.
    rows_weight = np.where(y_train == 1, weight, 1.0)
    if sample_weight is not None:
        rows_weight = rows_weight * sample_weight
    history = model.fit(
        x_train,
        y_train,
        validation_data=None if stop is None else (x_val, y_val, val_weight),
        epochs=params.max_epochs,
        batch_size=params.batch_size,
        sample_weight=rows_weight,
        callbacks=callbacks,
        verbose=0,
    )
    epochs = len(history.history["loss"])
    best = stop.best_epoch + 1 if stop is not None and stop.best_weights is not None else epochs
    return model, epochs, best


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
