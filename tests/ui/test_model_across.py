"""The Model page in Chromium: ETA interval coverage by lead time and alert precision and
recall across the stored runs with the brain, each run's row as measured from its log."""

from __future__ import annotations

from tests.ui.conftest import ROOT, Cockpit, shot
from twin.analysis.quality import measure
from twin.app.run import run_scenario
from twin.config import load_scenario
from twin.ui.quality_runs import pooled, run_quality, stored_quality


def test_quality_across_stored_runs(page, cockpit: Cockpit) -> None:  # type: ignore[no-untyped-def]
    scenario = load_scenario(ROOT / "data/scenarios/small.toml").with_overrides(
        **{"policy.brain": True}
    )
    ids = []
    for seed in (1, 2):
        result = run_scenario(scenario, seed, None, report=False)
        ids.append(
            cockpit.store.add_run(
                scenario=scenario,
                seed=seed,
                kpis=result.kpis,
                wall_s=result.wall_s,
                log_lines=result.encoded_log(),
            )
        )
    page.goto(cockpit.url + "/model")
    page.locator("#model-across-start").click()
    page.wait_for_selector("#model-across tbody tr")
    rows = stored_quality(cockpit.store)
    assert {r.run_id for r in rows} >= set(ids)
    for run_id in ids:
        q = measure(cockpit.store.events(run_id))
        want = run_quality(cockpit.store.run(run_id), q, "")
        cells = page.locator(f"#model-across tr[data-run='{run_id}'] td").all_inner_texts()
        hits = round(q.precision * q.alerts)
        assert cells[-4:] == [
            str(q.alerts),
            f"{hits / q.alerts:.0%}" if q.alerts else "–",
            str(q.late_visits),
            f"{hits / q.late_visits:.0%}" if q.late_visits else "–",
        ]
        n, covered = want.coverage[0]
        assert cells[1] == (f"{covered / n:.0%} ({n})" if n else "–")
    total = pooled(rows)
    last = page.locator("#model-across tr[data-run='all'] td").all_inner_texts()
    assert last[0] == f"all {len(rows)} runs" and last[-4] == str(total.alerts)
    assert sum(n for n, _ in total.coverage) > 0
    shot(page, "model-across")
