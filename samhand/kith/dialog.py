"""Dialogmelding 1.0 (HIS 80603:2006, ns .../dialog/2006-10-11) and 1.1 (HIS 80603:2017, ns
.../dialog/2013-01-23): read and write the business document.

One Dialogmelding holds either Foresporsel elements (a question) or Notat elements (an answer, a
note, or a Tilbakemelding om feil i mottatt melding), never both (schema: a choice).

What kind of message a document is, is read from its content:
- ``avvik``: a Notat with TemaKodet from code system 8117 (HIS 1151 §4.3.1, DIALOG_AVVIK);
- ``svar``: a Notat that repeats the Foresporsel it answers, or is themed 9069 "Svar på
  forespørsel" (HIS 1152; HIS 80603: "Ved svar på en forespørsel skal alltid forespørselen
  sendes ved svaret");
- ``foresporsel``: Foresporsel at the top;
- ``notat``: any other Notat (Helsefaglig dialog, HIS 1077: TemaKodet 7322).
How messages belong together (a svar to its forespørsel) is not in this document but in MsgHead
ConversationRef (HITS 1218 §3.3).

Pure code: lxml only.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field, replace

from lxml import etree

from .documents import MSGHEAD_NS
from .errors import KithError
from .xmlutil import child_attr, child_text, qpath, serialize, sub

DIALOG_NS = {"1.0": "http://www.kith.no/xmlstds/dialog/2006-10-11",
             "1.1": "http://www.kith.no/xmlstds/dialog/2013-01-23"}
FK1_NS = "http://www.kith.no/xmlstds/felleskomponent1"
BASE64_NS = "http://www.kith.no/xmlstds/base64container"
OID = "2.16.578.1.12.4.1.1."

# 8117 "Avvik ved mottak av elektronisk melding" (HIS 1151 §4.3.1). The shared specs name value 1
# only; the official sample uses it for "Pasienten er ukjent for oss" as well. The reason (ours,
# the API's) travels first in TekstNotatInnhold.
AVVIK_8117 = {"1": "Feil adressat"}
MISDIRECTED_REASONS = {
    "wrong-receiver": "Feil mottaker",
    "unknown-patient": "Ukjent pasient",
    "wrong-content": "Innholdet er ikke i henhold til bruksområdet",
}
# 9067 "Hastegrad for å svare på forespørsel" (HIS 80603 §5.1.2). The value list is not in the
# shared specs; these are the node's values (checked against Volven before production use).
HASTEGRAD_9067 = {"1": "Haster", "2": "Normal"}
URGENT_9067 = "1"
# 7322 Tema for helsefaglig dialog (HIS 1077 §5.2.1); 9069 as the official svar sample; 8331
# Type uspesifisert forespørsel, 5 = Fritekst (HIS 80603 §5.1.2).
TEMA_7322 = {"6": "Henvendelse om pasient"}
SVAR_9069 = {"5": "Svar på forespørsel"}
TYPE_FORESP_8331 = {"5": "Fritekst"}
MSG_TYPES = {
    "DIALOG_FORESPORSEL": "Forespørsel",
    "DIALOG_SVAR": "Svar på forespørsel",
    "DIALOG_NOTAT": "Notat",
    "DIALOG_AVVIK": "Tilbakemelding om feil i mottatt melding",
    "DIALOG_HELSEFAGLIG": "Helsefaglig dialog",
}
ATTACHMENT_TYPES = {"application/pdf", "image/jpeg", "image/png"}


@dataclass(frozen=True)
class Code:
    v: str
    dn: str | None = None
    s: str | None = None  # OID; None for CS

    @property
    def system(self) -> str:
        """The code system number, e.g. "8117", from the OID."""
        return (self.s or "").rsplit(".", 1)[-1]


@dataclass(frozen=True)
class Author:
    """RollerRelatertNotat with a HealthcareProfessional: who wrote it, how to reach them."""

    role: Code | None = None  # RoleToPatient, 9034
    profession: Code | None = None  # TypeHealthcareProfessional (CS, 9060)
    family_name: str | None = None
    given_name: str | None = None
    hpr: str | None = None
    phone: str | None = None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p)


@dataclass(frozen=True)
class Question:
    type: Code
    subject: str | None = None  # EmneSporsmal (1.1 only)
    text: str | None = None  # Sporsmal
    purpose_text: str | None = None  # Begrunnelse
    urgency: Code | None = None  # Hastegrad, 9067
    authors: tuple[Author, ...] = ()


@dataclass(frozen=True)
class Note:
    theme_code: Code
    theme: str | None = None  # Tema
    text: str | None = None  # TekstNotatInnhold
    remark: str | None = None  # Merknad
    question: Question | None = None
    authors: tuple[Author, ...] = ()


@dataclass(frozen=True)
class Dialog:
    version: str  # "1.0" | "1.1"
    questions: tuple[Question, ...] = ()
    notes: tuple[Note, ...] = ()

    @property
    def namespace(self) -> str:
        return DIALOG_NS[self.version]

    @property
    def kind(self) -> str:
        if self.questions:
            return "foresporsel"
        note = self.notes[0] if self.notes else None
        if note is None:
            return "notat"
        if note.theme_code.system == "8117":
            return "avvik"
        if note.question is not None or note.theme_code.system == "9069":
            return "svar"
        return "notat"

    @property
    def urgent(self) -> bool:
        return any(q.urgency is not None and q.urgency.v == URGENT_9067 for q in self.questions)

    @property
    def text(self) -> str:
        parts = [q.text or "" for q in self.questions] + [n.text or "" for n in self.notes]
        return "\n\n".join(p for p in parts if p)

    @property
    def subject(self) -> str:
        for q in self.questions:
            if q.subject:
                return q.subject
        for n in self.notes:
            if n.theme:
                return n.theme
        return ""

    @property
    def authors(self) -> tuple[Author, ...]:
        return tuple(a for q in self.questions for a in q.authors) + tuple(a for n in self.notes for a in n.authors)


@dataclass(frozen=True)
class Attachment:
    mime_type: str
    description: str
    data: bytes = field(repr=False)


# -- reading ------------------------------------------------------------------------------------

def version_of(el: etree._Element) -> str | None:
    namespace = etree.QName(el).namespace
    return next((v for v, ns in DIALOG_NS.items() if ns == namespace), None)


def parse_dialog(el: etree._Element) -> Dialog:
    """The Dialogmelding business document (the element itself); KithError T02 when it is not one."""
    version = version_of(el) if isinstance(el.tag, str) else None
    if version is None or etree.QName(el).localname != "Dialogmelding":
        raise KithError("T02", f"not a Dialogmelding 1.0/1.1 document: {el.tag}")
    ns = DIALOG_NS[version]
    return Dialog(version=version,
                  questions=tuple(_question(q, ns) for q in el.iterfind(qpath(ns, "Foresporsel"))),
                  notes=tuple(_note(n, ns) for n in el.iterfind(qpath(ns, "Notat"))))


def dialog_of_msghead(root: etree._Element) -> Dialog | None:
    """The Dialogmelding carried by a MsgHead, None when its first document is something else."""
    content = root.find(qpath(MSGHEAD_NS, "Document/RefDoc/Content"))
    if content is None:
        return None
    doc = next((c for c in content if isinstance(c.tag, str)), None)
    if doc is None or version_of(doc) is None:
        return None
    return parse_dialog(doc)


def attachments_of(root: etree._Element) -> list[Attachment]:
    """The MsgHead documents of MsgType "A" (vedlegg) with a Base64Container."""
    found = []
    for refdoc in root.iterfind(qpath(MSGHEAD_NS, "Document/RefDoc")):
        if child_attr(refdoc, qpath(MSGHEAD_NS, "MsgType")) != "A":
            continue
        container = refdoc.find(qpath(MSGHEAD_NS, "Content") + f"/{{{BASE64_NS}}}Base64Container")
        if container is None:
            continue
        try:
            data = base64.b64decode("".join(container.itertext()), validate=False)
        except ValueError:
            continue
        found.append(Attachment(child_text(refdoc, qpath(MSGHEAD_NS, "MimeType")) or "application/octet-stream",
                                child_text(refdoc, qpath(MSGHEAD_NS, "Description")) or "", data))
    return found


def _code(el: etree._Element | None) -> Code | None:
    if el is None:
        return None
    v = (el.get("V") or "").strip()
    if not v:
        return None
    return Code(v, el.get("DN"), el.get("S"))


def _text(el: etree._Element | None, ns: str, tag: str) -> str | None:
    return child_text(el, qpath(ns, tag))


def _question(el: etree._Element, ns: str) -> Question:
    type_code = _code(el.find(qpath(ns, "TypeForesp")))
    if type_code is None:
        raise KithError("T02", "Foresporsel/TypeForesp is missing")
    return Question(type=type_code, subject=_text(el, ns, "EmneSporsmal"), text=_text(el, ns, "Sporsmal"),
                    purpose_text=_text(el, ns, "Begrunnelse"), urgency=_code(el.find(qpath(ns, "Hastegrad"))),
                    authors=_authors(el, ns))


def _note(el: etree._Element, ns: str) -> Note:
    theme = _code(el.find(qpath(ns, "TemaKodet")))
    if theme is None:
        raise KithError("T02", "Notat/TemaKodet is missing")
    question = el.find(qpath(ns, "Foresporsel"))
    return Note(theme_code=theme, theme=_text(el, ns, "Tema"), text=_text(el, ns, "TekstNotatInnhold"),
                remark=_text(el, ns, "Merknad"), question=_question(question, ns) if question is not None else None,
                authors=_authors(el, ns))


def _authors(el: etree._Element, ns: str) -> tuple[Author, ...]:
    authors = []
    for rel in el.iterfind(qpath(ns, "RollerRelatertNotat")):
        hp = rel.find(qpath(ns, "HealthcareProfessional"))
        if hp is None:
            continue
        ident = hp.find(qpath(ns, "Ident"))
        hpr = child_text(ident, f"{{{FK1_NS}}}Id") if ident is not None else None
        tele = hp.find(qpath(ns, "TeleCom") + f"/{{{FK1_NS}}}TeleAddress")
        phone = (tele.get("V") or "").removeprefix("tel:") or None if tele is not None else None
        authors.append(Author(role=_code(rel.find(qpath(ns, "RoleToPatient"))),
                              profession=_code(hp.find(qpath(ns, "TypeHealthcareProfessional"))),
                              family_name=_text(hp, ns, "FamilyName"), given_name=_text(hp, ns, "GivenName"),
                              hpr=hpr, phone=phone))
    return tuple(authors)


# -- writing ------------------------------------------------------------------------------------

def build_dialog(dialog: Dialog) -> etree._Element:
    """The Dialogmelding element for ``dialog``, in schema order (valid against the official XSD)."""
    ns = dialog.namespace
    root = etree.Element(f"{{{ns}}}Dialogmelding", nsmap={None: ns, "fk1": FK1_NS})
    if dialog.questions and dialog.notes:
        raise ValueError("a Dialogmelding holds questions or notes, not both")
    for question in dialog.questions:
        _write_question(root, question, dialog.version)
    for note in dialog.notes:
        _write_note(root, note, dialog.version)
    return root


def _cv(parent: etree._Element, tag: str, code: Code) -> None:
    sub(parent, tag, V=code.v, DN=code.dn, S=code.s)


def _write_question(parent: etree._Element, q: Question, version: str) -> None:
    el = sub(parent, "Foresporsel")
    _cv(el, "TypeForesp", q.type)
    if q.subject and version == "1.1":
        sub(el, "EmneSporsmal", q.subject)
    if q.text:
        sub(el, "Sporsmal", q.text)
    if q.purpose_text:
        sub(el, "Begrunnelse", q.purpose_text)
    if q.urgency is not None:
        sub(el, "Hastegrad", V=q.urgency.v, DN=q.urgency.dn)  # kith:CS: no S
    for author in q.authors:
        _write_author(el, author)


def _write_note(parent: etree._Element, n: Note, version: str) -> None:
    el = sub(parent, "Notat")
    _cv(el, "TemaKodet", n.theme_code)
    if n.theme:
        sub(el, "Tema", n.theme)
    if n.text:
        sub(el, "TekstNotatInnhold", n.text)
    if n.remark:
        sub(el, "Merknad", n.remark)
    if n.question is not None:
        _write_question(el, n.question, version)
    for author in n.authors:
        _write_author(el, author)


def _write_author(parent: etree._Element, a: Author) -> None:
    rel = sub(parent, "RollerRelatertNotat")
    if a.role is not None:
        _cv(rel, "RoleToPatient", a.role)
    hp = sub(rel, "HealthcareProfessional")
    if a.profession is not None:
        sub(hp, "TypeHealthcareProfessional", V=a.profession.v, DN=a.profession.dn)
    if a.family_name:
        sub(hp, "FamilyName", a.family_name)
    if a.given_name:
        sub(hp, "GivenName", a.given_name)
    if a.hpr:
        ident = sub(hp, "Ident")
        etree.SubElement(ident, f"{{{FK1_NS}}}Id").text = a.hpr
        etree.SubElement(ident, f"{{{FK1_NS}}}TypeId", V="HPR", DN="HPR-nummer", S=OID + "8116")
    if a.phone:
        tele = sub(hp, "TeleCom")
        etree.SubElement(tele, f"{{{FK1_NS}}}TeleAddress", V=f"tel:{a.phone}")


# -- the node's own messages ----------------------------------------------------------------------

def avvik(reason: str, text: str = "", author: Author | None = None) -> Dialog:
    """Tilbakemelding om feil i mottatt melding (HIS 1151): Dialogmelding 1.0, one Notat, TemaKodet
    8117 and a text saying why the message will not be processed. ``reason`` is one of
    MISDIRECTED_REASONS; it leads the text ("Ukjent pasient: …") so a reader and a node both see it."""
    if reason not in MISDIRECTED_REASONS:
        raise ValueError(f"unknown reason {reason!r}; one of {', '.join(MISDIRECTED_REASONS)}")
    body = MISDIRECTED_REASONS[reason] + (f": {text.strip()}" if text and text.strip() else "")
    note = Note(theme_code=Code("1", AVVIK_8117["1"], OID + "8117"), text=body,
                authors=(author,) if author else ())
    return Dialog(version="1.0", notes=(note,))


def avvik_reason(dialog: Dialog) -> str:
    """The reason code of a received DIALOG_AVVIK, read back from its text; "wrong-receiver" when the
    sender wrote its own text (8117 value 1 is "Feil adressat")."""
    text = (dialog.notes[0].text if dialog.notes else "") or ""
    for code, label in MISDIRECTED_REASONS.items():
        if text.startswith(label):
            return code
    return "wrong-receiver"


def question(text: str, *, subject: str = "", urgent: bool = False, author: Author | None = None) -> Dialog:
    """Forespørsel in Dialogmelding 1.1: TypeForesp 8331 "5 Fritekst" with the question as Sporsmal
    (HIS 80603 §5.1.2: Sporsmal is required with Fritekst), Hastegrad 9067 when urgent."""
    urgency = Code(URGENT_9067, HASTEGRAD_9067[URGENT_9067]) if urgent else None
    return Dialog(version="1.1", questions=(Question(
        type=Code("5", TYPE_FORESP_8331["5"], OID + "8331"), subject=subject or None, text=text,
        urgency=urgency, authors=(author,) if author else ()),))


def answer(text: str, asked: Question | None, *, author: Author | None = None) -> Dialog:
    """Svar på forespørsel in 1.1: a Notat themed 9069 "5 Svar på forespørsel" that repeats the
    question (HIS 80603)."""
    repeated = replace(asked, authors=()) if asked is not None else None
    return Dialog(version="1.1", notes=(Note(theme_code=Code("5", SVAR_9069["5"], OID + "9069"), text=text,
                                             question=repeated, authors=(author,) if author else ()),))


def note(text: str, *, theme: str = "", author: Author | None = None) -> Dialog:
    """Helsefaglig dialog notat (HIS 1077): TemaKodet 7322 "6 Henvendelse om pasient", Tema."""
    return Dialog(version="1.1", notes=(Note(theme_code=Code("6", TEMA_7322["6"], OID + "7322"), theme=theme or None,
                                             text=text, authors=(author,) if author else ()),))


def add_attachments(msghead_xml: bytes, attachments: list[Attachment]) -> bytes:
    """The MsgHead with each attachment as its own Document: RefDoc MsgType "A" (Vedlegg), MimeType,
    Description and a Base64Container (as the official Helsefaglig dialog sample)."""
    if not attachments:
        return msghead_xml
    from .xmlsafe import parse_xml

    root = parse_xml(msghead_xml)
    for attachment in attachments:
        if attachment.mime_type not in ATTACHMENT_TYPES:
            raise ValueError(f"attachment type {attachment.mime_type} is not one of {sorted(ATTACHMENT_TYPES)}")
        document = etree.SubElement(root, f"{{{MSGHEAD_NS}}}Document")
        refdoc = sub(document, "RefDoc")
        issue = root.find(qpath(MSGHEAD_NS, "MsgInfo/GenDate"))
        sub(refdoc, "IssueDate", V=issue.text if issue is not None else None)
        sub(refdoc, "MsgType", V="A", DN="Vedlegg")
        sub(refdoc, "MimeType", attachment.mime_type)
        sub(refdoc, "Description", attachment.description or "vedlegg")
        container = etree.SubElement(sub(refdoc, "Content"), f"{{{BASE64_NS}}}Base64Container",
                                     nsmap={None: BASE64_NS})
        container.text = base64.b64encode(attachment.data).decode("ascii")
    return serialize(root)
