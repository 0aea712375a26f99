"""The CSP channel: the emulated CSP (the SM WAN of wan/) takes its notices from the outbox.

Taking a notice, storing the indicator on the CSP's side and marking the notice delivered
are one transaction, so each notice is applied exactly once, in the order written (MP169:
a set then a clear leave the CSP holding 'not Restricted').
"""

from __future__ import annotations

from gbdsp.clock import Clock
from gbdsp.store.store import Store


def deliver_due(store: Store, clock: Clock, limit: int = 500) -> int:
    """Apply up to `limit` waiting notices; returns how many."""
    with store.transaction() as tx:
        taken = tx.outbox.take_csp_notices(limit)
        now = clock.now()
        for queued in taken:
            tx.wan.set_restricted(queued.notice.device_id, queued.notice.restricted, now)
        tx.outbox.delivered_many([q.id for q in taken], now)
    return len(taken)
