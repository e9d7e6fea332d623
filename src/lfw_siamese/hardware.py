"""Where a run happened, in words (recorded with training metrics and benchmark figures)."""

import os
import platform


def describe() -> str:
    """CPU model and core count, e.g. 'AMD EPYC, 2 cores'."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores"
