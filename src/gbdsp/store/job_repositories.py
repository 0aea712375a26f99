"""The lease rows of the periodic jobs (docs/jobs.md).

One row per job. A run is taken by a compare-and-set UPDATE on the row's `generation`:
whoever's UPDATE matches the generation it read owns the run, and everyone else's matches no
row. That is the same on SQLite (writers take the database in turn) and PostgreSQL (the
second UPDATE waits for the first's row lock, then re-checks its WHERE against the committed
row and matches nothing), so no advisory lock is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from gbdsp.store.tables import job_leases

OUTCOMES = ("ok", "failed", "stopped")


@dataclass(frozen=True, slots=True)
class JobLease:
    name: str
    schedule: str
    next_run: datetime
    generation: int
    leased_by: str | None
    lease_until: datetime | None
    last_started: datetime | None
    last_finished: datetime | None
    last_outcome: str | None
    last_detail: str | None
    last_success: datetime | None
    last_duration_seconds: float | None
    runs_ok: int
    runs_failed: int
    runs_stopped: int
    runs_lost: int

    def running(self, now: datetime) -> bool:
        """A runner holds a lease that has not expired."""
        return (
            self.leased_by is not None and self.lease_until is not None and self.lease_until > now
        )

    def free(self, now: datetime) -> bool:
        return not self.running(now)


class JobLeaseRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def ensure(self, name: str, schedule: str, next_run: datetime) -> None:
        """Create the job's row if no worker has yet (every worker tries at start-up)."""
        insert = postgresql.insert if self._conn.dialect.name == "postgresql" else sqlite.insert
        self._conn.execute(
            insert(job_leases)
            .values(name=name, schedule=schedule, next_run=next_run)
            .on_conflict_do_nothing()
        )

    def reschedule(self, name: str, schedule: str, next_run: datetime) -> bool:
        """The configured schedule changed: due times follow the new one from now."""
        done = self._conn.execute(
            update(job_leases)
            .where(job_leases.c.name == name, job_leases.c.schedule != schedule)
            .values(schedule=schedule, next_run=next_run)
        )
        return done.rowcount == 1

    def all(self) -> list[JobLease]:
        rows = self._conn.execute(select(job_leases).order_by(job_leases.c.name))
        return [_lease(r) for r in rows]

    def get(self, name: str) -> JobLease | None:
        row = self._conn.execute(select(job_leases).where(job_leases.c.name == name)).first()
        return _lease(row) if row else None

    def take(
        self, seen: JobLease, runner: str, now: datetime, lease_until: datetime, *, due_only: bool
    ) -> bool:
        """Compare-and-set: own the next run if the row is still as `seen` and free (and,
        for a scheduled run, due). A lease left by a dead runner counts as a lost run."""
        conditions = [
            job_leases.c.name == seen.name,
            job_leases.c.generation == seen.generation,
            or_(job_leases.c.lease_until.is_(None), job_leases.c.lease_until <= now),
        ]
        if due_only:
            conditions.append(job_leases.c.next_run <= now)
        lost = int(seen.leased_by is not None)
        done = self._conn.execute(
            update(job_leases)
            .where(and_(*conditions))
            .values(
                generation=job_leases.c.generation + 1,
                leased_by=runner,
                lease_until=lease_until,
                last_started=now,
                runs_lost=job_leases.c.runs_lost + lost,
            )
        )
        return done.rowcount == 1

    def renew(self, name: str, runner: str, lease_until: datetime) -> bool:
        """Still ours? Then push the lease on. False: another runner has taken it over."""
        done = self._conn.execute(
            update(job_leases)
            .where(job_leases.c.name == name, job_leases.c.leased_by == runner)
            .values(lease_until=lease_until)
        )
        return done.rowcount == 1

    def finish(
        self,
        name: str,
        runner: str,
        now: datetime,
        outcome: str,
        detail: str,
        duration: float,
        next_run: datetime | None,
    ) -> bool:
        """Record the run and free the lease; `next_run` None keeps the one stored."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown job outcome {outcome!r}")
        counter = job_leases.c[f"runs_{outcome}"]
        values = {
            "leased_by": None,
            "lease_until": None,
            "last_finished": now,
            "last_outcome": outcome,
            "last_detail": detail[:300],
            "last_duration_seconds": duration,
            counter.key: counter + 1,
        }
        if outcome == "ok":
            values["last_success"] = now
        if next_run is not None:
            values["next_run"] = next_run
        done = self._conn.execute(
            update(job_leases)
            .where(job_leases.c.name == name, job_leases.c.leased_by == runner)
            .values(**values)
        )
        return done.rowcount == 1


def _lease(r: object) -> JobLease:
    return JobLease(*(getattr(r, c.key) for c in job_leases.columns))
