"""How busy the whole machine is: benchmarks share a small VM with other people's work."""

import os
import time

QUIET_CORES = 0.3  # busy cores that still count as an idle machine


def machine_busy() -> float:
    """Return the CPU seconds every core of the machine has spent busy since boot."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    return (sum(values[:8]) - values[3] - values[4] - values[7]) / os.sysconf("SC_CLK_TCK")


def wait_quiet(timeout: float, limit: float = QUIET_CORES) -> float:
    """Wait until a second passes with fewer than ``limit`` cores busy, or ``timeout`` seconds.

    Return the cores busy in the last second waited: other people's work, when not quiet.
    """
    deadline = time.monotonic() + timeout
    busy = 0.0
    while time.monotonic() < deadline:
        before = machine_busy()
        time.sleep(1.0)
        busy = machine_busy() - before
        if busy < limit:
            break
    return busy
