"""Run notebooks top to bottom and save their outputs in place: `python notebooks/run.py [FILE.ipynb …]`
(every notebook in this folder by default). The test suite runs them in a temporary copy instead."""

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    paths = [Path(p) for p in sys.argv[1:]] or sorted(HERE.glob("*.ipynb"))
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        NotebookClient(
            notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        ).execute()
        nbformat.write(notebook, path)
        print(f"ran {path}")  # noqa: T201
