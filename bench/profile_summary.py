"""Where the worker threads' time goes, from a py-spy raw profile written by
`python -m bench.publish --profile` (worker<pid>.folded in the kept folder).

    .venv/bin/python -m bench.profile_summary /tmp/parvis-bench-*/parvis-bench-sqlite-*/worker*.folded

Each sample of a huey worker thread is put in the first matching step of a publication
(the engine's functions, huey's queue and result store), and within it split by what the
thread was doing (database, HTTP, ...). With `--profile wall` the shares are of wall-clock
time, waits included: what limits the throughput of a fixed number of threads.
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

# Most specific first: a sample goes to the first step whose marker is in its stack.
STEPS = [
    ("log line", ["Logger.info"]),
    ("record_published", ["record_published"]),
    ("HTTP POST (connector.publish)", ["MastodonConnector.publish"]),
    ("mark_may_exist", ["mark_may_exist"]),
    ("build_request", ["build_request"]),
    ("connector_for", ["connector_for"]),
    ("claim", ["claim (parvis/publishing/engine.py"]),
    ("close_old_connections (around each job)", ["close_db.<locals>.inner (huey/contrib/djhuey/__init__.py:128)",
                                                 "close_db.<locals>.inner (huey/contrib/djhuey/__init__.py:133)"]),
    ("huey result store", ["Huey.put_result"]),
    ("huey dequeue (on Redis: BRPOP, waiting for a job)", ["Huey.dequeue"]),
    ("idle: worker sleeping between polls", ["Worker.sleep"]),
]


def activity(stack: str, leaf: str) -> str:
    if "get_new_connection" in stack or "ensure_connection" in stack:
        return "DB connect"
    if "commit (" in stack:
        return "DB commit"
    if "CursorWrapper" in stack or "django/db/backends" in stack:
        return "DB execute"
    if "requests/" in stack or "urllib3" in stack or "http/client" in stack:
        return "HTTP (requests/urllib3)"
    if "BaseSqlStorage.db" in leaf:
        return "huey SQLite storage lock"
    return re.sub(r" \(.*", "", leaf)


def summarise(path: Path) -> None:
    steps: Counter[str] = Counter()
    inside: defaultdict[str, Counter[str]] = defaultdict(Counter)
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if "Worker-" not in frames[0]:
            continue
        n = int(count)
        total += n
        step = next((name for name, marks in STEPS if any(m in stack for m in marks)), "other")
        steps[step] += n
        inside[step][activity(stack, frames[-1])] += n
    print(f"{path}: {total} samples of worker threads")
    for step, n in steps.most_common():
        print(f"{n / total:7.1%}  {step}")
        for what, m in inside[step].most_common(3):
            if m / total >= 0.003:
                print(f"{'':9}{m / total:7.1%}  {what}")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        summarise(Path(arg))
