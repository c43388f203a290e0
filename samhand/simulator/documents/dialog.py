"""Dialogmelding: Forespørsel / Svar på forespørsel (1.0, HIS 1152), Helsefaglig dialog (1.1,
HIS 1077) and Tilbakemelding om feil i mottatt melding (1.0, HIS 1151).

Codes follow the profiles and the official samples in kith/samples/dialogmelding/:
TypeForesp 9152 "99 Annen henvendelse" (question from the municipal care service, as the PLO
sample) or 8331 "5 Fritekst" (HIS 80603 §5.1.2, used for questions from the hospital);
svar TemaKodet 9069 "5 Svar på forespørsel" (sample); helsefaglig TemaKodet 7322 "6 Henvendelse
om pasient" with Tema (HIS 1077 §5.2.1); avvik TemaKodet 8117 "1 Feil adressat" (HIS 1151 §4.3.1).
The reference to the message answered goes in MsgHead ConversationRef (Built.ref_to_parent);
Dialogmelding's DokId elements are for references inside one message only.
"""

from __future__ import annotations

from lxml import etree

from .clinical import facts
from .ctx import Built, Ctx, HealthPerson
from .nodes import DIALOG_10, DIALOG_11, FK1, cv, department_org, hcp, root, service_org, sub
from .padding import Slot, pad
from .plo_common import make_prose

SCHEMA_10 = "dialogmelding.xsd"
SCHEMA_11 = "dialogmelding-v1.1.xsd"


def _sides(ctx: Ctx, from_municipality: bool) -> tuple[HealthPerson, str, str, str]:
    """(author, author's role code 9034, sender, receiver)."""
    if from_municipality:
        return ctx.municipal_nurse, "9", "nursing", "hospital"
    return ctx.nurse, "21", "hospital", "nursing"


def _author(parent: etree._Element, ns: str, person: HealthPerson, role: str) -> None:
    rel = sub(parent, ns, "RollerRelatertNotat")
    cv(rel, ns, "RoleToPatient", role, {"9": "Primærkontakt", "21": "Helsefaglig kontakt"}[role], 9034)
    hcp(rel, ns, "HealthcareProfessional", person, child_ns=ns, ident_required=False)


def _type_foresp(parent: etree._Element, ns: str, from_municipality: bool) -> None:
    if from_municipality:
        cv(parent, ns, "TypeForesp", "99", "Annen henvendelse", 9152)
    else:
        cv(parent, ns, "TypeForesp", "5", "Fritekst", 8331)


def _new(ns: str, schema: str) -> etree._Element:
    return root(ns, "Dialogmelding", {None: ns, "fk1": FK1}, schema)


def dialog_foresporsel(ctx: Ctx, question: str | None = None, *, from_municipality: bool = False) -> Built:
    """DIALOG_FORESPORSEL (Dialogmelding 1.0): a question during the stay. Without a question
    text one is drawn from the sentence bank."""
    prose = make_prose(ctx, facts(ctx))
    author, role, sender, receiver = _sides(ctx, from_municipality)
    doc = _new(DIALOG_10, SCHEMA_10)
    q = sub(doc, DIALOG_10, "Foresporsel")
    _type_foresp(q, DIALOG_10, from_municipality)
    text = question or prose.sentence("sporsmal_kommune" if from_municipality else "sporsmal_sykehus")
    slots: list[Slot] = [(sub(q, DIALOG_10, "Sporsmal", text), "status")]
    _author(q, DIALOG_10, author, role)
    pad(doc, slots, ctx.target_bytes, prose)
    return Built(doc, "DIALOG_FORESPORSEL", "Forespørsel", DIALOG_10, SCHEMA_10, sender, receiver)


