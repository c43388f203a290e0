"""Schema-valid fictitious business documents for the PLO admission-to-discharge chain.

Pure lxml, no Django and no files read at run time. Each builder returns a ``Built`` with the
document root for MsgHead Document/RefDoc/Content and its MsgInfo/Type code and text:

==========================  ======================  ==========================================
builder                     MsgInfo/Type            document
==========================  ======================  ==========================================
log_innlagt                 LOG_INNLAGT             PLO 1.6 Pasientlogistikk
innleggelsesrapport         INNLEGGELSESRAPPORT     PLO 1.6 Innleggelsesrapport
helseopplysninger           HELSEOPPL_SOKNAD        PLO 1.6 HelseopplysningerVedSoknad
log_utskrivningsklar        LOG_UTSKRIVNINGSKLAR    PLO 1.6 Pasientlogistikk
log_avmelding               LOG_AVMELDING           PLO 1.6 Pasientlogistikk
utskrivningsrapport         UTSKRIVNINGSRAPPORT     PLO 1.6 TverrfagligEpikrise
log_utskrevet               LOG_UTSKREVET           PLO 1.6 Pasientlogistikk
log_innlagt_v15             LOG_INNLAGT             PLO 1.5 Pasientlogistikk
dialog_foresporsel          DIALOG_FORESPORSEL      Dialogmelding 1.0
dialog_svar                 DIALOG_SVAR             Dialogmelding 1.0
dialog_helsefaglig          DIALOG_HELSEFAGLIG      Dialogmelding 1.1
dialog_avvik                DIALOG_AVVIK            Dialogmelding 1.0
==========================  ======================  ==========================================

``make_ctx(rng)`` builds a complete fictitious context.
"""

from .ctx import Address, Built, Ctx, Department, HealthPerson, MunicipalService, Patient, Relative
from .dialog import dialog_avvik, dialog_foresporsel, dialog_helsefaglig, dialog_svar
from .fake import fodselsnummer, make_ctx
from .padding import serialized_size
from .plo15 import log_innlagt_v15
from .plo16 import (
    helseopplysninger, innleggelsesrapport, log_avmelding, log_innlagt, log_utskrevet, log_utskrivningsklar,
    utskrivningsrapport,
)
from .scenarios import SCENARIOS

__all__ = [
    "Address", "Built", "Ctx", "Department", "HealthPerson", "MunicipalService", "Patient", "Relative",
    "SCENARIOS", "dialog_avvik", "dialog_foresporsel", "dialog_helsefaglig", "dialog_svar", "fodselsnummer",
    "helseopplysninger", "innleggelsesrapport", "log_avmelding", "log_innlagt", "log_innlagt_v15",
    "log_utskrevet", "log_utskrivningsklar", "make_ctx", "serialized_size", "utskrivningsrapport",
]
