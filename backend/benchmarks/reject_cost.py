"""What a rejection costs next to an acceptance: `parse_batch` on a full-size synthetic file, as is and with
one bad cell (in the middle, and in the last line). A rejection must cost no more than an acceptance.

Usage: python backend/benchmarks/reject_cost.py [--rows 284807] [--repeat 5] [--dir DIR]
Runs are interleaved (good, middle, last, good, ...) so a busy machine slows all three alike.
"""

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from fraudops.data import synthetic
from fraudops.data.validate import CsvRejected, parse_batch

BAD_CELL = b"12,5"  # a decimal comma: quoted so the row keeps its field count, but not a number


def write_files(directory: Path, rows: int) -> dict[str, Path]:
    good = directory / "good.csv"
    synthetic.write_csv(synthetic.generate(rows, seed=1), good)
    data = good.read_bytes()
    lines = data.split(b"\n")  # the last element is the empty string after the final line end
    files = {"good": good}
    for name, line in (
        ("bad cell in the middle", len(lines) // 2),
        ("bad cell in the last line", len(lines) - 2),
    ):
        fields = lines[line].split(b",")
        fields[5] = b'"' + BAD_CELL + b'"'  # column V5
        path = directory / f"{name.replace(' ', '-')}.csv"
        path.write_bytes(b"\n".join([*lines[:line], b",".join(fields), *lines[line + 1 :]]))
        files[name] = path
    return files


def timed(parse: Callable[[], object]) -> float:
    started = time.perf_counter()
    with suppress(CsvRejected):
        parse()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=284_807)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--dir", type=Path, default=None, help="where to write the files (default: a temp dir)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        files = write_files(args.dir or Path(scratch), args.rows)
        for name, path in files.items():  # each must give the expected verdict before it is timed
            try:
                parse_batch(path)
                verdict = "accepted"
            except CsvRejected as rejected:
                first = rejected.problems[0]
                verdict = f"rejected: line {first.line}, {first.column}: {first.message}"
            print(f"{name:<26} {path.stat().st_size / 1e6:6.1f} MB  {verdict}")
        runs: dict[str, list[float]] = {name: [] for name in files}
        for _ in range(args.repeat):
            for name, path in files.items():
                runs[name].append(timed(lambda path=path: parse_batch(path)))

    accept = statistics.median(runs["good"])
    print(f"\nparse_batch, median of {args.repeat} runs ({args.rows:,} rows):")
    for name, seconds in runs.items():
        median = statistics.median(seconds)
        print(f"  {name:<26} {median:6.3f} s   ratio to acceptance {median / accept:4.2f}")


if __name__ == "__main__":
    main()
