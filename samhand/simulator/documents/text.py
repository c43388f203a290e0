"""A bank of fictitious Norwegian clinical sentences, and the ``Prose`` generator that draws them.

Sentences may use the placeholders {han} {Han} {ham} {hans} (pronouns after the patient's sex),
{avdeling}, {sted}, {kommune}, {tjeneste}, {lege}, {innlagt} and {klar}. None of them contains "&", "<" or ">", so the UTF-8 length of a sentence is exactly what it
adds to the serialized XML (the padding relies on that).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta

BANK: dict[str, list[str]] = {
    # Sykepleiesammenfatning (9141 code 8)
    "sykepleie": [
        "{Han} er orientert for tid, sted og person, men kan virke noe glemsk i perioder.",
        "Trenger hjelp av én person til personlig hygiene og påkledning nedentil.",
        "Klarer å spise selv når maten er tilrettelagt, men har redusert matlyst.",
        "Drikker for lite på eget initiativ og må oppfordres til å drikke jevnlig gjennom dagen.",
        "Går med rullator innendørs og trenger tilsyn ved forflytning ut av seng.",
        "Har tidvis urinlekkasje og bruker inkontinensprodukter døgnet rundt.",
        "Huden er tørr og skjør, særlig på leggene. Smøres daglig med fuktighetskrem.",
        "Rødme over sacrum uten sår. Snus hver tredje time om natten og har trykkavlastende madrass.",
        "Sover urolig og står ofte opp om natten for å gå på toalettet.",
        "Har god effekt av faste smertestillende og gir selv beskjed ved behov for mer.",
        "Blir raskt sliten og trenger hvilepauser mellom stell og måltider.",
        "Avføring hver annen dag med faste avføringsmidler. Siste avføring i går.",
        "Trenger påminnelse om å ta på seg høreapparatet om morgenen.",
        "Har behov for hjelp til å dosere og administrere legemidler.",
        "Er sosial og liker å prate, men trekker seg tilbake når {han} er sliten.",
        "Vekten har gått ned ca. 3 kg det siste halve året ifølge hjemmesykepleien.",
        "Har ødemer på begge legger, mest uttalt på kvelden.",
        "Bruker briller til lesing og ser dårlig i dårlig belysning.",
        "Er tidvis engstelig, særlig på kveldstid, og roes av samtale og fast rutine.",
        "Klarer å vaske overkroppen selv sittende ved vasken, trenger hjelp med rygg og føtter.",
        "Har nedsatt kraft i bena og er usikker på balansen ved snuing.",
        "Kostholdet er lite variert, og {han} spiser mest brødmat.",
        "Har proteser i over- og underkjeve som tas ut og rengjøres om kvelden.",
        "Har vært til stede i egen situasjon og samarbeider godt om stell og tiltak.",
        "Uttrykker bekymring for hvordan {han} skal klare seg hjemme.",
    ],
    # Praktiske opplysninger (9141 code 14)
    "praktisk": [
        "Nøkkel til boligen oppbevares i nøkkelboks ved inngangsdøren; kode fås ved henvendelse til {tjeneste}.",
        "Pasientens mobiltelefon og lader er lagt i toalettvesken.",
        "Har trygghetsalarm som er koblet til responssenteret.",
        "Pårørende er informert om innleggelsen og vil besøke i morgen.",
        "Briller og høreapparat er sendt med pasienten.",
        "Multidose leveres fra apoteket annenhver uke, neste levering er avtalt.",
        "Bor i andre etasje uten heis, 14 trinn opp til leiligheten.",
        "Har husdyr (katt) som naboen passer under innleggelsen.",
        "Klær og toalettsaker er sendt med i egen bag.",
        "Pasienten ønsker at nærmeste pårørende kontaktes ved spørsmål om oppholdet.",
        "Har avtale med frisør og fotpleier hver sjette uke.",
        "Matombringing er stanset fra i dag og må bestilles på nytt ved utskrivning.",
        "Leiligheten er tilrettelagt med dusjstol, toalettforhøyer og støttehåndtak.",
        "Har ikke med seg legemidler fra hjemmet; legemiddelliste følger meldingen.",
        "Pasienten har selv bedt om at {hans} faste hjemmesykepleier kontaktes ved utskrivning.",
    ],
    # Pasientens egne vurderinger (9141 code 13)
    "egne": [
        "Gleder seg til å komme hjem, men er usikker på om {han} klarer trappene.",
        "Ønsker å bo hjemme så lenge som mulig og vil ikke søke sykehjemsplass nå.",
        "Synes det har vært vanskelig å sove på firemannsrom.",
        "Er fornøyd med behandlingen og føler seg tryggere med økt hjemmesykepleie.",
        "Ønsker å klare mest mulig selv og vil gjerne fortsette med trening hjemme.",
        "Er bekymret for å falle igjen og ønsker trygghetsalarm med fallsensor.",
        "Opplever at smertene er bedre enn ved innleggelse.",
        "Savner ektefellen og ønsker å komme hjem så snart som mulig.",
    ],
    # Status ved utskrivning (9141 code 12)
    "status_ut": [
        "Ved utskrivning er {han} i bedring, afebril og i stabil allmenntilstand.",
        "Går korte strekninger med rullator og tilsyn, forflytter seg selv til og fra seng.",
        "Spiser og drikker tilfredsstillende, og væskebalansen er i orden.",
        "Er klar og orientert og har god forståelse for videre plan.",
        "Trenger fortsatt hjelp til nedre del av stellet og til påkledning av sokker og sko.",
        "Smertene er godt kontrollert på faste perorale smertestillende.",
        "Ingen nye trykkmerker, huden over sacrum er intakt.",
        "Sover godt på natten uten behov for sovemedisin de siste døgnene.",
        "Vannlating uten problemer etter at kateteret ble fjernet.",
        "Har fått opplæring i øvelser av fysioterapeut og bør gjøre disse daglig.",
        "Fungerer i dag omtrent på samme nivå som før innleggelsen.",
        "Er mer sliten enn vanlig og vil trolig trenge økt hjelp de første ukene.",
    ],
    # Fysioterapi / andre faggrupper
    "fysio": [
        "Fysioterapeut har fulgt opp med daglig gangtrening og balanseøvelser.",
        "Går 40 meter med rullator og tilsyn, trenger hvile underveis.",
        "Trapp ikke trent ennå; anbefales vurdert av kommunal fysioterapeut før hjemreise.",
        "Ergoterapeut har vurdert behov for hjelpemidler og anbefaler toalettforhøyer og dusjkrakk.",
        "Har fått skriftlig treningsprogram med øvelser for styrke i bena.",
        "Reiser seg fra stol uten bruk av armlener etter noen forsøk.",
        "Balansen er bedret, men {han} er fortsatt usikker ved snuing.",
        "Anbefaler oppfølging av fysioterapeut i kommunen to ganger i uken de første ukene.",
        "Har fysioterapi tre ganger i uken; egen rapport fra fysioterapeut ettersendes.",
        "Bruker spaserstokk utendørs og rullator innendørs.",
    ],
    # Merknader i logistikkmeldinger (ingen helseopplysninger)
    "logistikk": [
        "Pasienten er informert om at det sendes melding til kommunen.",
        "Kontaktperson på posten kan nås på avdelingens hovedtelefon hele døgnet.",
        "Pasienten er registrert som mottaker av kommunale tjenester.",
        "Pasienten har samtykket til at det sendes melding til kommune og fastlege.",
        "Henvendelser om pasienten rettes til sykepleier med ansvar for pasienten denne vakten.",
        "Nærmeste pårørende er orientert.",
        "Tidspunktet er avklart med behandlende lege.",
        "Spørsmål om transport avklares med avdelingen dagen før hjemreise.",
        "Meldingen er sendt i henhold til gjeldende samarbeidsavtale.",
        "Eventuelle endringer vil bli meldt fortløpende.",
    ],
    "kansellering": [
        "Kansellering: Meldingen ble sendt på feil pasient.",
        "Kansellering: Meldingen ble sendt til feil mottaker.",
        "Kansellering: Meldingen ble sendt ved en feil og skal ikke brukes.",
        "Kansellering: Meldingen inneholdt feil dato og erstattes ikke.",
    ],
    "avmelding": [
        "På bakgrunn av endring i helsetilstand ansees pasienten ikke lenger å fylle vilkårene for å være utskrivningsklar.",
        "Pasienten har fått feber og økende CRP og er ikke lenger utskrivningsklar.",
        "Ny vurdering etter fall på avdelingen; videre utredning må gjennomføres før utskrivning.",
        "Pasienten har fått tiltagende tungpust og behandlingen må justeres før utskrivning.",
        "Akutt forverring av allmenntilstanden i natt. Ny utskrivningsklar dato meldes senere.",
    ],
    "utskrevet": [
        "Pasienten er registrert som mottaker av kommunale tjenester og har samtykket til at det sendes melding om utskrivning til kommune og fastlege.",
        "Utskrivningsrapport er sendt samme dag.",
        "Pasienten reiser hjem med drosje sammen med pårørende.",
        "Pasienten reiser med syketransport og er ventet hjem i løpet av ettermiddagen.",
    ],
    "endringer": [
        "Endret siden forrige melding: hoveddiagnose er avklart og lagt til.",
        "Endret siden forrige melding: forventet utskrivningsklar dato er flyttet.",
        "Endret siden forrige melding: oppdatert pasientstatus og antatt forløp.",
        "Endret siden forrige melding: nye opplysninger om cave er lagt til.",
        "Endret siden forrige melding: behovet for tjenester etter utskrivning er beskrevet.",
    ],
    "legemiddeladm": [
        "Legemidler er ikke sendt med pasienten.",
        "Pasienten får multidose fra apoteket; hjemmesykepleien administrerer.",
        "Trenger hjelp til å ta legemidlene til riktig tid.",
        "Legemiddellisten er avstemt med fastlegens liste ved innleggelse.",
        "Resept på nye legemidler er sendt elektronisk; hjemmesykepleien henter på apoteket.",
    ],
    "tjenestebehov": [
        "Vurderes å trenge hjemmesykepleie morgen og kveld de første ukene etter utskrivning.",
        "Behov for hjelp til legemiddelhåndtering og tilsyn av sår.",
        "Behov for tilsyn og hjelp til personlig stell morgen og kveld.",
        "Trenger daglig oppfølging av vekt, væskeinntak og ødemer den første uken.",
        "Bør ha tilsyn på kvelden for å sikre at kveldsmedisinene blir tatt.",
        "Trenger hjelp til av- og påkledning av kompresjonsstrømper.",
    ],
    # Dialog: spørsmål og svar
    "sporsmal_sykehus": [
        "Vi ønsker opplysninger om hvilke tjenester pasienten hadde før innleggelsen.",
        "Kan dere bekrefte hvilke legemidler pasienten fikk i multidose før innleggelsen?",
        "Har pasienten trygghetsalarm, og er den i orden?",
        "Vi trenger opplysninger om pasientens funksjonsnivå før innleggelsen. Kan dere sende siste funksjonskartlegging?",
        "Er det andre pårørende vi bør kontakte før utskrivning, utover den som er registrert?",
        "Hvordan var ernæringsstatus og vekt før innleggelsen?",
    ],
    "sporsmal_kommune": [
        "Vi har ikke mottatt oppdatert legemiddelliste etter innleggelsen. Kan dere sende den?",
        "Hva er planen for sårstell etter utskrivning, og hvilke bandasjer skal brukes?",
        "Er det bestilt kontrolltime, og hvem har ansvaret for å følge opp prøvesvar?",
        "Kan dere si noe om forventet funksjonsnivå ved utskrivning?",
        "Skal antibiotikabehandlingen fortsette etter utskrivning, og i så fall hvor lenge?",
        "Pasienten går snart tom for faste legemidler. Kan dere sende resept?",
    ],
    "svar_kommune": [
        "Pasienten hadde hjemmesykepleie to ganger daglig og praktisk bistand hver fjortende dag før innleggelsen.",
        "Pasienten fikk alle faste legemidler i multidose; liste ble sendt med innleggelsesrapporten.",
        "Trygghetsalarmen er kontrollert og virker.",
        "Siste funksjonskartlegging ble gjort for to måneder siden og er lagt ved innleggelsesrapporten.",
        "Nærmeste pårørende ønsker å bli kontaktet før utskrivning.",
        "Vekten var stabil før innleggelsen, men matlysten har vært redusert i flere uker.",
    ],
    "svar_sykehus": [
        "Oppdatert legemiddelliste følger med utskrivningsrapporten som sendes i dag.",
        "Såret skiftes hver tredje dag med skumbandasje. Stell beskrives i utskrivningsrapporten.",
        "Kontrolltime er bestilt ved poliklinikken, og innkalling sendes pasienten.",
        "Forventer at pasienten er på samme funksjonsnivå som før innleggelsen, men trenger noe mer hjelp den første tiden.",
        "Antibiotika gis peroralt i sju dager til etter utskrivning. Sluttdato står i legemiddellisten.",
        "Resept er sendt elektronisk i dag.",
    ],
    "helsefaglig_sykehus": [
        "Pasienten er i bedring, men vil trolig trenge økt hjelp i hjemmet de første ukene.",
        "Vi ber om at hjemmesykepleien følger opp vekt og ødemer daglig første uke etter utskrivning.",
        "Pasienten har fått ny smertebehandling, og vi ber om tilbakemelding dersom effekten er dårlig.",
        "Ønsker en samtale med tildelingskontoret om behov for korttidsopphold.",
    ],
    "helsefaglig_kommune": [
        "Hjemmesykepleien har observert økende forvirring de siste ukene før innleggelsen.",
        "Pasienten har sagt at {han} ikke ønsker sykehjemsplass. Vi ber om at dette tas med i planleggingen.",
        "Vi kan ta imot pasienten fra i morgen, men ber om at utskrivningsrapporten sendes i god tid.",
        "Pårørende har kontaktet oss med spørsmål om videre plan; de ønsker å bli ringt opp.",
    ],
    "avvik": [
        "Pasienten er ukjent for oss.",
        "Meldingen gjelder en pasient som ikke bor i vår kommune.",
        "Pasienten mottar ikke tjenester fra vår tjeneste. Meldingen er slettet.",
        "Meldingen skulle vært sendt til hjemmesykepleien og ikke til tildelingskontoret.",
    ],
}


# ---- templated sentences: endless variation with numbers, in chronological order -------------

def _decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _at(at: datetime) -> str:
    return at.strftime("%d.%m kl %H:%M")


# A template: (rng, time of the entry, days since the start of the period, per-document state).
# Trends (CRP falling, weight going down) depend on the time, not on the order of the calls.
# ``daily`` templates (weight, blood tests, sleep, intake) occur at most once per day.
Template = tuple[tuple[int, ...] | None, Callable[[random.Random, datetime, float, dict[str, float]], str], bool]


def _vitals(r: random.Random, at: datetime, days: float, state: dict[str, float]) -> str:
    temp = _decimal(min(38.4, 36.4 + r.random() * max(0.4, 1.8 - 0.5 * days)))
    return (f"{_at(at)}: BT {r.randrange(105, 165)}/{r.randrange(55, 95)}, puls {r.randrange(58, 104)}, "
            f"temp {temp} °C, SpO2 {r.randrange(91, 99)} %.")


def _intake(r: random.Random, at: datetime, days: float, state: dict[str, float]) -> str:
    meal = r.choice(["halv", "hel", "en kvart"])
    return f"{_at(at)}: Drukket ca. {r.randrange(6, 18) * 100} ml i dag, spist {meal} porsjon til middag."


def _pain(r: random.Random, at: datetime, days: float, state: dict[str, float]) -> str:
    a = r.randrange(0, 5)
    return f"{_at(at)}: Smerter VAS {a} i hvile og {a + r.randrange(1, 4)} ved mobilisering, god effekt av Paracet."


def _walk(r: random.Random, at: datetime, days: float, state: dict[str, float]) -> str:
    helpers = r.choice(["én hjelper", "to hjelpere", "tilsyn"])
    meters = max(10, min(150, int(15 + 12 * days + r.randrange(-10, 20)) // 5 * 5))
    return f"{_at(at)}: Gått {meters} meter i korridoren med rullator og {helpers}."


def _sleep(r: random.Random, at: datetime, days: float, state: dict[str, float]) -> str:
    return f"{_at(at)}: Sov {r.choice(['godt', 'urolig', 'godt etter hvert'])} i natt, ca. {r.randrange(3, 8)} timer."


def _lab(r: random.Random, at: datetime, days: float, state: dict[str, float]) -> str:
    peak = state.setdefault("crp", r.randrange(60, 200))
    crp = max(3, round(peak * 0.7 ** days * r.uniform(0.9, 1.1)))
    hb = _decimal(r.randrange(105, 138) / 10)
    return f"{_at(at)}: CRP {crp}, Hb {hb}, kreatinin {r.randrange(60, 120)} µmol/l."


def _weight(r: random.Random, at: datetime, days: float, state: dict[str, float]) -> str:
    base = state.setdefault("kg", r.randrange(550, 900) / 10)
    return f"{_at(at)}: Vekt {_decimal(base - 0.3 * days + r.uniform(-0.2, 0.2))} kg."


def _contact(r: random.Random, at: datetime, days: float, state: dict[str, float]) -> str:
    who = r.choice(["Hjemmesykepleien", "Nærmeste pårørende", "Tildelingskontoret", "Fastlegekontoret"])
    return f"{_at(at)}: {who} orientert per telefon."


DAY = tuple(range(8, 21))
VITALS: Template = (None, _vitals, False)
INTAKE: Template = ((20, 21), _intake, True)
PAIN: Template = (None, _pain, False)
WALK: Template = ((10, 11, 13, 14, 15, 17, 18), _walk, False)
SLEEP: Template = ((6, 7), _sleep, True)
LAB: Template = ((7, 8), _lab, True)
WEIGHT: Template = ((6, 7), _weight, True)
CONTACT: Template = (DAY, _contact, False)
TEMPLATES: dict[str, list[Template]] = {
    "forlop": [VITALS, LAB, WALK, PAIN, WEIGHT],
    "sykepleie": [INTAKE, PAIN, WALK, SLEEP, VITALS],
    "status": [VITALS, LAB, PAIN],
    "status_ut": [WALK, SLEEP, PAIN],
    "fysio": [WALK],
    "logistikk": [CONTACT],
}


class Prose:
    """Draws sentences for one document: no sentence twice per category until the bank is used up,
    then templated entries time-stamped within ``period`` (``when`` gives their time, so a caller
    can put them in chronological order)."""

    def __init__(
        self,
        rng: random.Random,
        fields: Mapping[str, str],
        male: bool,
        period: tuple[datetime, datetime],
        extra: Mapping[str, list[str]] | None = None,
    ) -> None:
        self.rng = rng
        pron = {"han": "han", "Han": "Han", "ham": "ham", "hans": "hans"} if male else {
            "han": "hun", "Han": "Hun", "ham": "henne", "hans": "hennes"}
        self.fields = {**fields, **pron}
        self.period = (period[0], max(period[1], period[0] + timedelta(hours=12)))
        self.banks: dict[str, list[str]] = {k: list(v) for k, v in BANK.items()}
        for key, sentences in (extra or {}).items():
            self.banks[key] = self.banks.get(key, []) + list(sentences)
        self._unused: dict[str, list[str]] = {}
        self._used_stamps: dict[str, set[datetime]] = {}
        self._used_days: dict[tuple[str, str], set[date]] = {}
        self._when: dict[str, datetime] = {}
        self._state: dict[str, float] = {}

    def _stamp(self, category: str, hours: tuple[int, ...] | None, daily: str | None) -> datetime | None:
        """A time in the period, unique per category, at five-minute resolution, preferably at
        one of the given hours; for a daily template on a day it has not been used yet (None
        when every day is taken)."""
        start, end = self.period
        used = self._used_stamps.setdefault(category, set())
        days = [start.date() + timedelta(days=i) for i in range((end - start).days + 1)]
        if daily is not None:
            taken = self._used_days.setdefault((category, daily), set())
            days = [d for d in days if d not in taken]
            if not days:
                return None
        for attempt in range(80):
            day = self.rng.choice(days)
            hour = self.rng.choice(hours) if hours and attempt < 50 else self.rng.randrange(24)
            at = datetime.combine(day, time(hour, 5 * self.rng.randrange(12)))
            if start < at <= end and at not in used:
                break
        else:
            return None
        used.add(at)
        if daily is not None:
            self._used_days[(category, daily)].add(at.date())
        return at

    def when(self, sentence: str) -> datetime | None:
        """The time of a time-stamped sentence made by this Prose, else None."""
        return self._when.get(sentence[:14])

    def _fresh(self, category: str) -> list[str]:
        unused = self._unused.get(category)
        if unused is None:
            unused = self._unused[category] = list(self.banks.get(category, []))
            self.rng.shuffle(unused)
        return unused

    def exhausted(self, category: str) -> bool:
        """True when further sentences of this category could only repeat earlier ones."""
        return not self._fresh(category) and category not in TEMPLATES

    def sentence(self, category: str) -> str:
        unused = self._fresh(category)
        if unused:
            text = unused.pop()
        elif category in TEMPLATES:
            for hours, template, daily in self.rng.sample(TEMPLATES[category], len(TEMPLATES[category])):
                at = self._stamp(category, hours, template.__name__ if daily else None)
                if at is not None:
                    days = (at - self.period[0]).total_seconds() / 86400
                    text = template(self.rng, at, days, self._state)
                    self._when[text[:14]] = at
                    return text
            text = self.rng.choice(self.banks[category])
        elif self.banks.get(category):
            text = self.rng.choice(self.banks[category])
        else:
            raise KeyError(f"no sentences for category {category!r}")
        return text.format_map(self.fields)

    def text(self, category: str, n: int | tuple[int, int] = 1) -> str:
        """n sentences (or a random count in an inclusive range) joined by spaces."""
        count = self.rng.randint(*n) if isinstance(n, tuple) else n
        return " ".join(self.sentence(category) for _ in range(count))

    def pick(self, category: str) -> str:
        """One sentence without consuming it (for short fixed fields)."""
        return self.rng.choice(self.banks[category]).format_map(self.fields)
