"""The training's progress display (rich): candidates done, epochs of the network being fitted, and the
comparison table at the end."""

import logging
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from fraudops.ml.candidates import Candidate
from fraudops.training.pipeline import CandidateResult


class RichReporter:
    """A `pipeline.Reporter` drawing two bars: candidates, and epochs of the current network."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._candidates: TaskID | None = None
        self._epochs: TaskID | None = None
        self._mlp_log = logging.getLogger("fraudops.ml.mlp")
        self._mlp_level = self._mlp_log.level

    def __enter__(self) -> "RichReporter":
        self._mlp_log.setLevel(logging.WARNING)  # the epoch bar replaces the per-epoch log lines
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._progress.stop()
        self._mlp_log.setLevel(self._mlp_level)

    def begin(self, candidates: list[Candidate], rows: dict[str, int]) -> None:
        split = ", ".join(f"{name} {n:,}" for name, n in rows.items())
        self.console.print(f"training {len(candidates)} candidates on {split} rows (split by time)")
        self._candidates = self._progress.add_task("candidates", total=len(candidates), note="")

    def candidate_started(self, index: int, candidate: Candidate) -> None:  # noqa: ARG002
        if self._candidates is not None:
            self._progress.update(self._candidates, note=candidate.name)
        if self._epochs is not None:
            self._progress.remove_task(self._epochs)
            self._epochs = None

    def epoch(self, candidate: Candidate, epoch: int, max_epochs: int, logs: dict[str, float]) -> None:
        if self._epochs is None:
            self._epochs = self._progress.add_task(f"  {candidate.name} epochs", total=max_epochs, note="")
        note = f"val AUPRC {logs['val_auprc']:.4f}" if "val_auprc" in logs else ""
        self._progress.update(self._epochs, completed=epoch, note=note)

    def candidate_finished(self, result: CandidateResult) -> None:
        if self._epochs is not None:
            self._progress.remove_task(self._epochs)
            self._epochs = None
        if self._candidates is not None:
            self._progress.advance(self._candidates)
        self.console.print(
            f"  [green]✓[/] {result.name}: validation AUPRC {result.validation['auprc']:.4f}"
            f" ± {result.validation.get('auprc_std', 0.0):.4f}, "
            f"test AUPRC {result.test['auprc']:.4f}, {result.train_seconds:.1f} s"
        )

    def stage(self, message: str) -> None:
        self.console.print(message)


def comparison_table(rows: list[dict[str, Any]], title: str = "candidates and champion") -> Table:
    """The comparison printed after every training (also stored on the training run). Metrics other
    than val AUPRC are on the test rows, at each model's own threshold (chosen on validation)."""
    table = Table(
        title=title,
        caption=(
            "test rows unless marked val (val = mean over the time folds); prev. = fraud rate = a random "
            "AUPRC; rec@k / prec@k = recall / precision of the top k alerts a day; amount = share of "
            "fraud amount caught at the threshold"
        ),
    )
    columns = (
        ("model", "model"),
        ("imbalance", "imbalance"),
        ("val_auprc", "val AUPRC"),
        ("val_auprc_std", "± std"),
        ("test_auprc", "test AUPRC"),
        ("test_prevalence", "prev."),
        ("test_roc_auc", "ROC-AUC"),
        ("test_precision", "prec."),
        ("test_recall", "recall"),
        ("test_f1", "F1"),
        ("test_recall_at_k", "rec@k"),
        ("test_precision_at_k", "prec@k"),
        ("test_amount_caught", "amount"),
        ("threshold", "thresh."),
        ("train_s", "train s"),
        ("score_ms_per_1k", "ms/1k"),
        ("role", ""),
    )
    for key, header in columns:
        text = key in ("model", "imbalance", "role")
        table.add_column(header, justify="left" if text else "right", no_wrap=text)
    for row in rows:
        table.add_row(*(_cell(key, row.get(key)) for key, _ in columns))
    return table


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if key == "test_prevalence":
        return f"{value:.4f}"
    if key in ("train_s",):
        return f"{value:.1f}"
    if key == "score_ms_per_1k":
        return f"{value:.2f}"
    return f"{value:.4f}" if isinstance(value, float) else str(value)
