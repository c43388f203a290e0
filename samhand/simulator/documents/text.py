"""A bank of fictitious Norwegian clinical sentences, and the ``Prose`` generator that draws them.

Sentences may use the placeholders {han} {Han} {ham} {hans} (pronouns after the patient's sex),
{avdeling}, {sted}, {kommune}, {tjeneste}, {lege}, {innlagt}, {klar} and {dato} (a day of the
stay). None of them contains "&", "<" or ">", so the UTF-8 length of a sentence is exactly what it
adds to the serialized XML (the padding relies on that).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import date, timedelta

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
        "Pasienten ønsker at datteren kontaktes før sønnen ved spørsmål.",
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
        "Kan ha behov for korttidsopphold med rehabilitering før {han} reiser hjem.",
        "Trenger trygghetsalarm og oppfølging av fysioterapeut i kommunen.",
        "Behov for praktisk bistand til innkjøp og rengjøring.",
        "Ønsker matombringing fem dager i uken.",
    ],
    # Dialog: spørsmål og svar
    "sporsmal_sykehus": [
        "Vi ønsker opplysninger om hvilke tjenester pasienten hadde før innleggelsen.",
        "Kan dere bekrefte hvilke legemidler pasienten fikk i multidose før innleggelsen?",
        "Har pasienten trygghetsalarm, og er den i orden?",
        "Vi trenger opplysninger om pasientens funksjonsnivå før innleggelsen. Kan dere sende siste funksjonskartlegging?",
        "Er det noen pårørende vi bør kontakte før utskrivning, utover sønnen som er registrert?",
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
        "Datteren er nærmeste pårørende og ønsker å bli kontaktet før utskrivning.",
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


# ---- templated sentences: endless variation with numbers and dates ----------------------------

def _decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _vitals(r: random.Random, day: str) -> str:
    return (
        f"{day}: BT {r.randrange(105, 165)}/{r.randrange(55, 95)}, puls {r.randrange(58, 104)}, "
        f"temp {_decimal(r.randrange(361, 384) / 10)} °C, SpO2 {r.randrange(89, 99)} %."
    )


def _intake(r: random.Random, day: str) -> str:
    return f"{day}: Drukket ca. {r.randrange(6, 18) * 100} ml, spist {r.choice(['halv', 'hel', 'en kvart'])} porsjon til middag."


def _pain(r: random.Random, day: str) -> str:
    a = r.randrange(0, 5)
    return f"{day}: Smerter VAS {a} i hvile og {a + r.randrange(1, 4)} ved mobilisering, god effekt av Paracet."


def _walk(r: random.Random, day: str) -> str:
    return f"{day}: Gått {r.randrange(2, 12) * 10} meter i korridoren med rullator og {r.choice(['én', 'to'])} hjelper."


def _sleep(r: random.Random, day: str) -> str:
    return f"{day}: Sov {r.choice(['godt', 'urolig', 'i perioder'])} i natt, ca. {r.randrange(3, 8)} timer."


def _lab(r: random.Random, day: str) -> str:
    hb = _decimal(r.randrange(98, 142) / 10)
    return f"{day}: CRP {r.randrange(4, 160)}, Hb {hb}, kreatinin {r.randrange(55, 140)} µmol/l."


def _weight(r: random.Random, day: str) -> str:
    return f"{day}: Vekt {_decimal(r.randrange(520, 910) / 10)} kg."


TEMPLATES: dict[str, list[Callable[[random.Random, str], str]]] = {
    "forlop": [_vitals, _lab, _walk, _pain, _weight],
    "sykepleie": [_intake, _pain, _walk, _sleep, _vitals],
    "status": [_vitals, _lab, _pain],
    "status_ut": [_walk, _sleep, _pain],
    "fysio": [_walk],
}


class Prose:
    """Draws sentences for one document: no sentence twice per category until the bank is used up,
    then templated sentences (dated within the stay) or, without templates, repeats."""

    def __init__(
        self,
        rng: random.Random,
        fields: Mapping[str, str],
        male: bool,
        stay: tuple[date, date],
        extra: Mapping[str, list[str]] | None = None,
    ) -> None:
        self.rng = rng
        pron = {"han": "han", "Han": "Han", "ham": "ham", "hans": "hans"} if male else {
            "han": "hun", "Han": "Hun", "ham": "henne", "hans": "hennes"}
        self.fields = {**fields, **pron}
        self.stay = stay
        self.banks: dict[str, list[str]] = {k: list(v) for k, v in BANK.items()}
        for key, sentences in (extra or {}).items():
            self.banks[key] = self.banks.get(key, []) + list(sentences)
        self._unused: dict[str, list[str]] = {}

    def _day(self) -> str:
        start, end = self.stay
        span = max((end - start).days, 0)
        return (start + timedelta(days=self.rng.randint(0, span))).strftime("%d.%m")

    def sentence(self, category: str) -> str:
        unused = self._unused.get(category)
        if unused is None:
            unused = self._unused[category] = list(self.banks.get(category, []))
            self.rng.shuffle(unused)
        if unused:
            text = unused.pop()
        elif category in TEMPLATES:
            return self.rng.choice(TEMPLATES[category])(self.rng, self._day())
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
