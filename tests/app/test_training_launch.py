"""A session started as the cockpit starts it: its process writes what it says to the
session folder's ``process.log`` (the key masked), so a session that does not come up says
why."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.app.training.launch import LOG, launch


def test_a_session_that_cannot_start_says_why_in_its_log(tmp_path: Path) -> None:
    folder = tmp_path / "train" / "calm-day" / "carla"  # a session's folder, damaged:
    folder.mkdir(parents=True)  # its set-up file is gone
    (folder / "exercise.json").write_text('{"exercise": "calm-day"}', encoding="utf-8")
    s = launch("calm-day", "carla", "suggest", root=tmp_path / "train")
    try:
        code = s.process.wait(timeout=120)
    finally:
        s.process.kill()
    assert code != 0
    assert s.log == folder / LOG
    text = s.log.read_text(encoding="utf-8")
    assert text.startswith("--- train --exercise calm-day")
    assert "without its serve.json; start it afresh with --fresh" in text  # from the process
    assert s.key not in text


def test_a_name_that_is_not_one_starts_nothing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="trainee: 'a b' is not a name"):
        launch("calm-day", "a b", "suggest", root=tmp_path)
    assert not (tmp_path / "calm-day").exists()
