"""The transaction layout: the Kaggle `creditcard.csv` columns, in their order."""

V_COLUMNS: tuple[str, ...] = tuple(f"V{i}" for i in range(1, 29))
# The model's input, in this exact order: what every scorer and every ONNX graph expects.
FEATURE_COLUMNS: tuple[str, ...] = ("Time", *V_COLUMNS, "Amount")
LABEL_COLUMN = "Class"
ID_COLUMN = "id"
CSV_COLUMNS: tuple[str, ...] = (*FEATURE_COLUMNS, LABEL_COLUMN)
ALLOWED_COLUMNS: frozenset[str] = frozenset((*CSV_COLUMNS, ID_COLUMN))
# Database column for each CSV column (lower case; `Class` is stored as `label`).
DB_COLUMN: dict[str, str] = {
    **{c: c.lower() for c in FEATURE_COLUMNS},
    LABEL_COLUMN: "label",
    ID_COLUMN: "external_id",
}
N_FEATURES = len(FEATURE_COLUMNS)
# Positions in a feature row, for code that reads one column of a raw matrix.
TIME = FEATURE_COLUMNS.index("Time")
AMOUNT = FEATURE_COLUMNS.index("Amount")
V_SLICE = slice(FEATURE_COLUMNS.index("V1"), FEATURE_COLUMNS.index("V28") + 1)
# `Time` counts seconds from the first transaction.
SECONDS_PER_DAY = 86_400.0
# The largest magnitude accepted for any feature value, on every path (CSV, JSON, stream): beyond any
# real amount, elapsed time (31 years in seconds) or PCA component, and small enough that the models'
# float32 arithmetic stays finite (at 1e38, inside float32's range, the standardised network gave NaN).
MAX_ABS_VALUE = 1e9