def dialog_svar(ctx: Ctx, answer: str | None, ref_msg_id: str, question: str | None = None, *,
                from_municipality: bool = True) -> Built:
    """DIALOG_SVAR (Dialogmelding 1.0): answer to the question in message ref_msg_id. The
    question is repeated in the answer (HIS 80603: "Ved svar på en forespørsel skal alltid
    forespørselen sendes ved svaret"); pass its text when known."""
    prose = make_prose(ctx, facts(ctx))
    author, role, sender, receiver = _sides(ctx, from_municipality)
    doc = _new(DIALOG_10, SCHEMA_10)
    note = sub(doc, DIALOG_10, "Notat")
    cv(note, DIALOG_10, "TemaKodet", "5", "Svar på forespørsel", 9069)
    text = answer or prose.sentence("svar_kommune" if from_municipality else "svar_sykehus")
    slots: list[Slot] = [(sub(note, DIALOG_10, "TekstNotatInnhold", text), "status")]
    q = sub(note, DIALOG_10, "Foresporsel")
    _type_foresp(q, DIALOG_10, not from_municipality)
    if question:
        sub(q, DIALOG_10, "Sporsmal", question)
    _author(note, DIALOG_10, author, role)
    pad(doc, slots, ctx.target_bytes, prose)
    return Built(doc, "DIALOG_SVAR", "Svar på forespørsel", DIALOG_10, SCHEMA_10, sender, receiver,
                 ref_to_parent=ref_msg_id)


def dialog_helsefaglig(ctx: Ctx, text: str | None = None, *, tema: str | None = None,
                       from_municipality: bool = False, ref_msg_id: str | None = None) -> Built:
    """DIALOG_HELSEFAGLIG (Dialogmelding 1.1). A new dialog names the sending unit and the
    wanted profession at the receiver ("Kontakt hos mottaker", HIS 1077 §5.2.1); a reply
    (ref_msg_id given) keeps the theme with "Re: "."""
    prose = make_prose(ctx, facts(ctx))
    author, role, sender, receiver = _sides(ctx, from_municipality)
    ns = DIALOG_11
    doc = _new(ns, SCHEMA_11)
    note = sub(doc, ns, "Notat")
    cv(note, ns, "TemaKodet", "6", "Henvendelse om pasient", 7322)
    theme = tema or ("Utskrivning og videre oppfølging" if not from_municipality else "Spørsmål om pasient")
    sub(note, ns, "Tema", f"Re: {theme}" if ref_msg_id else theme)
    body = text or prose.text("helsefaglig_kommune" if from_municipality else "helsefaglig_sykehus", (1, 2))
    slots: list[Slot] = [(sub(note, ns, "TekstNotatInnhold", body), "status")]
    unit = sub(sub(note, ns, "RollerRelatertNotat"), ns, "TilknyttetEnhet")
    if from_municipality:
        service_org(unit, ns, "Kontaktenhet", ctx.service)
    else:
        department_org(unit, ns, "Kontaktenhet", ctx.department)
    _author(note, ns, author, role)
    if ref_msg_id is None:
        rel = sub(note, ns, "RollerRelatertNotat")
        cv(rel, ns, "RoleToPatient", "24", "Kontakt hos mottaker", 9034)
        hp = sub(rel, ns, "HealthcareProfessional")
        sub(hp, ns, "TypeHealthcareProfessional", V="SP", DN="Sykepleier")
    pad(doc, slots, ctx.target_bytes, prose)
    return Built(doc, "DIALOG_HELSEFAGLIG", "Helsefaglig dialog", ns, SCHEMA_11, sender, receiver,
                 ref_to_parent=ref_msg_id)


def dialog_avvik(ctx: Ctx, text: str | None = None, ref_msg_id: str | None = None, *,
                 from_municipality: bool = True) -> Built:
    """DIALOG_AVVIK (Dialogmelding 1.0, HIS 1151): the received message was misdirected
    (TemaKodet 8117 "1 Feil adressat"). It always answers a message: pass its MsgId."""
    prose = make_prose(ctx, facts(ctx))
    author, role, sender, receiver = _sides(ctx, from_municipality)
    doc = _new(DIALOG_10, SCHEMA_10)
    note = sub(doc, DIALOG_10, "Notat")
    cv(note, DIALOG_10, "TemaKodet", "1", "Feil adressat", 8117)
    sub(note, DIALOG_10, "TekstNotatInnhold", text or prose.pick("avvik"))
    _author(note, DIALOG_10, author, role)
    return Built(doc, "DIALOG_AVVIK", "Tilbakemelding om feil i mottatt melding", DIALOG_10, SCHEMA_10,
                 sender, receiver, ref_to_parent=ref_msg_id)
