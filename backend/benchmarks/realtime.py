"""The real-time path's budget: `/api/predict` with the shadow off and on against the floor app, in one run.

Three servers run side by side (the floor, the app without a challenger, the app with one), each with its
own database, and the same load generator visits them in turn, round after round, in a rotating order, so
a slow moment of the machine hits all three alike. Each visit: latency at one keep-alive connection, then
throughput and latency at `concurrency` connections. The figures are medians over the rounds.

The challenger for "shadow on" is the champion's own graph registered under another version: a model of
the same size and kind, which is what a retrained challenger usually is.

Usage: cd backend && python -m benchmarks.realtime [--seconds S] [--rounds R] [--concurrency C]
"""

import argparse
import json
import shutil
import statistics
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from benchmarks.bench import app_server, database, python_load, run_wrk
from fraudops import crud
from fraudops import policy as policies
from fraudops.core.config import Settings
from fraudops.core.db import make_engine
from fraudops.core.migrate import upgrade_to_head
from fraudops.data import synthetic
from fraudops.ml import artifact, version_store

console = Console(width=200)
FLOOR, OFF, ON = "floor (pydantic + ORT)", "/api/predict, shadow off", "/api/predict, shadow on"


def set_shadow_challenger(database_url: str, model_dir: Path, var_dir: Path) -> str:
    """Register a copy of the champion's graph as another version and make it the challenger."""
    onnx_bytes, card = artifact.read(model_dir)
    shadow = card.model_copy(update={"version": f"{card.version}-shadow"})
    version_store.keep(version_store.store_dir(var_dir), onnx_bytes, shadow)
    upgrade_to_head(database_url)
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            crud.record_model_version(session, shadow)
            policies.record(session, "challenger", {"version": shadow.version}, "bench", None)
            session.commit()
    finally:
        engine.dispose()
    return shadow.version


def measure(model_dir: Path, workdir: Path, seconds: int, rounds: int, concurrency: int) -> dict[str, Any]:
    load = run_wrk if shutil.which("wrk") else python_load
    row = synthetic.generate(50, seed=1).slice(10, 1).to_pylist()[0]
    body = json.dumps(row).encode()
    runs: dict[str, list[dict[str, Any]]] = {FLOOR: [], OFF: [], ON: []}
    with ExitStack() as stack:
        ports: dict[str, int] = {}
        for name, app in ((FLOOR, "benchmarks.floor_app:create_app"), (OFF, None), (ON, None)):
            url = stack.enter_context(database("postgresql", workdir))
            own = workdir / name.split(",")[-1].strip().replace(" ", "-").replace("(", "").replace(")", "")
            shutil.rmtree(own, ignore_errors=True)
            own.mkdir(parents=True)
            if name == ON:
                set_shadow_challenger(url, model_dir, own / "var")
            server = app_server(url, model_dir, own, app=app or "fraudops.main:create_app")
            _, ports[name] = stack.enter_context(server)
            load(ports[name], body, 1, 1, workdir)  # warm-up
        order = [FLOOR, OFF, ON]
        for k in range(rounds):
            for name in order[k % 3 :] + order[: k % 3]:  # rotate, so no target always goes first
                single = load(ports[name], body, 1, seconds, workdir)
                loaded = load(ports[name], body, concurrency, seconds, workdir)
                runs[name].append({"c1": single, f"c{concurrency}": loaded})
                console.print(f"round {k + 1} {name}: c=1 {single} c={concurrency} {loaded}")
    return {
        "when": datetime.now(UTC).isoformat(),
        "generator": "wrk" if load is run_wrk else "python",
        "seconds_per_run": seconds,
        "rounds": rounds,
        "concurrency": concurrency,
        "runs": runs,
        "median": {name: _median(r, concurrency) for name, r in runs.items()},
    }


def _median(runs: list[dict[str, Any]], c: int) -> dict[str, float]:
    def med(load: str, key: str) -> float:
        return statistics.median(r[load].get(key, float("nan")) for r in runs)

    return {
        "p50_ms": med("c1", "p50_ms"),
        "p99_ms": med("c1", "p99_ms"),
        f"rps_c{c}": med(f"c{c}", "rps"),
        f"p50_ms_c{c}": med(f"c{c}", "p50_ms"),
        f"p99_ms_c{c}": med(f"c{c}", "p99_ms"),
        "errors": sum(r["c1"]["errors"] + r[f"c{c}"]["errors"] for r in runs),
    }


def print_table(results: dict[str, Any]) -> None:
    c, m = results["concurrency"], results["median"]
    floor, off = m[FLOOR], m[OFF]
    table = Table(
        title=f"one transaction over HTTP, {results['generator']}, median of {results['rounds']} alternating "
        f"rounds of {results['seconds_per_run']} s (targets: off p50 ≤ 1.3×, p99 ≤ 1.5×, req/s ≥ 0.9× floor; "
        "on p99 ≤ 1.1× off)"
    )
    columns = ("target", "p50 ms", "p99 ms", f"req/s c={c}", f"p99 ms c={c}", "errors", "p50 × floor",
               "p99 × floor", "req/s ÷ floor", "p99 × off", f"p99 c={c} × off")  # fmt: skip
    for col in columns:
        table.add_column(col, justify="right")
    for name, f in m.items():
        rps, p99c = f[f"rps_c{c}"], f[f"p99_ms_c{c}"]
        table.add_row(
            name, f"{f['p50_ms']:.2f}", f"{f['p99_ms']:.2f}", f"{rps:.0f}", f"{p99c:.2f}",
            f"{f['errors']:.0f}",
            f"{f['p50_ms'] / floor['p50_ms']:.2f}", f"{f['p99_ms'] / floor['p99_ms']:.2f}",
            f"{rps / floor[f'rps_c{c}']:.2f}", f"{f['p99_ms'] / off['p99_ms']:.2f}",
            f"{p99c / off[f'p99_ms_c{c}']:.2f}",
        )  # fmt: skip
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=5, help="duration of each load run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workdir", type=Path, default=Path("var/bench"))
    args = parser.parse_args()
    settings = Settings()
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = measure(settings.model_dir, args.workdir, args.seconds, args.rounds, args.concurrency)
    print_table(results)
    out = args.workdir / f"realtime-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2))
    console.print(f"figures written to {out}")


if __name__ == "__main__":
    main()
