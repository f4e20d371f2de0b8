"""Reading a scenario file, and checking the files a policy names, without trusting either.

A scenario file must be a small UTF-8 TOML file with a shallow structure; anything else is a
``ValueError`` with the reason (a byte that is not UTF-8 with its offset, the nesting depth),
never a traceback. The history and calibration files a policy names (``policy.*``, see
:data:`twin.config.rules.FILE_KINDS`) must be readable regular files of their kind: a
gzip-compressed CSV file starts with the gzip signature and decompresses to a CSV header,
a CSV file starts with one, a calibration file is one JSON object. Their content is read by
the models that use them; this is the cheap check that makes ``/etc/passwd`` or a folder a
refusal naming the field when the scenario is loaded, not a traceback in the middle of a day.
"""

from __future__ import annotations

import json
import stat
import tomllib
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from twin.config.rules import FILE_KINDS

if TYPE_CHECKING:
    from twin.config.policy import Policy

MAX_SCENARIO_BYTES = 1 << 20  # shipped scenarios are about 2 kB
MAX_DEPTH = 8  # scenario > section > table > value holds at most 4 levels
MAX_CALIBRATION_BYTES = 10 << 20
_GZIP_MAGIC = b"\x1f\x8b"
# where each file comes from, for the message
MADE_BY = {
    "duration_history": "run `twin train-durations`",
    "chemistry_history": "run `python -m twin.sim.feedback_history`",
    "eta_calibration": "run `twin calibrate-eta`",
}


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed TOML of a scenario file; ``ValueError`` saying why it is not one."""
    data = _read_bytes(path, MAX_SCENARIO_BYTES, "scenario file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        msg = f"not UTF-8 text: byte {data[exc.start]:#04x} at offset {exc.start}"
        raise ValueError(msg) from None
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"not valid TOML: {exc}") from None
    except RecursionError:
        raise ValueError(f"nested too deeply (allowed: {MAX_DEPTH} levels)") from None
    where = _too_deep(parsed, MAX_DEPTH)
    if where is not None:
        msg = f"{where}: nested more than {MAX_DEPTH} levels deep (allowed: {MAX_DEPTH})"
        raise ValueError(msg)
    return parsed


def _read_bytes(path: Path, limit: int, what: str = "") -> bytes:
    """A regular file's bytes, at most ``limit`` of them: more is refused when ``what``
    names the file, else cut (a header). FileNotFoundError passes through."""
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(f"cannot read {path}: {exc}") from None
    if not stat.S_ISREG(mode):
        raise ValueError(f"{path} is not a regular file")
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > limit and what:
        raise ValueError(f"{what} larger than {limit:,d} bytes")
    return data


def _too_deep(data: Any, limit: int) -> str | None:
    """The dotted path of a value nested deeper than ``limit``, or None (no recursion)."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        node, where, depth = stack.pop()
        if depth > limit:
            return where or "(top)"
        if isinstance(node, dict):
            stack.extend(
                (v, f"{where}.{k}" if where else str(k), depth + 1) for k, v in node.items()
            )
        elif isinstance(node, list):
            stack.extend((v, f"{where}.{i}", depth + 1) for i, v in enumerate(node))
    return None


def check_policy_files(policy: Policy) -> None:
    """Every file the policy names is a readable file of its kind; ``ValueError`` naming the
    field (``policy.duration_history: ...``), the path and what is allowed."""
    for field, kinds in FILE_KINDS.items():
        value = getattr(policy, field)
        if not value:
            continue
        try:
            _check_file(Path(value))
        except FileNotFoundError:
            problem = "file not found"
        except ValueError as exc:
            problem = str(exc)
        else:
            continue
        msg = (
            f"policy.{field}: {problem}: {value!r} (allowed: a {' or '.join(kinds)} file; "
            f"{MADE_BY[field]} to make one)"
        )
        raise ValueError(msg)


def _check_file(path: Path) -> None:
    if path.name.endswith(".json"):
        data = _read_bytes(path, MAX_CALIBRATION_BYTES, "calibration file")
        try:
            parsed = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise ValueError("not a JSON file") from None
        if not isinstance(parsed, dict):
            raise ValueError("not a JSON object")
        return
    head = _read_bytes(path, 1 << 16)
    if path.name.endswith(".gz"):
        if not head.startswith(_GZIP_MAGIC):
            raise ValueError("not gzip-compressed")
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 1 << 16)
        except zlib.error:
            raise ValueError("not gzip-compressed") from None
    first = head.split(b"\n", 1)[0]
    try:
        header = first.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ValueError("not a UTF-8 CSV file") from None
    if "," not in header or not all(c.strip() for c in header.split(",")):
        raise ValueError("not a CSV file with a header line")
