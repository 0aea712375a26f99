"""The daily figures a simulation records, each with the words a report shows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    label: str
    meaning: str
    level: bool = False
    """A level (end-of-day count) rather than a daily flow: summed over days it means nothing."""


METRICS = (
    # MP60
    Metric(
        "removed",
        "devices removed by housekeeping",
        "devices the nightly housekeeping run removed from the SMI",
    ),
    Metric(
        "removed_never_left_warehouse",
        "... of which never left the warehouse",
        "removed devices that had been Pending since they entered the SMI (never installed)",
    ),
    Metric("removed_hubs", "... of which CH functions", "removed CHFs and GPFs"),
    Metric("removed_chs", "Communications Hubs removed", "removed CHFs (one per CH)"),
    Metric(
        "renotified",
        "devices re-notified at install",
        "removed devices that were then installed after all, so had to be put back in "
        "the SMI first (the re-notification MP60 wants to avoid)",
    ),
    Metric("renotified_chs", "... of which Communications Hubs", "re-notified CHFs (one per CH)"),
    Metric(
        "pending",
        "devices Pending in stock",
        "CHs, meters and PPMIDs Pending, end of day",
        level=True,
    ),
    Metric(
        "pending_chs",
        "Communications Hubs Pending in stock",
        "CHFs Pending (in the SMI, not installed), end of day: what a CH stock level "
        "charge is paid on",
        level=True,
    ),
    # MP121
    Metric("switches", "changes of supplier", "premises changing supplier"),
    Metric(
        "meters_gained",
        "meters gained on change of supplier",
        "ESMEs and GSMEs at the premises that changed supplier",
    ),
    Metric(
        "gained_uncommissioned",
        "devices gained uncommissioned",
        "meters a gaining supplier takes on while they wait for commissioning "
        "(InstalledNotCommissioned, Pending, Whitelisted)",
    ),
    Metric(
        "codes_needed",
        "install codes needed",
        "premises whose gaining supplier needs the installer's install code, counted when "
        "the SM WAN is there to use it",
    ),
    Metric("requests", "install-code requests (MP121)", "requests raised under AC 4.16"),
    Metric("answered_in_time", "answers in time", "MP121 answers on or before the due date"),
    Metric("answered_late", "answers late", "MP121 answers after the due date"),
    Metric(
        "answered_without_sla",
        "answers without MP121",
        "codes given on an informal ask, with no obligation and no due date",
    ),
    Metric(
        "replaced_no_code",
        "devices replaced for lack of a code",
        "meters the gaining supplier replaced because no code came in its patience",
    ),
    Metric(
        "replacement_visits",
        "site visits to replace meters for lack of a code",
        "premises visited to replace meters because no code came",
    ),
    Metric(
        "uncommissioned_meters",
        "SMETS2+ meters InstalledNotCommissioned",
        "ESMEs and GSMEs installed at premises and not commissioned, end of day (counted "
        "every four weeks)",
        level=True,
    ),
    # MP169
    Metric(
        "restricted_choices",
        "consumers choosing Restricted mode",
        "consumers asking their supplier to restrict their meters",
    ),
    Metric(
        "restriction_refused",
        "... of which not restrictable",
        "choices on meters MP169 cannot restrict (SMETS1), or with MP169 off",
    ),
    Metric(
        "requests_to_refusers",
        "requests to consumers who refused",
        "Service Requests sent to the meters of consumers who chose Restricted mode",
    ),
    Metric(
        "refused_restricted",
        "requests refused for Restricted mode (E169)",
        "of those, refused by the gateway",
    ),
    # MP202
    Metric("ppmid_installs", "PPMID installations", "PPMIDs joined to a CH"),
    Metric(
        "ppmid_installs_smets1",
        "... in SMETS1 systems",
        "PPMIDs joined to a SMETS1 CH (TABASC: how many SMETS1 PPMIDs were installed)",
    ),
    Metric(
        "ppmids",
        "PPMIDs in premises",
        "PPMIDs at premises with a system, end of day (counted every four weeks)",
        level=True,
    ),
    Metric(
        "ppmid_wrong_variant",
        "... pre-notified for the other system",
        "PPMIDs pre-notified as SMETS1 and joined to a SMETS2+ CH, or the reverse",
    ),
    Metric(
        "ppmid_failed",
        "PPMID installations that fail",
        "PPMIDs left recorded for the other system, so no Service Request can reach them "
        "until the DCC corrects the SMI by hand",
    ),
    # MP39
    Metric(
        "ch_returns", "Communications Hub returns", "CH fault and no-fault returns (8.14.3, 8.14.4)"
    ),
    Metric(
        "rsa_returns",
        "... sent by a Registered Supplier Agent",
        "returns an RSA sends for the supplier it acts for",
    ),
    Metric(
        "rsa_returns_refused",
        "... refused to the RSA (E2)",
        "RSA returns the gateway refuses without MP39: the supplier must send them",
    ),
    # the fleet
    Metric("installs", "new installs", "premises getting a smart metering system"),
    Metric("installs_no_wan", "... without SM WAN", "installs left without SM WAN"),
    Metric(
        "wan_wait_days",
        "days waited for the SM WAN",
        "summed over installs without SM WAN: days until it came (drawn at install)",
    ),
    Metric(
        "wan_within_90_days",
        "... SM WAN within 90 days",
        "installs without SM WAN whose SM WAN came within 90 days",
    ),
)

BY_NAME = {m.name: m for m in METRICS}


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    shows: str
    metrics: tuple[str, ...]
    assumptions: tuple[str, ...]
    """Scenario keys (or sections) this chart's figures depend on most."""


CHARTS = (
    Chart(
        "MP60: housekeeping of Pending devices",
        "Devices removed from the SMI, how many had never left the warehouse, how many were "
        "installed after all and had to be re-notified, and the Pending stock.",
        ("removed", "removed_never_left_warehouse", "renotified", "pending"),
        ("stock", "lifecycle", "installs.per_month", "scenario.history_months"),
    ),
    Chart(
        "MP121: install codes after change of supplier",
        "Devices gained uncommissioned, install-code requests and their answers, and meters "
        "replaced because no code came.",
        (
            "gained_uncommissioned",
            "requests",
            "answered_in_time",
            "answered_late",
            "answered_without_sla",
            "replaced_no_code",
        ),
        (
            "change_of_supplier",
            "installers",
            "installs.no_wan_share",
            "installs.coverage_days_mean",
            "installs.never_commissioned_share",
            "installs.uncommissioned_at_start",
        ),
    ),
    Chart(
        "MP169: Restricted mode",
        "Consumers choosing Restricted mode, the Service Requests their meters get, and "
        "those the gateway refuses.",
        ("restricted_choices", "requests_to_refusers", "refused_restricted"),
        ("restricted", "fleet.smets1_share"),
    ),
    Chart(
        "MP202: PPMIDs in SMETS1 and SMETS2+ systems",
        "PPMID installations, those pre-notified for the other system, and those that fail "
        "(stranded: no Service Request reaches them).",
        ("ppmid_installs", "ppmid_wrong_variant", "ppmid_failed"),
        ("ppmid", "fleet.ppmid_share", "fleet.smets1_share"),
    ),
    Chart(
        "MP39: Communications Hub returns by Registered Supplier Agents",
        "CH returns, those an RSA sends for a small supplier, and those the gateway refuses "
        "to the RSA.",
        ("ch_returns", "rsa_returns", "rsa_returns_refused"),
        ("returns",),
    ),
)
"""Each chart plots its metrics per rule set: flows as running totals, levels as they are."""
