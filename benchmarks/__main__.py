"""Run every benchmark section and write BENCHMARKS.md at the repository root.

Usage: ``make bench`` (or ``.venv/bin/python -m benchmarks``). Loopback only.
"""

import datetime
import os
import pathlib
import platform
import sys

from . import engine

ROOT = pathlib.Path(__file__).resolve().parents[1]


def machine():
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {memory:.0f} GiB, {platform.platform()}, Python {platform.python_version()}"


def main():
    print("engine ...", file=sys.stderr)
    engine_lines, engine_headline = engine.run()
    rows = engine.targets(engine_headline)
    text = [
        "# Benchmarks", "",
        f"- Date: {datetime.date.today().isoformat()}",
        f"- Machine: {machine()}",
        "- Command: `make bench` (runs `.venv/bin/python -m benchmarks`)", "",
        "## Targets", "", "| target | measured | met |", "| --- | --- | --- |",
        *[f"| {target} | {measured} | {'yes' if met else '**no**'} |" for target, measured, met in rows],
        "", *engine_lines,
    ]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(text) + "\n")
    for target, measured, met in rows:
        print(f"{'ok  ' if met else 'MISS'} {target}: {measured}")
    print(f"wrote {ROOT / 'BENCHMARKS.md'}")


if __name__ == "__main__":
    main()
