"""What the commands print: one console (standard error) and progress that suits where it goes."""

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(stderr=True)


class PlainProgress:
    """Progress for a file or a pipe (a log, CI): a plain line at every tenth of the work (or every 50,000 items when
    the total is unknown) and one when a task ends, instead of a redrawn bar's fragments. The part of rich's Progress
    that the commands use."""

    def __init__(self) -> None:
        self.console = console
        self.tasks: dict[int, list] = {}  # task id -> [description, total, done, last tenth or step reported]

    def __enter__(self) -> "PlainProgress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add_task(self, description: str, total: int | None = None) -> int:
        self.tasks[len(self.tasks)] = [description, total, 0, 0]
        return len(self.tasks) - 1

    def update(self, task: int, total: int | None = None) -> None:
        self.tasks[task][1] = total

    def advance(self, task: int, n: int = 1) -> None:
        state = self.tasks[task]
        state[2] += n
        description, total, done, reported = state
        step = done * 10 // total if total else done // 50_000
        if step > reported:
            state[3] = step
            share = f" of {total:,} ({done * 100 // total}%)" if total else ""
            console.print(f"{description}: {done:,}{share}", markup=False, soft_wrap=True, highlight=False)

    def stop(self) -> None:
        for description, total, done, _ in self.tasks.values():
            console.print(f"{description}: done, {done:,}{f' of {total:,}' if total else ''}.", markup=False,
                          soft_wrap=True, highlight=False)
        self.tasks.clear()


def progress() -> Progress | PlainProgress:
    if not console.is_terminal:
        return PlainProgress()
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=False
    )


