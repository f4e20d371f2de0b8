"""Fresh API keys can follow ``--api-key`` on a command line: none starts with ``-``."""

from __future__ import annotations

import argparse
import re
import secrets

import pytest

from twin.app.api_key import API_KEY_ENV, api_key, new_api_key


def test_keys_are_url_safe_distinct_and_never_start_with_a_dash() -> None:
    keys = [new_api_key() for _ in range(3000)]  # ~47 would start with "-" if drawn plainly
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{24}", k) for k in keys)
    assert not any(k.startswith("-") for k in keys)
    assert len(set(keys)) == len(keys)
    parser = argparse.ArgumentParser()
    parser.add_argument("--api-key")
    for k in keys:  # as the cockpit's training launch passes it
        assert parser.parse_args(["--api-key", k]).api_key == k


def test_a_draw_that_starts_with_a_dash_is_drawn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter(
        ["-starts-with-a-dash-0000", "--two-dashes-at-start-00", "a-fine-key-of-24-chars-0"]
    )
    monkeypatch.setattr(secrets, "token_urlsafe", lambda n: next(draws))
    assert new_api_key() == "a-fine-key-of-24-chars-0"


def test_the_flag_wins_then_the_environment_then_a_fresh_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(API_KEY_ENV, "from-the-environment")
    assert api_key("from-the-flag") == "from-the-flag"
    assert api_key(None) == "from-the-environment"
    monkeypatch.delenv(API_KEY_ENV)
    fresh = api_key(None)
    assert len(fresh) == 24 and not fresh.startswith("-") and fresh != api_key(None)
