"""Everything that trains: one home for the orchestration around the model pieces in `fraudops.ml`.

- `run`: a training as the application runs it (rows from the database, the lock, the outcome recorded).
- `pipeline`: split, fit every candidate, tune thresholds, log to MLflow, register, gate, export.
- `gate`: the promotion rule (a candidate must beat the champion on the same held-out rows).
- `retraining`: the API's supervisor that starts a training in a child process when enough new labels wait.
- `tracking`: MLflow runs and the model registry. `progress`: the terminal's live view of a training.

Training-only dependencies (scikit-learn's fitters, imbalanced-learn, MLflow, TensorFlow) are imported here
or lazily, never by the serving path.
"""
