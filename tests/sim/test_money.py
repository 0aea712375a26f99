"""Money, calibration and sensitivity: hand-checkable sums over the real engine's counts."""

from __future__ import annotations

import math

import pytest

from gbdsp.sim import analysis, batch, costs, examples, sensitivity
from gbdsp.sim.scenario import Scenario, ScenarioError, parse

MP121 = """
[scenario]
name = "codes"
months = 6
history_months = 3
seed = 5
[fleet]
premises = 6000
[costs]
site_visit = 200
meter_exchange = 100
premature_replacement_charge = 50
install_code_request = 2
gb_premises = 60000
horizon_years = 4
discount_rate = 0.05
[costs.implementation.mp121]
low = 100000
high = 300000
[[ruleset]]
name = "off"
[[ruleset]]
name = "on"
modifications = ["mp121"]
[[ruleset]]
name = "by e-mail"
modifications = ["mp121"]
implementation_gbp = [1200, 1200]
"""


def _outcome(text: str = MP121, runs: int = 1) -> batch.Outcome:
    scenario = parse(text)
    return batch.run_all(scenario, batch.seeds_for(scenario, runs))


def test_savings_are_the_counts_times_the_unit_costs_scaled_to_gb() -> None:
    outcome = _outcome()
    off, on, _ = analysis.appraisals(outcome)

    def total(r: int, metric: str) -> float:
        return float(outcome.totals(r, metric)[0])

    by_hand = 200 * (total(0, "replacement_visits") - total(1, "replacement_visits"))
    by_hand += (100 + 50) * (total(0, "replaced_no_code") - total(1, "replaced_no_code"))
    by_hand -= 2 * (total(1, "requests") - total(0, "requests"))
    factor = (365.25 / outcome.days) * 60000 / 6000
    assert total(0, "replaced_no_code") > total(1, "replaced_no_code")
    assert on.saving_a_year[1] == pytest.approx(by_hand * factor)
    assert off.saving_a_year == (0.0, 0.0, 0.0) and off.implementation == (0.0, 0.0)
    assert on.implementation == (100000.0, 300000.0)
    pv = costs.present_value(on.saving_a_year[1], 0.05, 4)
    assert on.npv[1] == pytest.approx(pv - 200000)
    assert on.npv[0] == pytest.approx(costs.present_value(on.saving_a_year[0], 0.05, 4) - 300000)


def test_a_rule_set_can_name_its_own_implementation_cost() -> None:
    email = analysis.appraisals(_outcome())[2]
    assert email.implementation == (1200.0, 1200.0)


def test_break_even_repays_the_cost_in_discounted_savings() -> None:
    years = costs.break_even_years(250_000, 100_000, 0.035)
    assert years is not None
    delta = math.log(1.035)
    assert 100_000 * (1 - math.exp(-delta * years)) / delta == pytest.approx(250_000)
    assert costs.break_even_years(250_000, 100_000, 0.0) == pytest.approx(2.5)
    assert costs.break_even_years(250_000, -5, 0.035) is None
    assert costs.break_even_years(10_000_000, 100_000, 0.035) is None  # never repaid
    assert costs.present_value(100, 0.0, 3) == 300


def test_assumptions_say_where_each_value_came_from() -> None:
    rows = {a.key: a for a in parse(MP121).assumption_rows()}
    assert rows["costs.site_visit"].origin == "scenario"
    assert rows["costs.renotification"].origin == "default"
    assert rows["costs.renotification"].source.startswith("assumption, no source")
    assert rows["costs.implementation.mp121"].value == "100,000-300,000"
    assert rows["costs.implementation.mp121"].origin == "scenario"
    assert "seed 004" in rows["costs.implementation.mp202"].source
    assert rows["costs.implementation.mp202"].value == "351,200-751,200"
    assert rows["costs.site_visit"].unit == "£ per visit"
    assert rows["installs.no_wan_share"].unit == "share (0-1)"
    assert "Calvin Capital" in rows["installs.no_wan_share"].source


def test_a_bad_cost_names_its_key() -> None:
    with pytest.raises(ScenarioError, match=r"costs\.site_visit: Input should be greater"):
        parse(MP121.replace("site_visit = 200", "site_visit = -1"))
    with pytest.raises(ScenarioError, match=r"low .* is above high"):
        parse(MP121.replace("low = 100000", "low = 900000"))
    with pytest.raises(ScenarioError, match="not a modification: mp99"):
        parse(MP121 + "\n[costs.implementation.mp99]\nlow = 1\nhigh = 2\n")


def test_the_defaults_match_the_published_figures() -> None:
    scenario = examples.get("combined").scenario().scaled(0.03)
    rows = analysis.calibration(batch.run_all(scenario, [scenario.scenario.seed]))
    model = {row.published: row.model[1] for row in rows}
    assert model["about 3%"] == pytest.approx(3.0, abs=0.6)
    assert model["about 8%"] == pytest.approx(8.0, abs=1.0)
    assert model["about 500,000"] == pytest.approx(500_000, rel=0.1)
    assert model["six million"] == pytest.approx(6_000_000, rel=0.05)
    assert model["90 days"] == pytest.approx(90, rel=0.15)
    assert all(row.tuned for row in rows)


def test_the_tornado_moves_the_answer_with_the_assumptions() -> None:
    scenario: Scenario = parse(MP121)
    outcome = batch.run_all(scenario, [scenario.scenario.seed])
    base, bars = sensitivity.tornado(outcome)
    assert base == pytest.approx(analysis.appraisals(outcome)[1].npv[1])
    by_key = {b.key: b for b in bars}
    # dearer meters make avoiding their replacement worth more
    meters = by_key["costs.meter_exchange"]
    assert meters.at_low < base < meters.at_high
    # more uncommissioned meters: more codes needed, more for MP121 to save
    assert by_key["installs.uncommissioned_at_start"].at_high > base
    assert [b.swing for b in bars] == sorted((b.swing for b in bars), reverse=True)
