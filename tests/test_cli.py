"""The CLI as a user runs it: a subprocess, a data directory, real databases."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CPL_CSV = """manufacturer,model,hardware_version,firmware_version,device_type,smets_variant,status
AB01,010A030B,0001,0002012F,ESME,SMETS2+,Active
AB01,010A030B,0001,0002012F,ESME,SMETS1,removed
"""


class Gbdsp:
    def __init__(self, data_dir: Path, database_url: str) -> None:
        self.data_dir = data_dir
        # The SMKI service's fixed port 8083 would collide between concurrent test runs:
        # tests that want it give a free port (tests/web/test_smki_http.py).
        self.env = {**os.environ, "GBDSP_DATA": str(data_dir), "GBDSP_SMKI__PORT": "0"}
        self.env.pop("GBDSP_DATABASE__URL", None)
        if database_url:
            self.env["GBDSP_DATABASE__URL"] = database_url

    def __call__(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "gbdsp", *args],
            env=self.env,
            capture_output=True,
            text=True,
            input=stdin,
            timeout=120,
        )


@pytest.fixture
def gbdsp(tmp_path: Path, database_url: str) -> Gbdsp:
    return Gbdsp(tmp_path / "data", database_url)


def test_help_reads_well() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gbdsp", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("init", "cpl", "smi", "demo", "serve"):
        assert command in result.stdout


def test_init_demo_show_export(gbdsp: Gbdsp, tmp_path: Path) -> None:
    init = gbdsp("init")
    assert init.returncode == 0, init.stderr
    assert "90-B3-D5-1F-30-01-00-00" in init.stdout
    demo = gbdsp("demo", "--premises", "40")
    assert demo.returncode == 0, demo.stderr
    assert "41 premises added" in demo.stdout
    assert "past month, replayed" in demo.stdout and "left out" not in demo.stdout
    twice = gbdsp("demo", "--premises", "40")  # `make run` runs it each time
    assert twice.returncode == 0, twice.stderr
    assert "0 premises added (41 already present)" in twice.stdout
    assert "already here: nothing more to add" in twice.stdout
    listed = gbdsp("registration", "list")
    assert listed.returncode == 0 and "in flight: takes effect in 14 days" in listed.stdout

    show = gbdsp("smi", "show", "00-db-12-34-56-78-90-a2")
    assert show.returncode == 0, show.stderr
    assert "CHF" in show.stdout and "Commissioned" in show.stdout
    assert "CH Install Success 8.14.1" in show.stdout  # dated history
    assert "Device Log of CHF 00-DB-12-34-56-78-90-A2" in show.stdout
    assert "00-DB-12-34-56-78-90-A0" in show.stdout  # its ESME

    out = tmp_path / "extract.csv"
    export = gbdsp("smi", "export", "-o", str(out))
    assert export.returncode == 0, export.stderr
    rows = list(csv.DictReader(out.open()))
    assert len(rows) > 40
    assert not (tmp_path / "extract.csv.part").exists()
    again = gbdsp("smi", "import", str(out))  # idempotent round trip
    assert again.returncode == 0, again.stderr
    assert f"0 devices added, {len(rows)} unchanged, 0 rejected" in again.stdout


def test_users_add_with_a_generated_key_then_send_signed(gbdsp: Gbdsp, tmp_path: Path) -> None:
    gbdsp("init")
    added = gbdsp(
        "users",
        "add",
        "00-DB-12-34-56-78-05-05",
        "--role",
        "OU",
        "--party",
        "ACME",
        "--name",
        "Acme",
        "--generate-key",
    )
    assert added.returncode == 0, added.stderr
    key_file = gbdsp.data_dir / "keys" / "00DB123456780505.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in key_file.read_bytes()  # encrypted at rest
    listed = gbdsp("users", "list")
    assert "00-DB-12-34-56-78-05-05" in listed.stdout and "ACME" in listed.stdout
    first_key = key_file.read_bytes()
    again = gbdsp(
        "users",
        "add",
        "00-DB-12-34-56-78-05-05",
        "--role",
        "OU",
        "--party",
        "ACME",
        "--name",
        "Acme",
        "--generate-key",
    )
    assert again.returncode == 2 and "--force" in again.stderr
    assert key_file.read_bytes() == first_key  # nothing replaced
    forced = gbdsp(
        "users",
        "add",
        "00-DB-12-34-56-78-05-05",
        "--role",
        "OU",
        "--party",
        "ACME",
        "--name",
        "Acme",
        "--generate-key",
        "--force",
        "--data",
        str(gbdsp.data_dir),
    )
    assert forced.returncode == 0, forced.stderr
    assert "replacing certificate serial" in forced.stdout
    assert key_file.read_bytes() != first_key
    row = next(
        line
        for line in gbdsp("users", "list").stdout.splitlines()
        if "00-DB-12-34-56-78-05-05" in line
    )
    assert [cell.strip() for cell in row.split("│")][5] == "1"  # one certificate, not two
    request = tmp_path / "request.xml"
    request.write_text(
        '<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" '
        'schemaVersion="5.4"><sr:Header><sr:RequestID>00-DB-12-34-56-78-05-05:'
        "90-B3-D5-1F-30-00-00-02:1</sr:RequestID><sr:CommandVariant>8</sr:CommandVariant>"
        "<sr:ServiceReference>8.2</sr:ServiceReference><sr:ServiceReferenceVariant>8.2"
        "</sr:ServiceReferenceVariant></sr:Header><sr:Body><sr:ReadInventory><sr:DeviceID>"
        "00-DB-12-34-56-78-90-A2</sr:DeviceID></sr:ReadInventory></sr:Body></sr:Request>"
    )
    signed = gbdsp("sign", str(request))
    assert signed.returncode == 0, signed.stderr
    assert "<ds:SignatureValue>" in signed.stdout
    assert ":1</sr:RequestID>" not in signed.stdout  # a fresh, time-based counter
    kept = gbdsp("sign", "--keep-counter", str(request))
    assert ":1</sr:RequestID>" in kept.stdout


def test_sign_without_a_key_says_how_to_get_one(gbdsp: Gbdsp, tmp_path: Path) -> None:
    gbdsp("init")
    request = tmp_path / "request.xml"
    request.write_text(
        '<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" '
        'schemaVersion="5.4"><sr:Header><sr:RequestID>00-DB-12-34-56-78-09-09:'
        "90-B3-D5-1F-30-00-00-02:1</sr:RequestID></sr:Header></sr:Request>"
    )
    result = gbdsp("sign", str(request))
    assert result.returncode == 2
    assert "no signing key for 00-DB-12-34-56-78-09-09" in result.stderr


def test_cpl_import_and_list(gbdsp: Gbdsp, tmp_path: Path) -> None:
    gbdsp("init")
    path = tmp_path / "cpl.csv"
    path.write_text(CPL_CSV + "AB01,X,1,1,KETTLE,SMETS2+,Active\n")
    result = gbdsp("cpl", "import", str(path))
    assert result.returncode == 1
    assert "line 4: unknown device type 'KETTLE'" in result.stderr
    assert "2 added or changed, 0 unchanged, 1 rejected" in result.stdout
    listed = gbdsp("cpl", "list", "--csv")
    assert listed.stdout.count("AB01,010A030B") == 2
    assert "SMETS1,Withdrawn" in listed.stdout


def test_smi_import_reports_bad_rows_and_keeps_the_good(gbdsp: Gbdsp, tmp_path: Path) -> None:
    gbdsp("init")
    cpl = tmp_path / "cpl.csv"
    cpl.write_text(CPL_CSV)
    gbdsp("cpl", "import", str(cpl))
    header = (
        "device_id,device_type,manufacturer,model,hardware_version,firmware_version,"
        "smets_chts_version,status\n"
    )
    good = "00-DB-12-34-00-00-00-{n},ESME,AB01,010A030B,0001,0002012F,SMETS2,Pending\n"
    body = (
        good.format(n="01")
        + "nonsense,ESME,AB01,010A030B,0001,0002012F,SMETS2,Pending\n"
        + "00-DB-12-34-00-00-00-03,ESME,ZZ99,1,1,1,SMETS2,Pending\n"
        + good.format(n="04")
    )
    path = tmp_path / "devices.csv"
    path.write_text(header + body)
    result = gbdsp("smi", "import", str(path))
    assert result.returncode == 1
    assert "line 3: not an EUI-64: 'nonsense'" in result.stderr
    assert "line 4: model ZZ99/1" in result.stderr
    assert "4 rows read, 2 devices added, 0 unchanged, 2 rejected" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("smi", "show", "00-DB-12"), "not an EUI-64: '00-DB-12'"),
        (("smi", "show", "00-DB-12-34-56-78-99-99"), "00-DB-12-34-56-78-99-99 is not in the SMI"),
        (("smi", "import", "/nonexistent.csv"), "cannot open /nonexistent.csv"),
    ],
)
def test_bad_input_gets_one_line_and_a_non_zero_exit(
    gbdsp: Gbdsp, args: tuple[str, ...], message: str
) -> None:
    gbdsp("init")
    result = gbdsp(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_import_refuses_a_file_without_the_required_columns(gbdsp: Gbdsp, tmp_path: Path) -> None:
    gbdsp("init")
    path = tmp_path / "bad.csv"
    path.write_text("device_id,colour\n00-DB-12-34-00-00-00-01,red\n")
    result = gbdsp("smi", "import", str(path))
    assert result.returncode == 2
    assert "header lacks column(s): device_type" in result.stderr


def test_commands_before_init_say_what_to_do(tmp_path: Path) -> None:
    g = Gbdsp(tmp_path / "nowhere", "")
    result = g("smi", "export")
    assert result.returncode == 2
    assert "run `gbdsp init` first" in result.stderr


def test_a_corrupt_config_file_is_named(tmp_path: Path) -> None:
    g = Gbdsp(tmp_path / "data", "")
    g("init")
    (tmp_path / "data" / "gbdsp.toml").write_text("[database\nurl = 1\n")
    result = g("smi", "export")
    assert result.returncode == 2
    assert "gbdsp.toml: not valid TOML" in result.stderr


def test_an_unknown_config_key_is_named(tmp_path: Path) -> None:
    g = Gbdsp(tmp_path / "data", "")
    g("init")
    (tmp_path / "data" / "gbdsp.toml").write_text("[server]\nprot = 1\n")
    result = g("smi", "export")
    assert result.returncode == 2
    assert "server.prot: Extra inputs are not permitted" in result.stderr


def test_an_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    g = Gbdsp(tmp_path / "data", "postgresql://nobody:secret@127.0.0.1:1/gbdsp")
    result = g("init")
    assert result.returncode == 2
    assert (
        "cannot reach database postgresql+psycopg://nobody:***@127.0.0.1:1/gbdsp" in result.stderr
    )
    assert "secret" not in result.stderr


def test_operations_from_the_terminal(gbdsp: Gbdsp, tmp_path: Path) -> None:
    """Deliver a CH, read a device's install code, bring coverage, feed registration data."""
    gbdsp("init")
    gbdsp("demo", "--premises", "1")
    delivered = gbdsp(
        "ch",
        "deliver",
        "00-DB-12-34-58-00-00-01",
        "00-DB-12-34-58-00-00-02",
        "--to",
        "90-B3-D5-1F-30-01-00-00",
    )
    assert delivered.returncode == 0, delivered.stderr
    shown = gbdsp("smi", "show", "00-DB-12-34-58-00-00-01")
    assert "Pending" in shown.stdout and "CH delivered (AC 2.4)" in shown.stdout
    again = gbdsp(
        "ch",
        "deliver",
        "00-DB-12-34-58-00-00-01",
        "00-DB-12-34-58-00-00-02",
        "--to",
        "90-B3-D5-1F-30-01-00-00",
    )
    assert again.returncode == 2 and "already in the SMI" in again.stderr
    code = gbdsp("wan", "install-code", "00-DB-12-34-56-78-90-A0")
    assert len(code.stdout.strip()) == 32
    assert gbdsp("wan", "coverage", "00-DB-12-34-56-78-90-A2", "off").returncode == 0
    not_a_hub = gbdsp("wan", "coverage", "00-DB-12-34-56-78-90-A0", "on")
    assert not_a_hub.returncode == 2 and "is not a CHF" in not_a_hub.stderr
    data = tmp_path / "registration.csv"
    data.write_text(
        "mpxn,supplier,effective_from\n"
        "1312345678111,00-DB-12-34-56-78-01-01,2020-01-01T00:00:00+00:00\n"
    )
    imported = gbdsp("registration", "import", str(data))
    assert imported.returncode == 0, imported.stderr
    moved = gbdsp("smi", "show", "00-DB-12-34-56-78-90-A0")
    assert "responsible supplier  00-DB-12-34-56-78-01-01" in moved.stdout
    assert "installing supplier   90-B3-D5-1F-30-01-00-00" in moved.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("mpxn,supplier,effective_from\n1312345678111,nobody,2020-01-01\n")
    refused = gbdsp("registration", "import", str(bad))
    assert refused.returncode == 2 and "line 2: not an EUI-64: 'nobody'" in refused.stderr


