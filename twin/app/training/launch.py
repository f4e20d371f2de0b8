"""A trainee's session started from the cockpit: ``twin train`` in a process of its own (the
desk's server, on a free port, with a fresh API key), as a trainer would start it by hand.
Its output goes to ``process.log`` in the session's folder: a session that does not come up
says why there.

The session's folder is ``ROOT/EXERCISE/TRAINEE`` (a folder's name is its trainee's, as
``twin train --debrief`` reads it); started again for the same trainee and exercise, the
session resumes where it was. The process ends with the exercise's day.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from twin.app.api_key import new_api_key
from twin.app.training.exercise import load_exercise
from twin.app.training.session import ASSISTANCE

TRAINEE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
LOG = "process.log"
CLI = "import sys; from twin.cli import main; sys.exit(main())"


@dataclass(frozen=True)
class Launched:
    exercise: str
    trainee: str
    state: Path
    url: str  # the desk's page
    key: str  # its API key
    process: subprocess.Popen[bytes]
    log: Path  # the process's output and errors

    @property
    def link(self) -> str:
        """The desk with its key (in the fragment: never sent to a server)."""
        return f"{self.url}#key={self.key}"


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def launch(
    exercise: str,
    trainee: str,
    assistance: str,
    *,
    root: Path = Path("out/train"),
    store: Path | None = None,
    host: str = "127.0.0.1",
    cwd: Path | None = None,
) -> Launched:
    """Start ``trainee``'s session of ``exercise`` (paused); ValueError naming the field."""
    if not TRAINEE.match(trainee):
        msg = f"trainee: {trainee!r} is not a name; allowed: 1 to 40 letters, digits, _ or -"
        raise ValueError(msg)
    if assistance not in ASSISTANCE:
        msg = f"assistance: {assistance!r} is not a level; allowed: {', '.join(ASSISTANCE)}"
        raise ValueError(msg)
    name = load_exercise(exercise).name  # refuses an unknown exercise, naming the known
    state = root / name / trainee
    port, key = _free_port(host), new_api_key()
    cmd = [sys.executable, "-c", CLI, "train", "--exercise", exercise, "--state", str(state),
           "--host", host, "--port", str(port), "--api-key", key, "--assist", assistance,
           "--paused"]  # fmt: skip
    cmd += ["--store", str(store)] if store is not None else ["--no-store"]
    state.mkdir(parents=True, exist_ok=True)
    log = state / LOG
    with log.open("ab") as out:  # the child keeps its own handle
        out.write(f"--- {' '.join(cmd[3:])}\n".replace(key, "***").encode())
        out.flush()
        process = subprocess.Popen(
            cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Launched(name, trainee, state, f"http://{host}:{port}/desk", key, process, log)
