"""`python backend/train.py [OPTIONS]`: the same as `fraudops train [OPTIONS]`.

Trains the candidates on every labeled row in the database (or `--csv FILE`), logs them to MLflow,
registers the best by validation AUPRC and promotes it only if it beats the champion; `--help` lists
the options (`--quick`, `--force`, `--dry-run`, `--gap`).
"""

import sys

from fraudops.cli import app

if __name__ == "__main__":
    app(args=["train", *sys.argv[1:]], prog_name="train.py")