def test_housekeeping_from_the_terminal(gbdsp: Gbdsp) -> None:
    gbdsp("init")
    gbdsp("demo", "--premises", "60")
    dry = gbdsp("housekeeping", "run", "--dry-run", "--rule", "months=12,name=strict")
    assert dry.returncode == 0, dry.stderr
    assert "MP60: 36 months, excluding CHF+GPF" in dry.stdout and "strict: 12 months" in dry.stdout
    strict_today = int(
        next(line for line in dry.stdout.splitlines() if "strict: 12 months" in line)
        .split("│")[2]
        .strip()
        .replace(",", "")
    )
    real = gbdsp("housekeeping", "run", "--rule", "months=12,name=strict")
    assert real.returncode == 0, real.stderr
    assert f": {strict_today} devices removed" in real.stdout  # the dry run agreed
    again = gbdsp("housekeeping", "run", "--rule", "months=12,name=strict")
    assert ": 0 devices removed" in again.stdout
    archive = gbdsp("housekeeping", "archive")
    assert archive.returncode == 0 and ("removed" in archive.stdout or strict_today == 0)
    for kind in ("pending-age", "ch-stock"):
        report = gbdsp("housekeeping", "report", kind)
        assert report.returncode == 0, report.stderr
    bad = gbdsp("housekeeping", "run", "--dry-run", "--rule", "weeks=3")
    assert bad.returncode == 2 and "not a rule part: 'weeks=3'" in bad.stderr


