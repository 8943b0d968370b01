"""The Keras network. Training-only: importing this module imports TensorFlow."""

import logging
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter off the console

import keras
import numpy as np
from sklearn.metrics import average_precision_score, log_loss

from fraudops.ml.fit_options import EpochHook, MLPParams
from fraudops.ml.onnx_export import Dense

log = logging.getLogger(__name__)

# Training steps per call into TensorFlow. A step of these small networks costs about as much in Keras'
# Python loop as in the graph; 32 a call cut an epoch by about a fifth (2026-12-01, 260k rows).
STEPS_PER_EXECUTION = 32
PREDICT_BATCH = 131_072


class _ValidationAUPRC(keras.callbacks.Callback):
    """`val_auprc` (scikit-learn's average precision, the selection's own metric) and `val_loss` of the
    validation rows after each epoch, for early stopping. Computed once per epoch from one predict, where
    a compiled Keras metric would also be updated on every training batch (a fifth of an epoch's time)
    and only approximates the area with 200 thresholds."""

    def __init__(self, x: np.ndarray, y: np.ndarray, weight: np.ndarray | None) -> None:
        super().__init__()
        self.x, self.y, self.weight = x, y, weight

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:  # noqa: ARG002
        if logs is None:
            return
        scores = predict(self.model, self.x)
        # A window without fraud has no precision-recall curve: nothing to stop on, every epoch ties.
        auprc = average_precision_score(self.y, scores, sample_weight=self.weight) if self.y.any() else 0.0
        logs["val_auprc"] = float(auprc)
        logs["val_loss"] = float(log_loss(self.y, scores, sample_weight=self.weight, labels=[0, 1]))


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
        steps_per_execution=STEPS_PER_EXECUTION,
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
        # Callbacks share one logs dict in list order: the validation scores first, then the stopping.
        callbacks[:0] = [_ValidationAUPRC(x_val, y_val, val_weight), stop]
    if on_epoch:
        callbacks.append(_progress(on_epoch, params.max_epochs))
    # Class weight folded into per-row weights, so a downsampling weight can multiply it.
    rows_weight = np.where(y_train == 1, weight, 1.0)
    if sample_weight is not None:
        rows_weight = rows_weight * sample_weight
    history = model.fit(
        x_train,
        y_train,
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
    """The network's probabilities, one call into TensorFlow per `PREDICT_BATCH` rows: `predict_on_batch`
    skips `predict`'s dataset pipeline, half the time on a 255k-row validation window (2026-12-01)."""
    parts = [model.predict_on_batch(x[i : i + PREDICT_BATCH]) for i in range(0, len(x), PREDICT_BATCH)]
    return np.concatenate([np.asarray(p).reshape(-1) for p in parts]) if parts else np.empty(0, np.float32)
