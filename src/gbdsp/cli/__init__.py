"""The `gbdsp` command line: parse input, call one service, render the result.

One module per command group; each registers itself on the root group in `base`.
"""

from __future__ import annotations

import sys

import click

from gbdsp.cli import (  # noqa: F401  (imported to register their commands)
    cpl,
    duis,
    fleet,
    housekeeping,
    install_codes,
    jobs,
    request,
    restricted,
    serve,
    smi,
    smki,
    ssi,
    ssi_tokens,
    users,
    users_security,
    wan,
)
from gbdsp.cli.base import Context, cli, err, out, pass_ctx
from gbdsp.cli.portal import portal
from gbdsp.cli.simulate import simulate
from gbdsp.domain.errors import GbdspError

__all__ = ["Context", "cli", "err", "main", "out", "pass_ctx"]

cli.add_command(portal)
cli.add_command(simulate)


def main() -> None:
    """Entry point: user errors become one line on stderr and a non-zero exit."""
    from gbdsp.bootstrap import DatabaseError

    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        err.print("aborted")
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except GbdspError as e:
        err.print(f"gbdsp: error: {e}", markup=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted (imports are idempotent: run the same command again to finish)")
        sys.exit(130)
    except DatabaseError as e:
        reason = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
        err.print(f"gbdsp: database error: {reason}", markup=False)
        sys.exit(2)