def test_ssi_tokens_from_the_terminal(gbdsp: Gbdsp) -> None:
    gbdsp("init")
    made = gbdsp("ssi", "token", "90-B3-D5-1F-30-01-00-00", "--label", "billing system")
    assert made.returncode == 0 and made.stdout.strip().startswith("gbdsp_")
    assert gbdsp("ssi", "token", "--operator").returncode == 0
    unknown = gbdsp("ssi", "token", "00-DB-12-34-56-78-09-09")
    assert unknown.returncode == 2 and "is not a registered User" in unknown.stderr
    neither = gbdsp("ssi", "token")
    assert neither.returncode == 2 and "give a USER_ID or --operator" in neither.stderr


def test_install_codes_from_the_terminal(gbdsp: Gbdsp, tmp_path: Path) -> None:
    """Bulk request with a bad row, answer, read the code, report: all by CLI."""
    gbdsp("init")
    gbdsp("demo", "--premises", "0")
    supplier = "90-B3-D5-1F-30-01-00-00"
    gbdsp("ch", "deliver", "00-DB-12-34-58-00-01-01", "00-DB-12-34-58-00-01-02", "--to", supplier)
    # Devices the supplier pre-notified and left uncommissioned (its own request: allowed,
    # and it is told it installed them itself).
    data = tmp_path / "devices.csv"
    data.write_text("device_id\n00-DB-12-34-56-78-90-98\nnonsense\n00-DB-12-34-56-78-90-A2\n")
    bulk = gbdsp("install-codes", "bulk", str(data), "--by", supplier)
    assert bulk.returncode == 1, bulk.stderr
    assert "1 requests raised, 2 refused" in bulk.stdout
    assert "(you installed it yourself)" in bulk.stdout
    assert "line 3: nonsense: not an EUI-64" in bulk.stderr
    # The demo's world has requests of its own: this one's id is the one printed.
    raised = re.search(r"request (\d+): 00-DB-12-34-56-78-90-98", bulk.stdout)
    assert raised, bulk.stdout
    request = raised[1]
    code = gbdsp("wan", "install-code", "00-DB-12-34-56-78-90-98").stdout.strip()
    empty = gbdsp("install-codes", "answer", request, "--by", supplier, stdin="")
    assert empty.returncode == 2 and "no input" in empty.stderr
    answered = gbdsp("install-codes", "answer", request, "--by", supplier, stdin=code + "\n")
    assert answered.returncode == 0, answered.stderr
    assert code not in answered.stdout + answered.stderr  # never echoed
    warned = gbdsp("install-codes", "answer", request, "--by", supplier, "--code", code)
    assert "warning: --code puts the install code in your shell history" in warned.stderr
    assert gbdsp("install-codes", "code", request, "--by", supplier).stdout.strip() == code
    other = gbdsp("install-codes", "code", request, "--by", "90-B3-D5-1F-30-02-00-00")
    assert other.returncode == 2 and "does not exist among yours" in other.stderr
    report = gbdsp("install-codes", "report")
    assert report.returncode == 0 and supplier in report.stdout
    assert code not in gbdsp("install-codes", "list", "--by", supplier).stdout


