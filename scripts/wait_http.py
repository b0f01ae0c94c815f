"""Wait until URL answers 200, for at most SECONDS, while every PID stays alive; exit 1 if not.

Usage: wait_http.py URL SECONDS [PID...]   (used by `make run`)
"""

import sys
import time
import urllib.error
import urllib.request


def alive(pid: int) -> bool:
    """Say whether the process runs; one that exited stays a zombie until its parent waits."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def main(url: str, seconds: str, *pids: str) -> int:
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        if not all(alive(int(pid)) for pid in pids):
            return 1
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return 0
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    return 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
