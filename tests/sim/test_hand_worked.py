"""Small fleets whose answers can be worked out by hand, run through the real engine."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from gbdsp.domain.working_days import Calendar, add_working_days
from gbdsp.sim import engine, examples, fleet
from gbdsp.sim.engine import Run
from gbdsp.sim.scenario import Scenario, parse

QUIET = """
[change_of_supplier]
per_year = 0
[lifecycle]
meter_replacements_per_year = 0
[restricted]
choosing_per_year = 0
[ppmid]
replacements_per_year = 0
"""


def _run(text: str) -> tuple[Scenario, fleet.Fleet, dict[str, Run]]:
    scenario = parse(text)
    built = fleet.build(scenario)
    return scenario, built, {r.name: r for r in engine.simulate(built, scenario.ruleset)}


def test_chs_left_in_stock_13_months_are_removed_under_12_and_kept_under_36() -> None:
    # Every CH waits 5,000 days: none is installed during the run. 2026 has no 29 Feb, so a
    # CH delivered on day d (noon) is due a year later, and the 02:00 run of day d + 366
    # removes it (its CHF and its GPF).
    _, built, runs = _run(
        """
[scenario]
name = "stock"
start = 2026-01-01
months = 13
history_months = 0
[fleet]
premises = 20000
[stock]
wait_days_median = 5000
wait_sigma = 0
never_installed_share = 0
"""
        + QUIET
        + """
[[ruleset]]
name = "12"
housekeeping = { months = 12 }
[[ruleset]]
name = "36"
modifications = ["mp60"]
housekeeping = { months = 36 }
[[ruleset]]
name = "36, CHs excluded"
modifications = ["mp60"]
housekeeping = { months = 12, excluded_types = ["CHF", "GPF"] }
"""
    )
    delivered = np.zeros(built.days, np.int64)
    for day, ids in built.events.by_kind["deliver"].items():
        delivered[day] = len(ids)
    assert delivered[:31].sum() > 0
    twelve = runs["12"].daily
    for day in range(built.days):
        expected = delivered[day - 366] if day >= 366 else 0
        assert twelve["removed"][day] == expected, day
    # Everything delivered in January 2026 has been in stock 13 months by 31 Jan 2027.
    assert twelve["removed"].sum() == delivered[: built.days - 366].sum() > 0
    assert twelve["removed_never_left_warehouse"].sum() == twelve["removed"].sum()
    assert twelve["removed_hubs"].sum() == twelve["removed"].sum()
    for kept in ("36", "36, CHs excluded"):
        assert runs[kept].daily["removed"].sum() == 0
        assert runs[kept].daily["pending"][-1] == delivered.sum()
    assert twelve["pending"][-1] == delivered.sum() - twelve["removed"].sum()


FIXED_ANSWERS = """
[scenario]
name = "codes"
start = 2026-03-02
months = 6
history_months = 0
[fleet]
premises = 3000
already_installed = 1.0
smets1_share = 0
gas_share = 0
[installs]
per_month = 0
uncommissioned_at_start = 1.0
[change_of_supplier]
per_year = 1.0
[installers]
answer_share_with_obligation = 1.0
answer_share_without_obligation = 0.0
answer_working_days_median = 7
answer_working_days_sigma = 0
patience_working_days = 20
patience_without_sla = 5
[lifecycle]
meter_replacements_per_year = 0
[restricted]
choosing_per_year = 0
[ppmid]
replacements_per_year = 0
[[ruleset]]
name = "off"
[[ruleset]]
name = "5"
modifications = ["mp121"]
install_codes = { sla_working_days = 5 }
[[ruleset]]
name = "10"
modifications = ["mp121"]
install_codes = { sla_working_days = 10 }
"""


def test_answers_after_seven_working_days_are_late_under_5_and_in_time_under_10() -> None:
    _, built, runs = _run(FIXED_ANSWERS)
    five, ten, off = runs["5"].daily, runs["10"].daily, runs["off"].daily
    start, end = date(2026, 3, 2), date(2026, 3, 2) + timedelta(days=built.days)
    calendar = Calendar.ENGLAND_AND_WALES
    # Every request raised on a day whose 7th Working Day is in the run gets its answer then.
    expected = sum(
        int(n)
        for day, n in enumerate(five["requests"])
        if add_working_days(start + timedelta(days=day), 7, calendar) < end
    )
    assert five["requests"].sum() == ten["requests"].sum() == off["codes_needed"].sum() > 50
    assert five["answered_late"].sum() == ten["answered_in_time"].sum() == expected
    assert five["answered_in_time"].sum() == ten["answered_late"].sum() == 0
    assert five["replaced_no_code"].sum() == ten["replaced_no_code"].sum() == 0
    # Without MP121 nobody answers: every gainer replaces its meter 5 Working Days on.
    assert off["requests"].sum() == 0
    given_up = sum(
        int(n)
        for day, n in enumerate(off["codes_needed"])
        if add_working_days(start + timedelta(days=day), 5, calendar) < end
    )
    assert off["replaced_no_code"].sum() == given_up > 0
    # Until the first answers come, every gained meter is uncommissioned (no gas: one meter a
    # premises); then fewer are.
    first_answer = int(np.flatnonzero(ten["answered_in_time"])[0])
    assert (ten["gained_uncommissioned"][:first_answer] == ten["switches"][:first_answer]).all()
    assert ten["gained_uncommissioned"][-30:].sum() < ten["switches"][-30:].sum()


def test_without_mp202_every_ppmid_pre_notified_for_the_other_system_fails() -> None:
    text = """
