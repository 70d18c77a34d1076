"""A progress bar for migrations (rich), silent when disabled."""

from __future__ import annotations

from contextlib import AbstractContextManager
from types import TracebackType


class MigrationProgress(AbstractContextManager["MigrationProgress"]):
    """Steps of a migration shown as a rich progress bar; does nothing when ``enabled`` is false."""

    def __init__(self, total: int, *, enabled: bool = True, description: str = "migrating") -> None:
        self._progress = None
        self._task = None
        if enabled:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(),
            )
            self._task = self._progress.add_task(description, total=total)

    def __enter__(self) -> MigrationProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def step(self, description: str) -> None:
        """One step done; ``description`` names the next."""
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=1, description=description)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.stop()


def print_summary(result: dict[str, object]) -> None:
    """Rows, sizes and compression ratio of a finished migration, on the console."""
    from rich.console import Console

    Console(stderr=True).print(
        f"migrated {result['row_count']:,} rows of {result['bundle']}: "
        f"source {result['hdf5_size_mb']:.2f} MB, Parquet {result['parquet_size_mb']:.2f} MB, "
        f"ratio {result['compression_ratio']:.2%}; validation "
        f"{'passed' if result['validation_passed'] else 'not run' if result['validation_passed'] is None else 'FAILED'}"
    )