def test_portal_accounts_from_the_terminal(gbdsp: Gbdsp) -> None:
    assert gbdsp("init").returncode == 0
    made = gbdsp(
        "portal",
        "add-account",
        "alice",
        "--user",
        "90-b3-d5-1f-30-01-00-00",
        "--password-stdin",
        stdin="a long password\n",
    )
    assert made.returncode == 0, made.stderr
    assert "alice works as User 90-B3-D5-1F-30-01-00-00" in made.stdout
    weak = gbdsp(
        "portal",
        "add-account",
        "bob",
        "--user",
        "90-B3-D5-1F-30-01-00-00",
        "--password-stdin",
        stdin="short\n",
    )
    assert weak.returncode == 2 and "at least 10 characters" in weak.stderr
    twice = gbdsp(
        "portal",
        "add-account",
        "alice",
        "--user",
        "90-B3-D5-1F-30-01-00-00",
        "--password-stdin",
        stdin="a long password\n",
    )
    assert twice.returncode == 2 and "already exists" in twice.stderr
    demo = gbdsp("demo", "--premises", "3")
    assert demo.returncode == 0, demo.stderr
    assert "password 'demo-portal-password'" in demo.stdout
    listed = gbdsp("portal", "list").stdout.split()
    assert {"alice", "boxed-supplier", "northwind", "brightwatt"} <= set(listed)
    again = gbdsp("demo", "--premises", "3")  # idempotent
    assert again.returncode == 0, again.stderr


def test_data_option_after_the_subcommand(gbdsp: Gbdsp, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    assert gbdsp("init", "--data", str(elsewhere)).returncode == 0
    assert (elsewhere / "gbdsp.toml").is_file()
    listed = gbdsp("users", "list", f"--data={elsewhere}")
    assert listed.returncode == 0 and "90-B3-D5-1F-30-01-00-00" in listed.stdout
    assert not gbdsp.data_dir.exists()  # the default was not used


def test_serve_on_a_taken_port_says_how_to_choose_another(gbdsp: Gbdsp) -> None:
    import socket

    gbdsp("init")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = gbdsp("serve", "--port", str(port))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"cannot listen on 127.0.0.1:{port}" in lines[0]
    assert "--port N" in lines[0] and "make run PORT=N" in lines[0]


def test_serve_prints_the_urls_that_answer() -> None:
    from gbdsp.cli.serve import SERVED_URLS

    paths = [path.split()[0] for _, path in SERVED_URLS]
    assert "/ssi/" in paths and "/health" in paths and "/" not in paths
