"""A tiny character n-gram language identifier for citizen texts (es, en, ca, gl, eu).

The model is a multinomial naive Bayes over the character n-grams (1 to 4, inside word
boundaries) of the normalised text (:func:`routing_ml.routing._text.normalize_text`), with
a short list of function words per language counted as extra evidence. It trains in a few
milliseconds, so nothing but its seed corpus is shipped.

The default model (:func:`default_language_identifier`) is trained on the seed corpus of
this module: for each language, hand-written public-service sentences (appointments, taxes,
registration, waste collection, benefits, cards and payments) that the authors of
``routing_ml`` wrote for this purpose and release with the package under its licence.
Callers with labelled texts of their own (for example the synthetic center's ``language``
column) fit :class:`LanguageIdentifier` on them, and the seed corpus is added to their data.

Very short texts ("DNI", "multa", "padrón", "hola") are ambiguous between the Romance
languages and Basque. The identifier answers ``"und"`` (undetermined, the ISO 639-2 code)
unless the log-likelihood of the most likely language beats the runner-up by at least
``min_margin`` (default 5 nats: posterior odds of about 150 to 1 under the uniform prior);
an empty text gives ``"und"`` too. On the synthetic center's test texts the default
identifier leaves 1.1 % undetermined (mostly one- or two-word texts) and guesses wrong on
0.2 % of them (``experiments/results/bench_intent_synthetic.md``).
``min_margin=0`` answers the most likely language always.
The ``Router`` does not restrict a contact by language when its language is ``"und"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from routing_ml.routing._text import CharAnalyzer, normalize_text

__all__ = ["UNDETERMINED", "LanguageIdentifier", "default_language_identifier",
           "detect_language"]

UNDETERMINED = "und"


def language_code(value: object) -> str | None:
    """A training language label as a code (stripped, lower case), or None when unknown:
    None, NaN, empty text or ``"und"``."""
    import pandas as pd

    if value is None:
        return None
    if not isinstance(value, str):
        try:
            if pd.isna(value):  # NaN, pd.NA, NaT
                return None
        except (TypeError, ValueError):  # a sequence: not a missing value
            pass
    code = str(value).strip().lower()
    return None if code in ("", UNDETERMINED, "nan", "none") else code

_SEED: dict[str, tuple[str, ...]] = {
    "es": (
        "Quiero pedir cita previa para renovar el DNI y el pasaporte",
        "Hola, necesito información sobre el padrón municipal, me he mudado de casa",
        "¿Cómo puedo pagar el impuesto de circulación del coche? Me ha llegado una multa",
        "No han recogido la basura de mi calle desde el lunes y huele fatal",
        "Hay una farola apagada en la esquina y por la noche no se ve nada",
        "Buenos días, quería saber el estado de mi solicitud de ayuda para el alquiler",
        "Se ha roto la acera delante del colegio y es peligroso para los niños",
        "Me han cobrado dos veces el recibo del agua, quiero que me devuelvan el dinero",
        "Necesito un certificado de empadronamiento para hacer un trámite en el banco",
        "¿Dónde tengo que ir para solicitar la tarjeta sanitaria de mi hijo?",
        "Mi madre es mayor y no puede venir a la oficina, ¿se puede hacer por teléfono?",
        "He perdido mi tarjeta y quiero bloquearla cuanto antes, por favor",
        "La transferencia que hice ayer todavía no ha llegado a la cuenta",
        "Quiero darme de alta en el servicio de recogida de muebles y enseres",
        "Hay un coche abandonado en la calle desde hace semanas",
        "Tengo una duda con la declaración de la renta, ¿me pueden ayudar?",
        "El contenedor de vidrio está lleno y hay botellas por el suelo",
        "Quisiera cambiar la domiciliación bancaria de los impuestos municipales",
        "Han pintado grafitis en la fachada del edificio de enfrente",
        "No me funciona la aplicación y no puedo descargar el justificante",
        "Solicito la bonificación por familia numerosa en el impuesto de bienes inmuebles",
        "Quiero reclamar porque llevo tres meses esperando una respuesta",
        "Un árbol se ha caído en el parque y bloquea el paso",
        "¿Cuándo abren las oficinas de atención a la ciudadanía los sábados?",
        "Quiero presentar una queja por el ruido de las obras por la noche",
        # everyday past tenses (-aron, -ieron, -é, -í, -ó): without them a short Spanish
        # complaint in the preterite ("me cobraron ...") reads as Galician or Catalan; the
        # other languages have the same sentences, so that no language's n-gram counts
        # grow alone
        "Ayer fui a la oficina y no me dieron ninguna solución",
        "Los operarios arreglaron la farola pero volvió a fallar a los pocos días",
        "Me mandaron una notificación que no entiendo, ¿qué tengo que hacer?",
        "Pedí el certificado la semana pasada y todavía no me contestaron",
        "Compré las entradas por la web y el pago salió duplicado",
        "Olvidé la contraseña de la aplicación y no consigo entrar",
        "Ingresé dinero en el cajero y no aparece en mi saldo",
        "Me retuvieron la tarjeta en el cajero esta mañana",
        "Vinieron a podar los árboles y dejaron las ramas en la acera",
        "Presenté la solicitud en marzo y aún no sé nada",
        "Escribí un correo hace una semana y nadie me respondió",
        "Cambié de número de móvil y no me llegan los avisos",
        "Hablé con un agente y me dijo que esperara",
        "Los técnicos instalaron el contador nuevo pero marca mal",
        "Me pidieron el número de cuenta por teléfono y creo que es una estafa",
    ),
    "en": (
        "I would like to book an appointment to renew my passport",
        "Hello, I need information about registering at my new address",
        "How can I pay the vehicle tax? I received a fine in the post",
        "The rubbish on my street has not been collected since Monday",
        "There is a street light out on the corner and it is very dark at night",
        "Good morning, I wanted to know the status of my housing benefit application",
        "The pavement in front of the school is broken and dangerous for children",
        "I was charged twice for the water bill and I want my money back",
        "I need a certificate of residence for a procedure at the bank",
        "Where do I have to go to apply for my son's health card?",
        "My mother is elderly and cannot come to the office, can it be done by phone?",
        "I lost my card and want to block it as soon as possible, please",
        "The transfer I made yesterday has still not arrived in the account",
        "Why was my top up declined when I have money in my account?",
        "There is an abandoned car on the street that has been there for weeks",
        "I have a question about my tax return, can you help me?",
        "The glass recycling bin is full and there are bottles on the ground",
        "I would like to change the direct debit for my council tax",
        "Someone painted graffiti on the front of the building opposite",
        "The app is not working and I cannot download the receipt",
        "What is the exchange rate if I pay in euros with my card?",
        "I want to complain because I have been waiting three months for an answer",
        "A tree has fallen in the park and is blocking the path",
        "When are the citizen service offices open on Saturdays?",
        "I want to report noise from the building works at night",
        # the same past-tense complaints as in Spanish (the corpus stays parallel)
        "Yesterday I went to the office and they gave me no solution",
        "The workers fixed the street light but it failed again a few days later",
        "They sent me a notice that I do not understand, what do I have to do?",
        "I asked for the certificate last week and they still have not answered",
        "I bought the tickets on the website and the payment went through twice",
        "I forgot the password of the app and I cannot log in",
        "I paid money in at the cash machine and it does not show in my balance",
        "The cash machine kept my card this morning",
        "They came to prune the trees and left the branches on the pavement",
        "I submitted the application in March and I still know nothing",
        "I wrote an email a week ago and nobody answered me",
        "I changed my mobile number and the alerts do not reach me",
        "I spoke to an agent and he told me to wait",
        "The technicians installed the new meter but it reads wrong",
        "They asked me for my account number on the phone and I think it is a scam",
    ),
    "ca": (
        "Vull demanar cita prèvia per renovar el DNI i el passaport",
        "Hola, necessito informació sobre el padró municipal, m'he canviat de casa",
        "Com puc pagar l'impost de circulació del cotxe? M'ha arribat una multa",
        "No han recollit les escombraries del meu carrer des de dilluns",
        "Hi ha un fanal apagat a la cantonada i a la nit no s'hi veu res",
        "Bon dia, volia saber l'estat de la meva sol·licitud d'ajut per al lloguer",
        "S'ha trencat la vorera davant de l'escola i és perillós per als nens",
        "M'han cobrat dues vegades el rebut de l'aigua, vull que me'n tornin els diners",
        "Necessito un certificat d'empadronament per fer un tràmit al banc",
        "On he d'anar per sol·licitar la targeta sanitària del meu fill?",
        "La meva mare és gran i no pot venir a l'oficina, es pot fer per telèfon?",
        "He perdut la targeta i la vull bloquejar com més aviat millor, si us plau",
        "La transferència que vaig fer ahir encara no ha arribat al compte",
        "Vull donar-me d'alta en el servei de recollida de mobles i trastos vells",
        "Hi ha un cotxe abandonat al carrer des de fa setmanes",
        "Tinc un dubte amb la declaració de la renda, em podeu ajudar?",
        "El contenidor de vidre és ple i hi ha ampolles per terra",
        "Voldria canviar la domiciliació bancària dels impostos municipals",
        "Han pintat grafits a la façana de l'edifici del davant",
        "No em funciona l'aplicació i no puc descarregar el justificant",
        "Sol·licito la bonificació per família nombrosa a l'impost de béns immobles",
        "Vull reclamar perquè fa tres mesos que espero una resposta",
        "Un arbre ha caigut al parc i barra el pas",
        "Quan obren les oficines d'atenció ciutadana els dissabtes?",
        "Vull presentar una queixa pel soroll de les obres a la nit",
        # the same past-tense complaints as in Spanish (the corpus stays parallel)
        "Ahir vaig anar a l'oficina i no em van donar cap solució",
        "Els operaris han arreglat el fanal però torna a fallar al cap de pocs dies",
        "M'han enviat una notificació que no entenc, què he de fer?",
        "Vaig demanar el certificat la setmana passada i encara no m'han contestat",
        "He comprat les entrades per la web i el pagament ha sortit duplicat",
        "He oblidat la contrasenya de l'aplicació i no aconsegueixo entrar",
        "He ingressat diners al caixer i no apareixen al meu saldo",
        "Aquest matí el caixer m'ha retingut la targeta",
        "Han vingut a podar els arbres i han deixat les branques a la vorera",
        "Vaig presentar la sol·licitud al març i encara no en sé res",
        "Fa una setmana que he escrit un correu i ningú no m'ha respost",
        "He canviat de número de mòbil i no m'arriben els avisos",
        "Vaig parlar amb un agent i em va dir que esperés",
        "Els tècnics han instal·lat el comptador nou però marca malament",
        "M'han demanat el número de compte per telèfon i crec que és una estafa",
    ),
    "gl": (
        "Quero pedir cita previa para renovar o DNI e o pasaporte",
        "Ola, preciso información sobre o padrón municipal, cambiei de casa",
        "Como podo pagar o imposto de circulación do coche? Chegoume unha multa",
        "Non recolleron o lixo da miña rúa dende o luns",
        "Hai unha farola apagada na esquina e pola noite non se ve nada",
        "Bos días, quería saber o estado da miña solicitude de axuda para o aluguer",
        "Rompeu a beirarrúa diante do colexio e é perigoso para os nenos",
        "Cobráronme dúas veces o recibo da auga, quero que me devolvan os cartos",
        "Necesito un certificado de empadroamento para facer un trámite no banco",
        "Onde teño que ir para solicitar a tarxeta sanitaria do meu fillo?",
        "A miña nai é maior e non pode vir á oficina, pódese facer por teléfono?",
        "Perdín a tarxeta e quero bloqueala canto antes, por favor",
        "A transferencia que fixen onte aínda non chegou á conta",
        "Quero darme de alta no servizo de recollida de mobles e trastes",
        "Hai un coche abandonado na rúa dende hai semanas",
        "Teño unha dúbida coa declaración da renda, pódenme axudar?",
        "O colector de vidro está cheo e hai botellas polo chan",
        "Quería cambiar a domiciliación bancaria dos impostos municipais",
        "Pintaron grafitis na fachada do edificio de enfronte",
        "Non me funciona a aplicación e non podo descargar o xustificante",
        "Solicito a bonificación por familia numerosa no imposto de bens inmobles",
        "Quero reclamar porque levo tres meses agardando unha resposta",
        "Caeu unha árbore no parque e bloquea o paso",
        "Cando abren as oficinas de atención á cidadanía os sábados?",
        "Quero presentar unha queixa polo ruído das obras pola noite",
        # the same past-tense complaints as in Spanish (the corpus stays parallel)
        "Onte fun á oficina e non me deron ningunha solución",
        "Os operarios arranxaron a farola pero volveu fallar aos poucos días",
        "Mandáronme unha notificación que non entendo, que teño que facer?",
        "Pedín o certificado a semana pasada e aínda non me contestaron",
        "Merquei as entradas pola web e o pagamento saíu duplicado",
        "Esquecín o contrasinal da aplicación e non consigo entrar",
        "Ingresei cartos no caixeiro e non aparecen no meu saldo",
        "Esta mañá o caixeiro retívome a tarxeta",
        "Viñeron podar as árbores e deixaron as pólas na beirarrúa",
        "Presentei a solicitude en marzo e aínda non sei nada",
        "Escribín un correo hai unha semana e ninguén me respondeu",
        "Cambiei de número de móbil e non me chegan os avisos",
        "Falei cun axente e díxome que agardase",
        "Os técnicos instalaron o contador novo pero marca mal",
        "Pedíronme o número de conta por teléfono e creo que é unha estafa",
    ),
    "eu": (
        "Aurretiko hitzordua eskatu nahi dut NANa eta pasaportea berritzeko",
        "Kaixo, udal erroldari buruzko informazioa behar dut, etxez aldatu naiz",
        "Nola ordaindu dezaket autoaren zirkulazio zerga? Isun bat iritsi zait",
        "Astelehenetik ez dute zaborra jaso nire kalean",
        "Izkinan farola bat itzalita dago eta gauez ez da ezer ikusten",
        "Egun on, alokairurako laguntza eskaeraren egoera jakin nahi nuen",
        "Eskolaren aurreko espaloia hautsita dago eta arriskutsua da haurrentzat",
        "Uraren ordainagiria bi aldiz kobratu didate, dirua itzultzea nahi dut",
        "Erroldatze ziurtagiri bat behar dut bankuan izapide bat egiteko",
        "Nora joan behar dut nire semearen osasun txartela eskatzeko?",
        "Nire ama adinekoa da eta ezin da bulegora etorri, telefonoz egin daiteke?",
        "Txartela galdu dut eta ahalik eta lasterren blokeatu nahi dut, mesedez",
        "Atzo egin nuen transferentzia oraindik ez da kontura iritsi",
        "Altan eman nahi dut altzariak eta tresna zaharrak biltzeko zerbitzuan",
        "Auto bat abandonatuta dago kalean duela aste batzuetatik",
        "Errenta aitorpenari buruzko zalantza bat daukat, lagundu diezadakezue?",
        "Beira edukiontzia beteta dago eta botilak daude lurrean",
        "Udal zergen helbideratze bankarioa aldatu nahiko nuke",
        "Aurreko eraikinaren fatxadan grafitiak margotu dituzte",
        "Aplikazioak ez dit funtzionatzen eta ezin dut egiaztagiria deskargatu",
        "Familia ugariaren hobaria eskatzen dut ondasun higiezinen gaineko zergan",
        "Erreklamatu nahi dut hiru hilabete daramatzadalako erantzun baten zain",
        "Zuhaitz bat erori da parkean eta bidea oztopatzen du",
        "Noiz irekitzen dira herritarren arreta bulegoak larunbatetan?",
        "Kexa bat aurkeztu nahi dut gaueko obren zarataren ondorioz",
        # the same past-tense complaints as in Spanish (the corpus stays parallel)
        "Atzo bulegora joan nintzen eta ez zidaten inolako irtenbiderik eman",
        "Langileek farola konpondu zuten baina egun gutxira berriro hondatu zen",
        "Ulertzen ez dudan jakinarazpen bat bidali zidaten, zer egin behar dut?",
        "Joan den astean ziurtagiria eskatu nuen eta oraindik ez didate erantzun",
        "Sarrerak webgunean erosi nituen eta ordainketa bikoiztuta atera zen",
        "Aplikazioaren pasahitza ahaztu zait eta ezin naiz sartu",
        "Kutxazainean dirua sartu nuen eta ez da nire saldoan agertzen",
        "Gaur goizean kutxazainak txartela atxiki dit",
        "Zuhaitzak inausten etorri ziren eta adarrak espaloian utzi zituzten",
        "Eskaera martxoan aurkeztu nuen eta oraindik ez dakit ezer",
        "Duela aste bat mezu bat idatzi nuen eta inork ez zidan erantzun",
        "Mugikor zenbakia aldatu nuen eta ez zaizkit abisuak iristen",
        "Agente batekin hitz egin nuen eta itxaroteko esan zidan",
        "Teknikariek kontagailu berria instalatu zuten baina gaizki neurtzen du",
        "Telefonoz kontu zenbakia eskatu zidaten eta iruzur bat dela uste dut",
    ),
}

# Function words: each occurrence adds the weight of several n-grams to its language.
_FUNCTION_WORDS: dict[str, tuple[str, ...]] = {
    "es": ("el", "los", "las", "del", "y", "que", "para", "por", "una", "con", "mi", "no",
           "hay", "quiero", "necesito", "esta", "pero", "como", "donde", "cuando", "desde",
           "ayuda", "calle", "hola", "gracias", "muy", "tengo", "puedo", "han", "ha"),
    "en": ("the", "and", "to", "of", "my", "is", "for", "i", "you", "it", "in", "have",
           "with", "can", "not", "was", "what", "how", "why", "do", "does", "want", "need",
           "please", "there", "this", "that", "on", "card", "account"),
    "ca": ("el", "els", "les", "del", "i", "que", "per", "amb", "una", "meu", "meva", "no",
           "hi", "vull", "necessito", "aquesta", "pero", "com", "on", "quan", "des", "carrer",
           "gracies", "molt", "tinc", "puc", "han", "ha", "l", "d", "m", "s", "n"),
    "gl": ("o", "os", "as", "do", "da", "das", "e", "que", "para", "por", "unha",
           "con", "miña", "non", "hai", "quero", "preciso", "esta", "pero", "como", "onde",
           "cando", "dende", "rua", "ola", "grazas", "moi", "teño", "podo", "no", "na"),
    "eu": ("eta", "da", "du", "dut", "dago", "ez", "bat", "nire", "zer", "nola", "nahi",
           "behar", "mesedez", "kaixo", "eskerrik", "asko", "egin", "dute", "izan", "dira",
           "baina", "edo", "hau", "hori", "non", "noiz", "zergatik", "kalean", "dit", "naiz"),
}
_FUNCTION_WORD_WEIGHT = 3.0
_WORD_CACHE_MAX = 50_000  # words whose scores are memoised per identifier (~15 MB at most)


class LanguageIdentifier:
    """Multinomial naive Bayes over character n-grams, with a fast single-text path.

    Parameters
    ----------
    ngram_range : character n-gram lengths (inside word boundaries).
    alpha : additive (Laplace) smoothing of the n-gram counts.
    max_chars : only the first ``max_chars`` characters of a text are read.
    min_margin : the answer is ``"und"`` unless the most likely language's log-likelihood
        beats the runner-up's by at least this many nats (>= 0; 0 always answers the most
        likely language).
    """

    #: default of identifiers pickled before ``min_margin`` existed
    min_margin: float = 5.0

    def __init__(self, ngram_range: tuple[int, int] = (1, 4), alpha: float = 0.5,
                 max_chars: int = 500, min_margin: float = 5.0) -> None:
        self.ngram_range = ngram_range
        self.alpha = alpha
        self.max_chars = max_chars
        self.min_margin = min_margin

    def fit(self, texts: Sequence[str], languages: Sequence[str | None],
            *, add_seed_corpus: bool = True) -> LanguageIdentifier:
        """Count n-grams per language; the seed corpus is added unless told otherwise.

        Raises
        ------
        ValueError : ``texts`` and ``languages`` differ in length, fewer than two
            languages are present, or ``min_margin`` is not a number >= 0.
        """
        try:
            margin_ok = float(self.min_margin) >= 0
        except (TypeError, ValueError):
            margin_ok = False
        if not margin_ok:
            raise ValueError(f"min_margin must be a number of nats >= 0 (e.g. 5.0), got "
                             f"{self.min_margin!r}")
        texts = list(texts)
        languages = list(languages)
        if len(texts) != len(languages):
            raise ValueError(
                f"texts has {len(texts)} items but languages has {len(languages)}; "
                "give one language code per text")
        # a text of unknown language (None, NaN, '' or 'und') teaches nothing: left out
        # ('' would become a language the identifier answers)
        keep = [language_code(lang) for lang in languages]
        texts = [t for t, k in zip(texts, keep, strict=True) if k is not None]
        codes = [k for k in keep if k is not None]
        if add_seed_corpus:
            for lang, sentences in _SEED.items():
                texts.extend(sentences)
                codes.extend([lang] * len(sentences))
        self.languages_ = tuple(sorted(set(codes)))
        if len(self.languages_) < 2:
            raise ValueError(
                f"a language identifier needs at least two languages, got {self.languages_}")
        analyzer = CharAnalyzer(self.ngram_range)
        self._analyzer = analyzer
        lang_index = {lang: i for i, lang in enumerate(self.languages_)}
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for text, lang in zip(texts, codes, strict=True):
            grams = analyzer(normalize_text(text, self.max_chars))
            li = lang_index[lang]
            for g in grams:
                j = vocab.setdefault(g, len(vocab))
                rows.append(li)
                cols.append(j)
        counts = np.zeros((len(self.languages_), len(vocab)), dtype=np.float64)
        np.add.at(counts, (np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp)),
                  1.0)
        smoothed = counts + self.alpha
        log_prob = np.log(smoothed) - np.log(smoothed.sum(axis=1, keepdims=True))
        # (n_features, n_languages), contiguous for the gather of the single path
        self.vocabulary_ = vocab
        self.feature_log_prob_ = np.ascontiguousarray(log_prob.T)
        self.unseen_log_prob_ = np.log(self.alpha) - np.log(smoothed.sum(axis=1))
        words: dict[str, np.ndarray] = {}
        for lang, wlist in _FUNCTION_WORDS.items():
            if lang not in lang_index:
                continue
            for w in wlist:
                w = normalize_text(w)
                vec = words.setdefault(w, np.zeros(len(self.languages_)))
                vec[lang_index[lang]] += _FUNCTION_WORD_WEIGHT
        self.function_words_ = words
        self._word_cache: dict[str, tuple[float, ...]] = {}
        return self

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_word_cache", None)  # a memo, rebuilt as texts come
        return state

    def _word_log_scores(self, word: str) -> tuple[float, ...]:
        """Log-likelihood of one word per language: its n-grams (the unknown ones at the
        smoothing floor) plus its function-word bonus."""
        vocab = self.vocabulary_
        idx = [vocab.get(g, -1) for g in self._analyzer.word(word)]
        known = [i for i in idx if i >= 0]
        n_unknown = len(idx) - len(known)
        scores = self.feature_log_prob_[known].sum(axis=0) if known else np.zeros(
            len(self.languages_))
        if n_unknown:
            # an n-gram no language has is no evidence for any: the same floor everywhere
            # (each language's own floor favoured the smallest corpus: "kkkk zzzz" was
            # Basque, with a margin growing with the length of the junk)
            scores = scores + n_unknown * float(np.mean(self.unseen_log_prob_))
        bonus = self.function_words_.get(word)
        if bonus is not None:
            scores = scores + bonus
        return tuple(scores.tolist())

    def _text_log_scores(self, normalized: str) -> list[float]:
        """Log-likelihood of a normalised text per language: the sum of its words' (the
        n-grams never cross a word boundary, so the model is a sum over words). Words'
        scores are memoised (up to ``_WORD_CACHE_MAX`` words): a text then costs one
        dictionary lookup per word."""
        try:
            cache = self._word_cache
        except AttributeError:
            cache = self._word_cache = {}
        words = []
        for w in normalized.split():
            v = cache.get(w)
            if v is None:
                v = self._word_log_scores(w)
                if len(cache) < _WORD_CACHE_MAX:
                    cache[w] = v
            words.append(v)
        if len(words) <= 1:  # an empty text scores 0 everywhere (uniform posterior)
            return list(words[0]) if words else [0.0] * len(self.languages_)
        return [sum(col) for col in zip(*words, strict=True)]

    def _log_scores(self, normalized: str) -> np.ndarray:
        return np.array(self._text_log_scores(normalized))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Posterior probability of each language in ``languages_`` (rows sum to 1; a
        row of an empty text is uniform)."""
        out = np.empty((len(texts), len(self.languages_)))
        for i, text in enumerate(texts):
            s = self._log_scores(normalize_text(text, self.max_chars))
            s = s - s.max()
            p = np.exp(s)
            out[i] = p / p.sum()
        return out

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """The most likely language code of each text; ``"und"`` for an empty text or when
        the runner-up is within ``min_margin`` nats."""
        out = np.empty(len(texts), dtype=object)
        for i, text in enumerate(texts):
            out[i] = self.predict_one(text)
        return out

    def predict_one(self, text: str) -> str:
        """Language code of one text, without array overhead (``"und"`` if empty or not
        confident, as :meth:`predict`)."""
        return self.predict_normalized(normalize_text(text, self.max_chars))

    def predict_normalized(self, normalized: str) -> str:
        """Language code of one text already normalised (:func:`normalize_text` with at
        least ``max_chars``)."""
        if not normalized:
            return UNDETERMINED
        scores = self._text_log_scores(normalized)
        best = max(scores)
        top = scores.index(best)  # the first maximum, as argmax
        runner_up = max(scores[:top] + scores[top + 1:])
        if best - runner_up < float(self.min_margin):
            return UNDETERMINED
        return self.languages_[top]


@lru_cache(maxsize=1)
def default_language_identifier() -> LanguageIdentifier:
    """The identifier trained on the seed corpus only (cached; trains in milliseconds)."""
    return LanguageIdentifier().fit([], [], add_seed_corpus=True)


def detect_language(texts: Sequence[str]) -> np.ndarray:
    """Language code (es, en, ca, gl, eu; ``"und"`` if empty or ambiguous) of each text,
    with the default identifier."""
    return default_language_identifier().predict(list(texts))
