"""The Compare page's knob grid: one column per arm, one row per policy knob.

Cells are ``{"type": "compare-knob", "arm": i, "knob": name}``; their values are what the
form shows (text, ``on``/``off``, a choice). The grid is drawn from those shown values, so
adding an arm keeps the others' edits, and a stored comparison's arms (its overrides) are
turned back into shown values to reopen it. A knob that another knob of its arm leaves
without effect (:func:`twin.app.knobs.idle_reason`) is greyed out with the reason.
"""

from __future__ import annotations

import contextlib
import string
from collections.abc import Mapping
from typing import Any

from dash import dcc, html

from twin.app.arms import Arm, arm_label
from twin.app.knobs import KNOBS, KNOBS_BY_NAME, KNOBS_BY_PATH, Knob, idle_reason
from twin.app.store import ComparisonRecord
from twin.config import ConfigError, Scenario

MAX_ARMS = 4  # the arm choices of the form; a forged request may name any arm

Cells = list[tuple[dict[str, Any], Any]]
Shown = dict[tuple[int, str], Any]  # (arm, knob name) -> the value the form shows


def shown_value(knob: Knob, value: Any) -> Any:
    """A scenario value as the form shows it."""
    if knob.kind == "bool":
        return knob.show(value)
    if knob.kind == "choice":
        return value
    if knob.kind == "widths":
        return ", ".join(f"{w:g}" for w in value)
    return knob.show(value)


def knob_input(knob: Knob, arm: int, shown: Any) -> Any:
    cid = {"type": "compare-knob", "arm": arm, "knob": knob.name}
    if knob.kind == "bool":
        opts = [{"label": "on", "value": "on"}, {"label": "off", "value": "off"}]
        return dcc.Dropdown(
            id=cid, options=opts, value=shown, clearable=False, style={"width": "110px"}
        )
    if knob.kind == "choice":
        return dcc.Dropdown(
            id=cid, options=list(knob.choices), value=shown, clearable=False,
            style={"width": "130px"},
        )  # fmt: skip
    return dcc.Input(id=cid, type="text", value=shown, debounce=False)


def default_value(base: Scenario, knob: Knob, arm: int) -> Any:
    """Arm A is the base; arm B starts with two more technicians, so Run shows something."""
    value = knob.get(base)
    if knob.name == "technicians" and arm == 1:
        return value + 2
    return value


def knob_grid(base: Scenario, n_arms: int, shown: Shown | None = None) -> html.Table:
    """The grid of ``n_arms`` arms; a cell shows ``shown[arm, knob]`` or its default."""
    shown = shown or {}
    head = [html.Th("Policy knob")] + [
        html.Th(
            [
                f"Arm {string.ascii_uppercase[i]}" + (" (reference)" if i == 0 else ""),
                html.Button(
                    "duplicate",
                    id={"type": "compare-dup", "arm": i},
                    className="small-button",
                    disabled=n_arms >= MAX_ARMS,
                    title="a new arm with this arm's settings, to change one of them"
                    if n_arms < MAX_ARMS
                    else f"at most {MAX_ARMS} arms",
                ),
            ]
        )
        for i in range(n_arms)
    ]
    rows = []
    for knob in KNOBS:
        cells: list[Any] = [
            html.Td([html.Div(knob.label), html.Div(knob.help, className="knob-help")])
        ]
        for arm in range(n_arms):
            value = shown.get((arm, knob.name))
            if value is None:
                value = shown_value(knob, default_value(base, knob, arm))
            cells.append(
                html.Td(
                    [
                        knob_input(knob, arm, value),
                        html.Div(
                            id={"type": "compare-knob-error", "arm": arm, "knob": knob.name},
                            className="field-error",
                        ),
                    ],
                    id={"type": "compare-knob-cell", "arm": arm, "knob": knob.name},
                )
            )
        rows.append(html.Tr(cells))
    return html.Table([html.Thead(html.Tr(head)), html.Tbody(rows)], className="knobs")


