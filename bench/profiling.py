"""Recording a process with py-spy while a benchmark's phase runs (`--profile`)."""

import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path


@contextlib.asynccontextmanager
async def profiled(pid: int, folder: str | None, name: str) -> AsyncIterator[None]:
    """py-spy records the process meanwhile, as collapsed stacks in `folder`/`name`.txt
    (--profile); nothing without a folder."""
    if folder is None:
        yield
        return
    path = str(Path(folder) / f"{name}.txt")
    spy = await asyncio.create_subprocess_exec(
        _py_spy(), "record", "--format", "raw", "-r", "200", "-o", path, "--pid", str(pid),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        await spy.wait()
        print(f"  profile: {path}")


def _py_spy() -> str:
    """py-spy beside this Python (a virtualenv's), else on the PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else "py-spy"
