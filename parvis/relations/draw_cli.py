"""`parvis draw verify PROOF.json`: anyone checks a published contest draw (parvis-draw-v1)
on their own machine, from the proof file alone.

No settings, no database, no Django set-up: the person verifying is usually not the one
who runs parvis. Exit status: 0 the draw holds, 1 it does not, 2 the file cannot be read
as a proof (or the command is misused), with a message on stderr naming the problem."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from parvis.relations.draw import DrawError, Verification, gettext, parse_json, shown, verify


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="draw_command", required=True, metavar="verify")
    check = actions.add_parser("verify", help="recompute a published proof and say whether the draw holds",
                               description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("proof", type=Path, help="the proof's JSON file, as downloaded from the proof page")


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr  # looked up now: tests and callers replace them
    try:
        data = _read(args.proof)
    except (OSError, DrawError) as problem:
        reason = problem.strerror if isinstance(problem, OSError) and problem.strerror else str(problem)
        err.write(f"parvis draw verify: {args.proof}: {reason}\n")
        return 2
    verification = verify(data)
    for check in verification.checks:
        label = gettext("ok") if check.ok else gettext("FAILED")
        out.write(f"{label:<8} {check.sentence}\n")
    out.write("\n" + _verdict(verification, data) + "\n")
    return 0 if verification.holds else 1


def _read(path: Path) -> dict[str, Any]:
    data = parse_json(path.read_bytes())
    if not isinstance(data, dict):
        raise DrawError(gettext("A proof is a JSON object."), "", "type")
    return data


def _verdict(verification: Verification, data: dict[str, Any]) -> str:
    if not verification.holds:
        return gettext("The draw does NOT hold: %(failed)s of %(total)s checks failed.") % {
            "failed": len(verification.failed()), "total": len(verification.checks)}
    # Named only once every check passed, so a forged file cannot present its own winners.
    winners = data["picks"][:data["winner_count"]]
    alternates = data["picks"][data["winner_count"]:]
    lines = [gettext("The draw holds: every check passed."),
             gettext("Winners: %(ids)s") % {"ids": ", ".join(map(shown, winners)) or "—"},
             gettext("Alternates: %(ids)s") % {"ids": ", ".join(map(shown, alternates)) or "—"}]
    return "\n".join(lines)
