"""Progress on stderr without tqdm: one line per stage with its percentage, redrawn in place on a
terminal, and plain lines (start, each quarter of a long stage, end) when stderr is a file."""
import sys
import time


class Progress:
    def __init__(self, stages, quiet=False, stream=None):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = self.stream.isatty()
        self.stages = stages
        self.index = 0
        self.started = time.monotonic()

    def stage(self, name, steps=1):
        """A context manager for the next stage; call .advance() on it after each of `steps`."""
        self.index += 1
        return Stage(self, name, steps)

    def write(self, text, end="\n"):
        if not self.quiet:
            self.stream.write(text + end)
            self.stream.flush()


class Stage:
    def __init__(self, progress, name, steps):
        self.progress = progress
        self.name = name
        self.steps = max(1, steps)
        self.done = 0
        self.last_quarter = 0
        self.started = time.monotonic()

    def __enter__(self):
        self._show()
        return self

    def __exit__(self, *exc_info):
        if exc_info[0] is None:
            self.done = self.steps
            seconds = time.monotonic() - self.started
            total = time.monotonic() - self.progress.started
            self._show(f" done in {seconds:.1f} s ({total:.0f} s in all)", final=True)
        elif self.progress.tty and not self.progress.quiet:
            self.progress.write("")  # leave the interrupted line as it was
        return False

    def advance(self, n=1):
        self.done = min(self.steps, self.done + n)
        quarter = 4 * self.done // self.steps
        if self.progress.tty:
            self._show()
        elif quarter > self.last_quarter and self.done < self.steps:
            self.last_quarter = quarter
            self._show()

    def _show(self, suffix="", final=False):
        p = self.progress
        text = f"[{p.index}/{p.stages}] {self.name:<34} {100 * self.done // self.steps:3d}%{suffix}"
        if p.tty:
            p.write("\r" + text + "\033[K", end="\n" if final else "")
        else:
            p.write(text)
