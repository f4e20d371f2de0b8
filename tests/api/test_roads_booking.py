"""The booking API on real roads: a site near a street is offered slots, one far from every
street is refused with the field and the reason (no 5xx, no traceback)."""

from __future__ import annotations

from pathlib import Path

from tests.api.served import KEY, ROOT, Served, job


def test_a_site_off_the_streets_is_refused(tmp_path: Path) -> None:
    served = Served(tmp_path, env={"FIELDTWIN_CACHE": str(tmp_path / "cache")})
    toml = (ROOT / "data" / "scenarios" / "helsinki.toml").read_text()
    served.scenario.write_text(toml.replace("technicians = 12", "technicians = 3"))
    served.start("--paused")
    try:
        headers = {"X-API-Key": KEY}
        near = {"channel": "portal", "job": job(x=0.5, y=0.8)}
        r = served.client.post("/api/v1/offers", json=near, headers=headers)
        assert r.status_code == 200, r.text
        far = {"channel": "portal", "job": job(x=1.9, y=0.1)}
        r = served.client.post("/api/v1/offers", json=far, headers=headers)
        assert r.status_code == 422, r.text
        (problem,) = r.json()["detail"]
        assert problem["loc"][-1] == "x"
        assert "from the nearest street of" in problem["msg"]
        assert "helsinki.osm.pbf" in problem["msg"]
    finally:
        served.stop()