[scenario]
name = "ppmid"
months = 6
history_months = 0
[fleet]
premises = 5000
already_installed = 1.0
smets1_share = 0.5
[installs]
per_month = 0
[change_of_supplier]
per_year = 0
[lifecycle]
meter_replacements_per_year = 0
[restricted]
choosing_per_year = 0
[ppmid]
replacements_per_year = 0.5
wrong_variant_share = WRONG
[[ruleset]]
name = "off"
[[ruleset]]
name = "on"
modifications = ["mp202"]
"""
    _, _, runs = _run(text.replace("WRONG", "1.0"))
    off, on = runs["off"].daily, runs["on"].daily
    assert off["ppmid_installs"].sum() > 100
    assert (off["ppmid_failed"] == off["ppmid_installs"]).all()
    assert (off["ppmid_wrong_variant"] == off["ppmid_installs"]).all()
    assert on["ppmid_failed"].sum() == 0
    _, _, runs = _run(text.replace("WRONG", "0.0"))
    assert runs["off"].daily["ppmid_failed"].sum() == 0


def test_restricted_meters_are_refused_reads_and_still_get_tariffs() -> None:
    text = """
[scenario]
name = "restricted"
months = 3
history_months = 0
[fleet]
premises = 4000
already_installed = 1.0
smets1_share = SMETS1
[installs]
per_month = 0
[change_of_supplier]
per_year = 0
[lifecycle]
meter_replacements_per_year = 0
[ppmid]
replacements_per_year = 0
[restricted]
choosing_per_year = 0.5
requests_per_meter_per_day = { SRV = 2.0 }
[[ruleset]]
name = "off"
[[ruleset]]
name = "on"
modifications = ["mp169"]
"""

    def run(smets1: str, srv: str) -> dict[str, Run]:
        return _run(text.replace("SMETS1", smets1).replace("SRV", f'"{srv}"'))[2]

    reads = run("0", "4.8.1")
    on, off = reads["on"].daily, reads["off"].daily
    assert (on["requests_to_refusers"] == off["requests_to_refusers"]).all()
    assert on["requests_to_refusers"].sum() > 1000
    assert (on["refused_restricted"] == on["requests_to_refusers"]).all()
    assert off["refused_restricted"].sum() == 0
    assert on["restriction_refused"].sum() == 0
    assert off["restriction_refused"].sum() == off["restricted_choices"].sum() > 0
    # A tariff update (critical) still goes; SMETS1 meters cannot be restricted at all.
    assert run("0", "1.1.1")["on"].daily["refused_restricted"].sum() == 0
    smets1 = run("1", "4.8.1")["on"].daily
    assert smets1["refused_restricted"].sum() == 0
    assert smets1["restriction_refused"].sum() == smets1["restricted_choices"].sum() > 0


def test_rule_sets_share_the_fleet_and_its_draws() -> None:
    # Flows no rule touches are identical, day by day, under every rule set.
    scenario = examples.get("combined").scenario().scaled(0.002)
    runs = engine.simulate(fleet.build(scenario), scenario.ruleset)
    for metric in (
        "switches",
        "meters_gained",
        "installs",
        "installs_no_wan",
        "restricted_choices",
        "requests_to_refusers",
        "ppmid_installs",
        "ppmid_wrong_variant",
    ):
        for other in runs[1:]:
            assert np.array_equal(runs[0].daily[metric], other.daily[metric]), metric
    assert runs[0].daily["switches"].sum() > 0
    assert not np.array_equal(runs[0].daily["removed"], runs[1].daily["removed"])


def test_rsa_ch_returns_are_refused_without_mp39_and_sent_with_it() -> None:
    _, built, runs = _run(
        """
[scenario]
name = "returns"
months = 6
history_months = 0
[fleet]
premises = 30000
[returns]
per_year = 0.05
rsa_share = 0.25
"""
        + QUIET
        + """
[[ruleset]]
name = "off"
[[ruleset]]
name = "on"
modifications = ["mp39"]
"""
    )
    off, on = runs["off"].daily, runs["on"].daily
    rsa = int(built.returns["rsa"].sum())
    assert off["rsa_returns"].sum() == on["rsa_returns"].sum() == rsa > 0
    assert off["rsa_returns_refused"].sum() == rsa  # 8.14.3/8.14.4 are IS|GS only
    assert on["rsa_returns_refused"].sum() == 0
    assert off["ch_returns"].sum() == len(built.returns["rsa"]) > rsa
