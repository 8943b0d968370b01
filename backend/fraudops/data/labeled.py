"""Labeled rows from a CSV file in the upload schema, as the arrays training takes."""

from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv

from fraudops.data.schema import FEATURE_COLUMNS, LABEL_COLUMN


def load_labeled_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Features in schema order (float64) and the 0/1 labels (int8)."""
    table = pacsv.read_csv(path)
    raw = np.column_stack([table.column(c).to_numpy().astype(np.float64) for c in FEATURE_COLUMNS])
    return raw, table.column(LABEL_COLUMN).to_numpy().astype(np.int8)
