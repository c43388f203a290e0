"""PLO 1.5 (namespaces .../2009-06-30): only Pasientlogistikk, so tests and the simulator can
send a message in an older version than the one in use (1.6)."""

from __future__ import annotations

from .ctx import Built, Ctx
from .logistikk import build_logistics
from .nodes import PLO_15


def log_innlagt_v15(ctx: Ctx) -> Built:
    """LOG_INNLAGT as PLO 1.5 Pasientlogistikk (Pasientlogistikk-v1.5.xsd). The MsgInfo/Type code
    is the same as for 1.6; only the business document's namespaces differ."""
    return build_logistics(ctx, "MeldingInnlagtPasient", PLO_15)
