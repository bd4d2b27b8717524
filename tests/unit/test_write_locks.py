"""Writes to a plan take turns: in one process's event loop and across processes that
share the lock file, and the loop goes on serving while a write waits."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from coherence.api.write_locks import WriteLocks

_T = TypeVar("_T")


def run(main: Coroutine[Any, Any, _T]) -> _T:
    """``asyncio.run(main)`` in a thread of its own: in a whole test session this
    thread's loop may be taken (the browser tests' driver keeps one running)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main).result()


def test_writes_to_a_plan_run_one_at_a_time_in_arrival_order(tmp_path: Path) -> None:
    locks = WriteLocks(str(tmp_path / "writes.lock"))
    inside: list[int] = []
    most = 0
    done: list[int] = []

    async def write(n: int) -> int:
        nonlocal most
        async with locks.hold_async("p"):
            inside.append(n)
            most = max(most, len(inside))
            await asyncio.sleep(0.001)  # the loop serves others meanwhile
            inside.remove(n)
            done.append(n)
        return n * 10

    async def main() -> list[int]:
        return await asyncio.gather(*(write(n) for n in range(20)))

    assert run(main()) == [n * 10 for n in range(20)]
    assert done == list(range(20))
    assert most == 1


@pytest.mark.skipif(sys.platform == "win32", reason="fcntl locks")
def test_a_write_waits_for_another_process_without_stopping_the_loop(tmp_path: Path) -> None:
    path = str(tmp_path / "writes.lock")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\n"
            "from coherence.api.write_locks import WriteLocks\n"
            f"with WriteLocks({path!r}).hold('p'):\n"
            "    print('held', flush=True)\n"
            "    time.sleep(0.5)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    locks = WriteLocks(path)
    ticks = 0

    async def write() -> float:
        async with locks.hold_async("p"):
            return time.monotonic()

    async def main() -> float:
        nonlocal ticks
        start = time.monotonic()
        waiting = asyncio.ensure_future(write())
        while not waiting.done():
            ticks += 1
            await asyncio.sleep(0.01)
        return await waiting - start

    waited = run(main())
    holder.wait(timeout=10)
    assert waited >= 0.2  # the other process held the plan's lock
    assert ticks >= 10  # the loop served meanwhile


@pytest.mark.skipif(sys.platform == "win32", reason="fcntl locks")
def test_a_write_lets_another_process_that_waits_go_first(tmp_path: Path) -> None:
    """Another process waits for the plan's lock (it holds the stripe's waiting byte):
    a writer here, though the lock is free, takes its turn only after that one."""
    path = str(tmp_path / "writes.lock")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, time\n"
            "from coherence.api.write_locks import WriteLocks\n"
            f"locks = WriteLocks({path!r})\n"
            f"fd = os.open({path!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.lockf(fd, fcntl.LOCK_EX, 1, locks.stripes + locks._stripe('p'))\n"
            "print('waiting', flush=True)\n"
            "time.sleep(0.4)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "waiting"
    locks = WriteLocks(path)

    async def write() -> float:
        start = time.monotonic()
        async with locks.hold_async("p"):
            return time.monotonic() - start

    waited = run(write())
    holder.wait(timeout=10)
    assert waited >= 0.2
