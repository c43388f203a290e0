"""Clinical scenarios for fictitious admissions: diagnoses (ICD-10, code system 7110, written
without the dot as in the official samples), drugs started in hospital and scenario-specific
free text by category:

aarsak (Årsak til innleggelse, 9142 AAI), status (Pasientens status, 9145 1), antatt (Antatt
forløp, 9145 2), problem (Aktuell problemstilling, 9142 PROB), forlop (Forløp og behandling,
9142 FO), funn (Funn og undersøkelsesresultat, 9142 FU), plan (Planer for videre oppfølging,
9142 OP).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Diagnosis:
    code: str
    text: str


@dataclass(frozen=True)
class Drug:
    name: str
    strength: str  # kith:PQ V (a number)
    unit: str  # kith:PQ U
    dose: str  # DosVeiledEnkel
    use: str = "1"  # Bruk: 1 Fast, 2 Kur, 3 Ved behov
    atc: tuple[str, str] | None = None  # (ATC code, substance)
    tablet: bool = True  # Legemiddelform 53 Tablett; other forms are left out
    note: str | None = None
    days: int | None = None  # length of a course (Kur), from the discharge day


@dataclass(frozen=True)
class Scenario:
    key: str
    main: Diagnosis
    comorbid: tuple[Diagnosis, ...]
    started: tuple[Drug, ...] = ()
    texts: dict[str, list[str]] = field(default_factory=dict)


HT = Diagnosis("I10", "Essensiell (primær) hypertensjon")
DM2 = Diagnosis("E119", "Diabetes mellitus type 2 uten komplikasjoner")
AF = Diagnosis("I48", "Atrieflimmer og atrieflutter")
HF = Diagnosis("I509", "Uspesifisert hjertesvikt")
KOLS = Diagnosis("J449", "Kronisk obstruktiv lungesykdom, uspesifisert")
OSTEO = Diagnosis("M819", "Osteoporose, uspesifisert")
DEM = Diagnosis("F039", "Uspesifisert demens")

PARACET_FAST = Drug("Paracet", "500", "mg", "2 tabl kl 08, 14, 20 og 02", atc=("N02BE01", "Paracetamol"))
OXYNORM = Drug("OxyNorm", "5", "mg", "1 kapsel ved sterke smerter, maks 4 per døgn", "3",
               ("N02AA05", "Oksykodon"), tablet=False)
APOCILLIN = Drug("Apocillin", "660", "mg", "2 tabl 4 ganger daglig", "2", ("J01CE02", "Fenoksymetylpenicillin"),
                 note="Tas på tom mage, minst en halv time før mat.", days=5)

SCENARIOS: dict[str, Scenario] = {}


def _add(s: Scenario) -> None:
    SCENARIOS[s.key] = s


_add(Scenario(
    "hoftebrudd", Diagnosis("S720", "Brudd i lårhals"), (HT, OSTEO, DEM),
    (PARACET_FAST, OXYNORM,
     Drug("Fragmin", "5000", "IE", "5000 IE subkutant kl 18", "2", ("B01AB04", "Dalteparin"), tablet=False,
          note="Tromboseprofylakse i fire uker etter operasjonen.", days=24)),
    {
        "aarsak": [
            "Funnet liggende på badegulvet av hjemmesykepleien ved morgenbesøket. Klarte ikke å reise seg og hadde sterke smerter i venstre hofte.",
            "Venstre ben er forkortet og utadrotert. Legevaktslege vurderte at {han} måtte innlegges for røntgen av hoften.",
            "Har falt to ganger tidligere i år, men uten skader.",
            "Fikk smertestillende av legevakten før transport til sykehuset.",
        ],
        "status": [
            "Innlagt etter fall i hjemmet. Røntgen viser lårhalsbrudd på venstre side.",
            "Operert med hemiprotese i venstre hofte dagen etter innleggelsen og er stabil etter operasjonen.",
            "Mobiliseres med gåbord og to personer, full belastning er tillatt.",
        ],
        "antatt": [
            "Forventes å være utskrivningsklar etter fire til seks døgn.",
            "Vil trolig ha behov for rehabilitering på korttidsopphold før hjemreise.",
            "Behov for økt hjelp til personlig stell og forflytning de første ukene.",
        ],
        "problem": ["Innlagt med lårhalsbrudd på venstre side etter fall i hjemmet."],
        "forlop": [
            "Operert med hemiprotese i venstre hofte i spinalbedøvelse. Ukomplisert forløp.",
            "Fikk én enhet blod postoperativt på grunn av lav Hb, stigende Hb etter dette.",
            "Mobilisert fra første postoperative dag sammen med fysioterapeut.",
            "Får Fragmin som tromboseprofylakse i fire uker.",
            "Sårkantene er pene og tørre uten tegn til infeksjon.",
            "Var noe forvirret første natt etter operasjonen, men dette gikk raskt over.",
        ],
        "funn": [
            "Røntgen hofte viser dislokert lårhalsbrudd på venstre side.",
            "Postoperativ røntgen viser protesen i god stilling.",
            "EKG viser sinusrytme uten akutte forandringer.",
        ],
        "plan": [
            "Agraffer fjernes av hjemmesykepleien eller fastlege 14 dager etter operasjonen.",
            "Full belastning er tillatt. Skal unngå dyp bøying i hoften de første seks ukene.",
            "Kontroll ved ortopedisk poliklinikk om tre måneder.",
            "Fastlege bør vurdere behandling av osteoporose.",
        ],
    },
))

_add(Scenario(
    "pneumoni", Diagnosis("J189", "Pneumoni, uspesifisert"), (KOLS, HT, DM2),
    (APOCILLIN,),
    {
        "aarsak": [
            "Har hatt økende hoste, feber og tungpust de siste tre døgnene.",
            "Hjemmesykepleien målte temperatur 38,9 og oksygenmetning 88 prosent i morges.",
            "Har spist og drukket lite og vært sengeliggende det siste døgnet.",
            "Fastlegen ble kontaktet og henviste til innleggelse.",
        ],
        "status": [
            "Innlagt med høy feber og tungpust. Røntgen thorax viser infiltrat i høyre underlapp.",
            "Behandles med intravenøs antibiotika og oksygen og har vært feberfri det siste døgnet.",
            "Noe redusert allmenntilstand, men gradvis i bedring.",
        ],
        "antatt": [
            "Forventer overgang til antibiotika i tablettform i løpet av to til tre døgn.",
            "Antas å være utskrivningsklar innen en uke dersom bedringen fortsetter.",
            "Vil trolig ha behov for noe mer hjelp hjemme den første tiden.",
        ],
        "problem": ["Innlagt med lungebetennelse i høyre underlapp."],
        "forlop": [
            "Startet med Penicillin intravenøst ved innkomst med god klinisk respons.",
            "Oksygenbehovet ble redusert fra tre liter til ingen i løpet av tre døgn.",
            "Gikk over til Apocillin tabletter fjerde døgn.",
            "CRP falt fra 210 til 45 under oppholdet.",
            "Har fått inhalasjoner med Atrovent og Ventoline ved behov med god effekt.",
        ],
        "funn": [
            "Røntgen thorax viser infiltrat i høyre underlapp.",
            "Blodkulturer er uten oppvekst.",
        ],
        "plan": [
            "Fortsetter med Apocillin i fem dager etter utskrivning.",
            "Kontroll av CRP hos fastlege om en uke.",
            "Kontrollrøntgen av thorax om seks uker, rekvireres av fastlege.",
            "Oppfordres til å drikke godt og være i aktivitet.",
        ],
    },
))

_add(Scenario(
    "hjertesvikt", HF, (AF, DM2, HT),
    (),
    {
        "aarsak": [
            "Tiltagende tungpust og hovne ben den siste uken.",
            "Vekten har økt med fire kilo på ti dager ifølge hjemmesykepleiens målinger.",
            "Klarer ikke å ligge flatt om natten og har sovet sittende i stolen.",
            "Legevaktslegen vurderte at innleggelse var nødvendig.",
        ],
        "status": [
            "Innlagt med forverring av kjent hjertesvikt med ødemer og tungpust.",
            "Behandles med vanndrivende intravenøst med god effekt, vekten er redusert med tre kilo.",
            "Fortsatt noe tungpust ved anstrengelse.",
        ],
        "antatt": [
            "Forventer at vanndrivende kan gis som tabletter innen få dager.",
            "Daglig veiing etter utskrivning vil være viktig.",
            "Antas å komme tilbake til tidligere funksjonsnivå.",
        ],
        "problem": ["Innlagt med forverring av kjent hjertesvikt."],
        "forlop": [
            "Behandlet med Furix intravenøst med god diurese.",
            "Vekten ble redusert fra 78 til 73 kilo under oppholdet.",
            "Tilsyn av kardiolog, og dosen av Burinex er økt.",
            "Ekkokardiografi viser redusert pumpefunksjon, uendret fra tidligere undersøkelse.",
            "Kalium og kreatinin er fulgt daglig og har vært stabile.",
        ],
        "funn": [
            "EKG viser atrieflimmer med kontrollert frekvens.",
            "NT-proBNP var forhøyet ved innkomst og har falt under oppholdet.",
            "Røntgen thorax viser stuvning og små mengder pleuravæske på begge sider.",
        ],
        "plan": [
            "Daglig veiing av hjemmesykepleien. Ved vektøkning over to kilo på tre dager kontaktes fastlege.",
            "Kontroll av kalium og kreatinin hos fastlege om en uke.",
            "Væskerestriksjon på 1,5 liter per døgn.",
            "Kontroll ved hjertepoliklinikken om seks uker.",
        ],
    },
))

_add(Scenario(
    "erysipelas", Diagnosis("A46", "Erysipelas"), (DM2, HT, HF),
    (APOCILLIN,),
    {
        "aarsak": [
            "Rødme, hevelse og varme i venstre legg de siste to døgnene.",
            "Feber 38,5 og frysninger i går kveld.",
            "Har et sår på venstre legg som hjemmesykepleien har stelt i flere uker.",
            "Klarer ikke å støtte på benet på grunn av smerter.",
        ],
        "status": [
            "Innlagt med rosen i venstre legg.",
            "Behandles med intravenøs penicillin, og rødmen har gått tydelig tilbake.",
            "Benet holdes høyt, og hevelsen avtar.",
        ],
        "antatt": [
            "Forventer overgang til tablettbehandling om to døgn.",
            "Antas utskrivningsklar i løpet av fire til fem døgn.",
            "Vil ha behov for sårstell i hjemmet etter utskrivning.",
        ],
        "problem": ["Innlagt med uttalt rosen i venstre legg."],
        "forlop": [
            "Startet umiddelbart med penicillinbehandling ved innkomst med god effekt.",
            "Utslettet er gått tilbake, og {han} kan fortsette med tablettbehandling hjemme.",
            "Tilsyn av sårsykepleier, som har lagt plan for sårstell.",
            "Blodsukkeret har vært noe høyt under infeksjonen, men er nå stabilt.",
        ],
        "funn": [
            "Sårprøve viser vekst av betahemolytiske streptokokker gruppe A.",
            "Ultralyd av venstre ben viser ikke tegn til blodpropp.",
        ],
        "plan": [
            "Sårstell annenhver dag med skumbandasje.",
            "Kompresjonsstrømpe tas i bruk når hevelsen har gått tilbake.",
            "Fastlege kontrollerer såret om to uker.",
        ],
    },
))

_add(Scenario(
    "uvi", Diagnosis("N390", "Urinveisinfeksjon med uspesifisert lokalisasjon"),
    (Diagnosis("F059", "Delirium, uspesifisert"), DEM, HT),
    (Drug("Selexid", "200", "mg", "1 tabl 3 ganger daglig", "2", ("J01CA08", "Pivmecillinam"), days=4),),
    {
        "aarsak": [
            "Akutt forvirring det siste døgnet og ulik seg selv ifølge hjemmesykepleien.",
            "Har sluttet å spise og drikke og har vært urolig i natt.",
            "Luktende urin og hyppig vannlating de siste dagene.",
            "Fastlegen kunne ikke komme på hjemmebesøk, og legevakten la {ham} inn.",
        ],
        "status": [
            "Innlagt med urinveisinfeksjon og akutt forvirring.",
            "Behandles med antibiotika og væske, og forvirringen avtar gradvis.",
            "Sover bedre om natten og spiser litt mer.",
        ],
        "antatt": [
            "Forventer at forvirringen går tilbake i løpet av noen dager.",
            "Vil trolig trenge tilsyn flere ganger daglig den første tiden hjemme.",
        ],
        "problem": ["Innlagt med urinveisinfeksjon og delirium."],
        "forlop": [
            "Urinstiks positiv for leukocytter og nitritt. Dyrkning viser E. coli.",
            "Behandlet med Selexid tabletter med god effekt.",
            "Forvirringen har gradvis avtatt og nærmer seg habitualtilstanden.",
            "Fikk intravenøs væske de to første døgnene.",
        ],
        "funn": ["Urindyrkning viser E. coli følsom for mecillinam.", "CT caput uten akutte funn."],
        "plan": [
            "Fortsetter med Selexid ut kuren.",
            "Bør ha tilsyn flere ganger daglig den første uken.",
            "Anbefaler kartlegging av kognitiv funksjon i kommunen når tilstanden er stabil.",
        ],
    },
))

_add(Scenario(
    "kols", Diagnosis("J441", "Kronisk obstruktiv lungesykdom med akutt forverrelse, uspesifisert"), (HT, OSTEO),
    (Drug("Prednisolon", "5", "mg", "8 tabl kl 08", "2", ("H02AB06", "Prednisolon"), days=3),),
    {
        "aarsak": [
            "Økende tungpust og hoste med gult ekspektorat den siste uken.",
            "Får ikke effekt av inhalasjonene {han} bruker hjemme.",
            "Klarer ikke lenger å gå fra stuen til badet uten å stoppe.",
        ],
        "status": [
            "Innlagt med forverring av kjent kols.",
            "Behandles med forstøverinhalasjoner, kortison og oksygen med effekt.",
            "Oksygenbehovet er redusert, og {han} mobiliseres på rommet.",
        ],
        "antatt": ["Antas utskrivningsklar i løpet av fem døgn.", "Trenger trolig noe mer hjelp hjemme den første uken."],
        "problem": ["Innlagt med akutt forverring av kols."],
        "forlop": [
            "Behandlet med forstøverinhalasjoner fire ganger daglig og Prednisolon 40 mg daglig.",
            "Oksygenmetningen har stabilisert seg rundt 92 prosent uten tilført oksygen.",
            "Inhalasjonsteknikken er gjennomgått, og {han} bruker nå inhalator med kammer.",
        ],
        "funn": ["Blodgass ved innkomst viste lett hyperkapni.", "Røntgen thorax uten infiltrater."],
        "plan": [
            "Prednisolon avsluttes etter totalt fem dager.",
            "Kontroll hos fastlege om to uker.",
            "Henvises til lungerehabilitering i kommunen.",
        ],
    },
))

_add(Scenario(
    "hjerneslag", Diagnosis("I639", "Hjerneinfarkt, uspesifisert"), (HT, DM2),
    (Drug("Eliquis", "5", "mg", "1 tabl kl 08 og 20", "1", ("B01AF02", "Apiksaban")),
     Drug("Atorvastatin", "40", "mg", "1 tabl kl 20", "1", ("C10AA05", "Atorvastatin"))),
    {
        "aarsak": [
            "Plutselig oppstått svakhet i høyre arm og utydelig tale i morges.",
            "Hjemmesykepleien fant {ham} sittende i stolen og ringte 113.",
            "Symptomene hadde trolig vart i flere timer før {han} ble funnet.",
        ],
        "status": [
            "Innlagt med hjerneinfarkt med lammelse i høyre arm og talevansker.",
            "Kraften i armen er noe bedret, talen er fortsatt utydelig.",
            "Svelgfunksjonen er vurdert og {han} spiser normal kost.",
        ],
        "antatt": [
            "Forventer videre bedring med trening.",
            "Vil ha behov for rehabilitering og økt hjelp i hjemmet.",
        ],
        "problem": ["Innlagt med akutt hjerneinfarkt."],
        "forlop": [
            "CT caput viste ikke blødning. Ikke aktuell for trombolyse på grunn av ukjent debuttidspunkt.",
            "Svelgtest bestått etter to døgn, og {han} spiser nå normal kost.",
            "Kraften i høyre arm er gradvis bedret med trening.",
            "Startet med Eliquis og Atorvastatin som sekundærprofylakse.",
        ],
        "funn": ["MR caput viser ferskt infarkt i venstre hemisfære.", "Ultralyd av halskar uten betydningsfulle forsnevringer."],
        "plan": [
            "Fortsette trening av høyre arm med ergoterapeut og fysioterapeut i kommunen.",
            "Kontroll ved slagpoliklinikken om tre måneder.",
            "Blodtrykket bør ligge under 140/90; kontrolleres hos fastlege om to uker.",
        ],
    },
))

_add(Scenario(
    "dehydrering", Diagnosis("E86", "Volumdeplesjon"),
    (Diagnosis("R296", "Tendens til å falle, ikke klassifisert annet sted"), DEM, HT),
    (),
    {
        "aarsak": [
            "Funnet på gulvet av hjemmesykepleien. Det er uklart hvor lenge {han} hadde ligget.",
            "Har spist og drukket svært lite den siste uken.",
            "Virket tørr i munnen og var svimmel ved forsøk på å reise seg.",
        ],
        "status": [
            "Innlagt etter fall og med tegn på uttørking.",
            "Har fått intravenøs væske og er i klar bedring.",
            "Ingen brudd påvist etter fallet.",
        ],
        "antatt": ["Antas utskrivningsklar innen tre til fire døgn.", "Trenger tett oppfølging av væske og ernæring hjemme."],
        "problem": ["Innlagt med uttørking etter fall i hjemmet."],
        "forlop": [
            "Rehydrert med intravenøs væske de to første døgnene.",
            "Kreatinin falt fra 160 til 95 under oppholdet.",
            "CK var lett forhøyet ved innkomst, men er normalisert.",
            "Blodtrykksmedisinen er redusert på grunn av lavt blodtrykk ved innkomst.",
        ],
        "funn": ["Røntgen av bekken og hofter uten brudd.", "EKG uten akutte forandringer."],
        "plan": [
            "Drikkeliste første uke etter hjemkomst.",
            "Vurdere fallforebyggende tiltak i hjemmet.",
            "Blodtrykket kontrolleres hos fastlege om to uker.",
        ],
    },
))
