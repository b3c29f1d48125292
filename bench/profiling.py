"""Recording a process with py-spy while a benchmark's phase runs (`--profile`)."""

import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path


@contextlib.asynccontextmanager
async def profiled(pid: int, path: str | None) -> AsyncIterator[None]:
    """py-spy records the server process meanwhile (--profile), as collapsed stacks."""
    if path is None:
        yield
        return
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