def duplicated(shown: Shown, arm: int, n_arms: int) -> Shown:
    """``shown`` with arm ``arm``'s values copied into a new last arm (index ``n_arms``)."""
    if not 0 <= arm < n_arms < MAX_ARMS:
        raise ConfigError(f"arms: cannot duplicate arm {arm!r} of {n_arms} (at most {MAX_ARMS})")
    out = {k: v for k, v in shown.items() if k[0] < n_arms}
    out.update({(n_arms, name): v for (a, name), v in shown.items() if a == arm})
    return out


def check_cells(cells: Cells) -> None:
    """The grid a request sends: known knobs of at most MAX_ARMS arms (ConfigError if not)."""
    if len(cells) > MAX_ARMS * len(KNOBS):
        raise ConfigError(f"arms: at most {MAX_ARMS} arms of {len(KNOBS)} knobs each")
    for cid, _ in cells:
        arm, knob = cid.get("arm"), cid.get("knob")
        if not isinstance(arm, int) or isinstance(arm, bool) or not 0 <= arm < MAX_ARMS:
            raise ConfigError(f"arms: arm {arm!r} is not one of the {MAX_ARMS} arms")
        if knob not in KNOBS_BY_NAME:
            raise ConfigError(f"unknown policy knob {knob!r}")


def shown_of(cells: Cells) -> Shown:
    """The grid's shown values by (arm, knob), after checking the cells."""
    check_cells(cells)
    return {(int(cid["arm"]), str(cid["knob"])): value for cid, value in cells}


def build_arms(base: Scenario, cells: Cells) -> list[Arm]:
    """Arms from the grid: each arm overrides the knobs whose value differs from the base."""
    check_cells(cells)
    per_arm: dict[int, dict[str, Any]] = {}
    for cid, raw in cells:
        knob = KNOBS_BY_NAME[cid["knob"]]
        value = knob.parse(raw)
        overrides = per_arm.setdefault(int(cid["arm"]), {})
        if value != knob.get(base):
            overrides[knob.path] = value
    arms = []
    for i in sorted(per_arm):
        arm = Arm(f"{string.ascii_uppercase[i]}: {arm_label(per_arm[i])}", per_arm[i])
        arm.scenario(base)  # raises ConfigError for a bad combination
        arms.append(arm)
    return arms


def restored(record: ComparisonRecord, base: Scenario) -> tuple[int, Shown, list[str]]:
    """A stored comparison's arms as the grid shows them: (arm count, shown values, notes).

    Overrides that are no knob (arms given as whole scenario files on the command line)
    cannot be shown; the notes name them.
    """
    arms = list(record.arms)[:MAX_ARMS]
    shown: Shown = {}
    notes = []
    for i, arm in enumerate(arms):
        overrides: Mapping[str, Any] = arm.get("overrides") or {}
        for path, value in overrides.items():
            knob = KNOBS_BY_PATH.get(path)
            if knob is None:
                if path != "demand.visits_per_technician":  # follows the technicians
                    notes.append(f"arm {string.ascii_uppercase[i]}: {path} is not a knob here")
                continue
            shown[i, knob.name] = shown_value(
                knob, tuple(value) if knob.kind == "widths" else value
            )
        for knob in KNOBS:  # the stored arm is the base plus its overrides, nothing else
            shown.setdefault((i, knob.name), shown_value(knob, knob.get(base)))
    if len(record.arms) > MAX_ARMS:
        notes.append(f"only the first {MAX_ARMS} of {len(record.arms)} arms are shown")
    return max(len(arms), 2), shown, notes


def settings_of(shown: Shown, arm: int) -> dict[str, Any]:
    """The parsed planner and brain of one arm (those that parse), for :func:`idle_reason`."""
    out = {}
    for name in ("planner", "brain"):
        if (arm, name) in shown:
            with contextlib.suppress(ConfigError):  # a bad value has its own message
                out[name] = KNOBS_BY_NAME[name].parse(shown[arm, name])
    return out


def idle_cells(shown: Shown) -> dict[tuple[int, str], str]:
    """Why each idle cell does nothing, by (arm, knob)."""
    out = {}
    for arm in {a for a, _ in shown}:
        settings = settings_of(shown, arm)
        for knob in KNOBS:
            why = idle_reason(knob.name, settings)
            if why:
                out[arm, knob.name] = why
    return out
