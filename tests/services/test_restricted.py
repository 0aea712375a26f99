"""MP169 services below the API: the CSP gets each message exactly once; the alert filter."""

from gbdsp.clock import ManualClock
from gbdsp.config import Config
from gbdsp.delivery.csp import deliver_due
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.rules import mp169
from gbdsp.domain.visibility import Viewer
from gbdsp.sealing import Sealer
from gbdsp.services.restricted import history, set_restricted
from gbdsp.services.users import register_test_users
from gbdsp.store.store import Store
from gbdsp.worlds.demo import create_demo_fleet

ESME = DeviceId.parse("00-DB-12-34-56-78-90-A0")
SUPPLIER = UserId.parse("90-B3-D5-1F-30-01-00-00")
SEALER = Sealer(b"test master key")


def test_each_csp_message_is_applied_exactly_once(store: Store, clock: ManualClock) -> None:
    register_test_users(store)
    create_demo_fleet(store, clock, premises=0, seed=1)
    set_restricted(
        store, clock, Config(), SUPPLIER, ESME, True, "no remote reads", True, sealer=SEALER
    )
    set_restricted(
        store, clock, Config(), SUPPLIER, ESME, False, "changed mind", False, sealer=SEALER
    )
    assert deliver_due(store, clock) == 2
    assert deliver_due(store, clock) == 0
    with store.read() as tx:
        indicator = tx.wan.restricted_indicator(ESME)
    assert indicator is not None and indicator[0] is False
    changes = history(store, SEALER, Viewer(None), ESME).changes
    assert [c.restricted for c in changes] == [True, False]


def test_the_alert_filter_decides_by_flag_and_code() -> None:
    policy = mp169.InForce(frozenset(), frozenset({"8F01"}))
    assert policy.delivers_alert(False, "1234")
    assert policy.delivers_alert(True, "8f01")
    assert not policy.delivers_alert(True, "1234")
