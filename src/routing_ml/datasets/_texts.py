"""Templates of the synthetic contact texts (Spanish, English, Catalan, Galician, Basque).

A text is ``[repeat prefix] + opener + core + [detail] + closer``, where the core is an
intent phrase with slots (``{ref}``, ``{plate}``, ``{street}``, ``{nie}``, ``{amount}``,
``{date}``, ``{year}``) or, for a small share of contacts, a vague sentence that carries no
intent information (the irreducible error of any intent classifier). Phrases of different
intents deliberately share words ("cita", "certificado", "recibo", "ayuda") so that the
problem is not keyword matching. Noise (typos, missing accents, casing) is added by
:func:`routing_ml.datasets.synthetic` after assembly.
"""

from __future__ import annotations

LANGUAGES = ("es", "en", "ca", "gl", "eu")

# intent -> language -> core phrases (slots filled at generation time)
PHRASES: dict[str, dict[str, list[str]]] = {
    "cita_previa": {
        "es": [
            "quiero pedir cita previa para {date}",
            "necesito una cita en la oficina de atencion al ciudadano",
            "no encuentro hueco para pedir cita previa, esta todo lleno",
            "como puedo reservar cita presencial para {date}",
            "me gustaría concertar una cita previa en la junta de distrito",
            "quisiera solicitar cita para hacer un tramite {date}",
            "la web de cita previa no me deja elegir oficina",
            "hay citas disponibles esta semana en la oficina de {street}?",
        ],
        "en": [
            "I would like to book an appointment for {date}",
            "how do I get an appointment at the citizen office",
            "there are no appointment slots available online, can you help",
            "I need to schedule an in-person appointment {date}",
            "can I book a slot at the district office on {street}",
        ],
        "ca": [
            "vull demanar cita previa per {date}",
            "necessito una cita a l'oficina d'atenció ciutadana",
            "no trobo cap hora disponible per demanar cita",
        ],
        "gl": [
            "quero pedir cita previa para {date}",
            "necesito unha cita na oficina de atención á cidadanía",
            "non atopo ningunha cita dispoñible",
        ],
        "eu": [
            "aurretiko hitzordua eskatu nahi dut {date}",
            "herritarren arreta bulegoan hitzordu bat behar dut",
            "ez dut hitzordu librerik aurkitzen",
        ],
    },
    "cita_cancelar": {
        "es": [
            "quiero anular la cita que tengo {date}",
            "necesito cambiar la fecha de mi cita, localizador {ref}",
            "no puedo ir a la cita de {date}, como la cancelo",
            "me gustaria modificar la hora de la cita previa",
            "tengo cita {date} pero me ha surgido un imprevisto, quiero cambiarla",
            "no me ha llegado el sms de confirmacion de la cita {ref}",
        ],
        "en": [
            "I need to cancel my appointment on {date}",
            "can I change the time of my appointment, reference {ref}",
            "I cannot make it to my appointment {date}, please reschedule",
            "I never got the confirmation text for my booking {ref}",
        ],
        "ca": [
            "vull anul·lar la cita que tinc {date}",
            "necessito canviar l'hora de la meva cita, localitzador {ref}",
        ],
        "gl": [
            "quero anular a cita que teño {date}",
            "necesito cambiar a data da miña cita, localizador {ref}",
        ],
        "eu": [
            "{date} dudan hitzordua ezeztatu nahi dut",
            "nire hitzorduaren ordua aldatu behar dut, {ref} erreferentzia",
        ],
    },
    "padron_alta": {
        "es": [
            "me he mudado a {street} y quiero empadronarme",
            "como hago el alta en el padron municipal",
            "necesito cambiar mi domicilio en el padrón, ahora vivo en {street}",
            "que documentos hacen falta para empadronar a mi hijo recien nacido",
            "quiero dar de alta en el padron a mi pareja en {street}",
            "tengo cita para empadronarme pero no se que papeles llevar",
            "el propietario no me deja empadronarme en el piso de alquiler",
        ],
        "en": [
            "I just moved to {street} and need to register my address",
            "how do I register on the municipal census (padron)",
            "what documents do I need to register my new address",
            "I want to add my partner to the census at {street}",
        ],
        "ca": [
            "m'he mudat a {street} i vull empadronar-me",
            "com faig l'alta al padró municipal",
        ],
        "gl": [
            "mudeime a {street} e quero empadroarme",
            "como fago a alta no padrón municipal",
        ],
        "eu": [
            "{street} kalera aldatu naiz eta erroldatu nahi dut",
            "nola eman dezaket alta udal erroldan",
        ],
    },
    "padron_certificado": {
        "es": [
            "necesito un certificado de empadronamiento para {date}",
            "como descargo el volante de empadronamiento",
            "me piden un certificado de padron historico para la ayuda",
            "quiero un volante de convivencia para presentar en el colegio",
            "el certificado de empadronamiento me sale con la direccion antigua",
            "puedo pedir el volante del padron por internet sin certificado digital?",
        ],
        "en": [
            "I need a certificate of registration (empadronamiento)",
            "how can I download my census certificate",
            "they ask me for a proof of address certificate from the padron",
            "the census certificate shows my old address",
        ],
        "ca": [
            "necessito un certificat d'empadronament",
            "com puc descarregar el volant d'empadronament",
        ],
        "gl": [
            "necesito un certificado de empadroamento",
            "como descargo o volante de empadroamento",
        ],
        "eu": [
            "erroldatze ziurtagiri bat behar dut",
            "nola deskargatu dezaket erroldako agiria",
        ],
    },
    "ibi": {
        "es": [
            "tengo una duda con el recibo del IBI de {year}",
            "quiero domiciliar el impuesto de bienes inmuebles",
            "me ha llegado el IBI de un piso que vendi el año pasado",
            "puedo fraccionar el pago del IBI de la vivienda de {street}?",
            "el importe del ibi ha subido a {amount} euros, por que",
            "no me han cobrado el recibo de la contribucion de este año",
            "quiero solicitar la bonificacion del IBI por familia numerosa",
        ],
        "en": [
            "I have a question about my property tax (IBI) bill for {year}",
            "how do I set up direct debit for the IBI",
            "I got the property tax for a flat I sold last year",
            "why is my IBI {amount} euros this year",
        ],
        "ca": [
            "tinc un dubte amb el rebut de l'IBI de {year}",
            "vull domiciliar l'impost de béns immobles",
        ],
        "gl": [
            "teño unha dúbida co recibo do IBI de {year}",
            "quero domiciliar o imposto de bens inmobles",
        ],
        "eu": [
            "{year}ko OHZ ordainagiriari buruzko zalantza bat daukat",
            "ondasun higiezinen gaineko zerga helbideratu nahi dut",
        ],
    },
    "ivtm": {
        "es": [
            "me ha llegado el impuesto de circulacion del coche {plate}",
            "quiero pagar el impuesto de vehiculos de tracción mecanica",
            "vendi la moto {plate} y me siguen cobrando el impuesto",
            "como solicito la exencion del IVTM por discapacidad",
            "el recibo del impuesto del coche viene a nombre de otra persona",
            "no he recibido el recibo de circulacion de {year}",
        ],
        "en": [
            "I received the road tax for my car {plate}",
            "how do I pay the vehicle tax",
            "I sold my motorbike {plate} but I still get the tax bill",
            "can I get a vehicle tax exemption for disability",
        ],
        "ca": [
            "m'ha arribat l'impost de circulació del cotxe {plate}",
            "vaig vendre la moto {plate} i encara em cobren l'impost",
        ],
        "gl": [
            "chegoume o imposto de circulación do coche {plate}",
            "vendín a moto {plate} e seguen cobrándome o imposto",
        ],
        "eu": [
            "{plate} autoaren zirkulazio zerga iritsi zait",
            "{plate} motoa saldu nuen eta oraindik zerga kobratzen didate",
        ],
    },
    "plusvalia": {
        "es": [
            "tengo que pagar la plusvalia por la venta del piso de {street}",
            "como se calcula la plusvalia municipal de una herencia",
            "he heredado una vivienda y me piden la plusvalía, {amount} euros",
            "quiero presentar la autoliquidacion del incremento de valor de los terrenos",
            "vendi con perdidas, tengo que pagar plusvalia igualmente?",
        ],
        "en": [
            "I need to pay the municipal capital gains tax (plusvalia) on a sale",
            "how is the plusvalia calculated for an inheritance",
            "I sold my flat at a loss, do I still pay the plusvalia",
        ],
        "ca": [
            "he de pagar la plusvàlua per la venda del pis de {street}",
            "com es calcula la plusvàlua d'una herència",
        ],
        "gl": [
            "teño que pagar a plusvalía pola venda do piso de {street}",
            "como se calcula a plusvalía dunha herdanza",
        ],
        "eu": [
            "{street} kaleko etxearen salmentagatik gainbalioa ordaindu behar dut",
            "nola kalkulatzen da herentzia baten gainbalio zerga",
        ],
    },
    "multa": {
        "es": [
            "me han puesto una multa de aparcamiento, expediente {ref}",
            "quiero recurrir una sancion de trafico del coche {plate}",
            "como identifico al conductor de la multa {ref}",
            "me ha llegado una multa de zona de bajas emisiones de {amount} euros",
            "puedo pagar la multa con el descuento del 50 por ciento todavia?",
            "me ha multado la grua y quiero saber donde esta el coche {plate}",
        ],
        "en": [
            "I got a parking fine, reference {ref}",
            "I want to appeal a traffic fine for car {plate}",
            "can I still pay the fine with the 50 percent discount",
            "I received a low emission zone fine of {amount} euros",
        ],
        "ca": [
            "m'han posat una multa d'aparcament, expedient {ref}",
            "vull recórrer una sanció de trànsit del cotxe {plate}",
        ],
        "gl": [
            "puxéronme unha multa de aparcamento, expediente {ref}",
            "quero recorrer unha sanción de tráfico do coche {plate}",
        ],
        "eu": [
            "aparkatzeko isun bat jarri didate, {ref} espedientea",
            "{plate} autoaren trafiko isuna errekurritu nahi dut",
        ],
    },
    "ayuda_social": {
        "es": [
            "quiero solicitar el ingreso minimo vital",
            "estoy sin ingresos y necesito una ayuda de emergencia social",
            "como pido la ayuda para el alquiler, expediente {ref}",
            "me han denegado la renta minima y no entiendo por que",
            "necesito hablar con la trabajadora social de mi zona",
            "solicite la ayuda de comedor escolar hace meses y no se nada",
            "no puedo pagar la luz este mes, hay alguna ayuda?",
        ],
        "en": [
            "I want to apply for the minimum income benefit",
            "I have no income and need emergency social assistance",
            "how do I apply for the rent support, case {ref}",
            "I need to talk to a social worker in my area",
        ],
        "ca": [
            "vull sol·licitar l'ingrés mínim vital",
            "necessito una ajuda d'emergència social",
        ],
        "gl": [
            "quero solicitar o ingreso mínimo vital",
            "necesito unha axuda de emerxencia social",
        ],
        "eu": [
            "gutxieneko bizitza diru sarrera eskatu nahi dut",
            "gizarte larrialdiko laguntza bat behar dut",
        ],
    },
    "dependencia": {
        "es": [
            "quiero solicitar la valoracion de dependencia para mi madre",
            "como pido la teleasistencia para una persona mayor",
            "llevo un año esperando la resolucion de la ley de dependencia, expediente {ref}",
            "necesito ayuda a domicilio para mi padre que vive en {street}",
            "quiero pedir plaza en un centro de dia para mayores",
        ],
        "en": [
            "I want to apply for a dependency assessment for my mother",
            "how do I request home care for an elderly person",
            "we are still waiting for the dependency decision, case {ref}",
        ],
        "ca": [
            "vull sol·licitar la valoració de dependència per a la meva mare",
            "com demano la teleassistència per a una persona gran",
        ],
        "gl": [
            "quero solicitar a valoración de dependencia para a miña nai",
            "como pido a teleasistencia para unha persoa maior",
        ],
        "eu": [
            "nire amarentzat mendekotasun balorazioa eskatu nahi dut",
            "nola eskatu telelaguntza adineko pertsona batentzat",
        ],
    },
    "licencia_obras": {
        "es": [
            "quiero hacer obras en mi piso de {street}, necesito licencia?",
            "como presento una declaracion responsable para reformar la cocina",
            "cuanto tarda la licencia de obra mayor, expediente {ref}",
            "me han parado la obra por no tener permiso",
            "necesito permiso para poner un andamio en la calle",
        ],
        "en": [
            "I want to renovate my flat on {street}, do I need a building permit",
            "how long does the building licence take, file {ref}",
            "do I need a permit to put scaffolding on the street",
        ],
        "ca": [
            "vull fer obres al meu pis de {street}, necessito llicència?",
            "quant triga la llicència d'obres, expedient {ref}",
        ],
        "gl": [
            "quero facer obras no meu piso de {street}, necesito licenza?",
            "canto tarda a licenza de obra, expediente {ref}",
        ],
        "eu": [
            "{street} kaleko etxean obrak egin nahi ditut, lizentzia behar dut?",
            "zenbat denbora behar du obra lizentziak, {ref} espedientea",
        ],
    },
    "licencia_actividad": {
        "es": [
            "voy a abrir un bar en {street}, que licencia de actividad necesito",
            "quiero solicitar permiso para la terraza del restaurante",
            "como tramito la licencia de apertura de un local comercial",
            "cambio de titularidad de la licencia del negocio, expediente {ref}",
            "necesito autorizacion para un puesto en el mercadillo",
        ],
        "en": [
            "I am opening a shop on {street}, what business licence do I need",
            "how do I apply for a terrace permit for my restaurant",
            "transfer of the opening licence of my business, file {ref}",
        ],
        "ca": [
            "obriré un bar a {street}, quina llicència d'activitat necessito",
            "vull demanar permís per a la terrassa del restaurant",
        ],
        "gl": [
            "vou abrir un bar en {street}, que licenza de actividade necesito",
            "quero pedir permiso para a terraza do restaurante",
        ],
        "eu": [
            "taberna bat irekiko dut {street} kalean, zein jarduera lizentzia behar dut",
            "jatetxearen terrazarako baimena eskatu nahi dut",
        ],
    },
    "certificado_digital": {
        "es": [
            "no puedo instalar el certificado digital en el ordenador",
            "me ha caducado el certificado digital de la fnmt, como lo renuevo",
            "el navegador no reconoce mi certificado electronico",
            "he perdido el codigo de solicitud del certificado {ref}",
            "al firmar con el certificado me sale un error de autofirma",
            "como acredito mi identidad para obtener el certificado digital",
        ],
        "en": [
            "I cannot install my digital certificate on the computer",
            "my FNMT digital certificate expired, how do I renew it",
            "the browser does not recognise my electronic certificate",
            "signing with autofirma gives me an error",
        ],
        "ca": [
            "no puc instal·lar el certificat digital a l'ordinador",
            "m'ha caducat el certificat digital, com el renovo",
        ],
        "gl": [
            "non podo instalar o certificado dixital no ordenador",
            "caducoume o certificado dixital, como o renovo",
        ],
        "eu": [
            "ezin dut ziurtagiri digitala ordenagailuan instalatu",
            "ziurtagiri digitala iraungi zait, nola berritu dezaket",
        ],
    },
    "registro_electronico": {
        "es": [
            "la sede electronica me da error al presentar la solicitud",
            "no me llega el justificante del registro electronico, numero {ref}",
            "no puedo entrar con cl@ve pin en la sede",
            "he presentado un documento por registro y no se si ha llegado",
            "la pagina se queda colgada al adjuntar los archivos",
            "como presento un escrito por el registro general sin certificado",
        ],
        "en": [
            "the e-office website gives an error when I submit the form",
            "I did not get the receipt of my online registry submission {ref}",
            "I cannot log in with Cl@ve PIN",
            "the page hangs when I attach the documents",
        ],
        "ca": [
            "la seu electrònica em dona error en presentar la sol·licitud",
            "no puc entrar amb cl@ve a la seu",
        ],
        "gl": [
            "a sede electrónica dame erro ao presentar a solicitude",
            "non podo entrar con cl@ve na sede",
        ],
        "eu": [
            "egoitza elektronikoak errorea ematen du eskaera aurkeztean",
            "ezin naiz cl@ve bidez egoitzan sartu",
        ],
    },
    "desempleo": {
        "es": [
            "me he quedado en paro y quiero pedir la prestacion",
            "cuando me ingresan el paro de este mes",
            "quiero renovar la demanda de empleo",
            "me han quitado el subsidio por desempleo, expediente {ref}",
            "como solicito el subsidio para mayores de 52",
            "tengo que sellar el paro y no se como hacerlo por internet",
        ],
        "en": [
            "I lost my job and want to claim unemployment benefit",
            "when will I receive this month's unemployment payment",
            "I need to renew my job seeker registration",
            "my unemployment allowance was stopped, file {ref}",
        ],
        "ca": [
            "m'he quedat a l'atur i vull demanar la prestació",
            "quan em pagaran l'atur d'aquest mes",
        ],
        "gl": [
            "quedei no paro e quero pedir a prestación",
            "cando me ingresan o paro deste mes",
        ],
        "eu": [
            "langabezian geratu naiz eta prestazioa eskatu nahi dut",
            "noiz ordainduko didate hilabete honetako langabezia",
        ],
    },
    "tarjeta_sanitaria": {
        "es": [
            "he perdido la tarjeta sanitaria, como pido un duplicado",
            "quiero cambiar de medico de cabecera",
            "necesito la tarjeta sanitaria para mi bebe",
            "me he mudado a {street} y quiero cambiar de centro de salud",
            "como solicito la tarjeta sanitaria europea para viajar {date}",
        ],
        "en": [
            "I lost my health card, how do I get a replacement",
            "I want to change my family doctor",
            "how do I get the European health insurance card before travelling {date}",
            "I need a health card for my baby",
        ],
        "ca": [
            "he perdut la targeta sanitària, com en demano un duplicat",
            "vull canviar de metge de capçalera",
        ],
        "gl": [
            "perdín a tarxeta sanitaria, como pido un duplicado",
            "quero cambiar de médico de cabeceira",
        ],
        "eu": [
            "osasun txartela galdu dut, nola eskatu bikoiztua",
            "familiako medikua aldatu nahi dut",
        ],
    },
    "extranjeria": {
        "es": [
            "necesito cita para la toma de huellas de la TIE, NIE {nie}",
            "como solicito el NIE para trabajar",
            "mi tarjeta de residencia caduca {date}, como la renuevo",
            "quiero pedir el arraigo social, que documentos necesito",
            "no hay citas de extranjeria en ninguna oficina",
            "me han requerido documentacion del permiso de residencia {nie}",
        ],
        "en": [
            "I need an appointment for my TIE fingerprints, NIE {nie}",
            "how do I apply for a NIE number to work",
            "my residence card expires {date}, how do I renew it",
            "there are no foreigners office appointments anywhere",
            "I am a UK citizen and need the residence document",
            "what documents do I need for the residence permit, NIE {nie}",
        ],
        "ca": [
            "necessito cita per a la presa d'empremtes de la TIE, NIE {nie}",
            "com sol·licito el NIE per treballar",
        ],
        "gl": [
            "necesito cita para a toma de pegadas da TIE, NIE {nie}",
            "como solicito o NIE para traballar",
        ],
        "eu": [
            "hitzordua behar dut TIEaren hatz-marketarako, NIE {nie}",
            "nola eskatu NIE zenbakia lan egiteko",
        ],
    },
    "renta": {
        "es": [
            "tengo dudas con el borrador de la renta de {year}",
            "como confirmo la declaracion de la renta por internet",
            "me sale a pagar {amount} euros en la declaracion, es correcto?",
            "quiero que me ayuden a hacer la renta, tengo cita?",
            "no puedo descargar los datos fiscales con la referencia {ref}",
            "cuando me devuelven lo de hacienda de la renta",
            "me he equivocado en la declaracion del irpf, como la rectifico",
        ],
        "en": [
            "I have questions about my {year} income tax return draft",
            "how do I file the income tax return online",
            "the tax return says I owe {amount} euros, is that right",
            "when will I get my income tax refund",
        ],
        "ca": [
            "tinc dubtes amb l'esborrany de la renda de {year}",
            "quan em tornaran els diners de la declaració de la renda",
        ],
        "gl": [
            "teño dúbidas co borrador da renda de {year}",
            "cando me devolven o da declaración da renda",
        ],
        "eu": [
            "{year}ko errenta aitorpenaren zirriborroari buruzko zalantzak ditut",
            "noiz itzuliko didate errentaren dirua",
        ],
    },
    "informacion_general": {
        "es": [
            "a que hora abre la oficina de {street}",
            "cual es el telefono de la junta municipal",
            "donde puedo presentar una queja sobre el servicio",
            "que horario tiene el registro en agosto",
            "quiero poner una sugerencia sobre la limpieza de {street}",
            "en que oficina me pueden informar de los tramites municipales",
        ],
        "en": [
            "what time does the office on {street} open",
            "what is the phone number of the district office",
            "where can I file a complaint about the service",
            "which office can give me general information",
        ],
        "ca": [
            "a quina hora obre l'oficina de {street}",
            "on puc presentar una queixa sobre el servei",
        ],
        "gl": [
            "a que hora abre a oficina de {street}",
            "onde podo presentar unha queixa sobre o servizo",
        ],
        "eu": [
            "zer ordutan irekitzen da {street} kaleko bulegoa",
            "non aurkez dezaket zerbitzuari buruzko kexa bat",
        ],
    },
}

# Texts that say nothing about the intent (irreducible classification error).
VAGUE: dict[str, list[str]] = {
    "es": [
        "quiero hacer una consulta",
        "necesito informacion sobre un tramite",
        "me podrian ayudar con una gestion",
        "tengo un problema y no se a quien dirigirme",
        "llamo por lo de la carta que me ha llegado",
        "es sobre un expediente {ref}",
        "quería saber como va lo mío",
    ],
    "en": [
        "I have a question",
        "I need some information about a procedure",
        "can you help me with something",
        "it is about the letter I received, reference {ref}",
    ],
    "ca": ["tinc una consulta", "necessito informació sobre un tràmit"],
    "gl": ["teño unha consulta", "necesito información sobre un trámite"],
    "eu": ["kontsulta bat daukat", "izapide bati buruzko informazioa behar dut"],
}

OPENERS: dict[str, dict[str, list[str]]] = {
    "voice": {
        "es": ["", "hola buenos dias, ", "si hola mire, ", "buenas tardes, eh ", "hola, pues ",
               "oiga, ", "buenos dias, llamaba porque "],
        "en": ["", "hello, ", "hi good morning, ", "yes hello, um ", "hi, I'm calling because "],
        "ca": ["", "hola bon dia, ", "bona tarda, "],
        "gl": ["", "ola bos días, ", "boas tardes, "],
        "eu": ["", "kaixo egun on, ", "arratsalde on, "],
    },
    "email": {
        "es": ["Estimados señores: ", "Buenos días, ", "Hola, ", "A la atención de quien corresponda: ",
               "Buenas tardes. ", ""],
        "en": ["Dear Sir or Madam, ", "Hello, ", "Good morning, ", "To whom it may concern: ", ""],
        "ca": ["Benvolguts, ", "Bon dia, ", ""],
        "gl": ["Estimados señores: ", "Bos días, ", ""],
        "eu": ["Jaun-andreok: ", "Egun on, ", ""],
    },
    "short": {
        "es": ["", "", "hola ", "buenas, ", "hola! ", "una pregunta: "],
        "en": ["", "", "hi ", "hello, ", "quick question: "],
        "ca": ["", "hola, "],
        "gl": ["", "ola, "],
        "eu": ["", "kaixo, "],
    },
}

CLOSERS: dict[str, dict[str, list[str]]] = {
    "voice": {
        "es": ["", "", " gracias", " vale, espero", " es que es urgente"],
        "en": ["", "", " thanks", " thank you"],
        "ca": ["", " gràcies"],
        "gl": ["", " grazas"],
        "eu": ["", " eskerrik asko"],
    },
    "email": {
        "es": [". Un saludo.", ". Gracias de antemano.", ". Quedo a la espera de su respuesta.",
               ". Atentamente.", "."],
        "en": [". Kind regards.", ". Thanks in advance.", ". Best regards.", "."],
        "ca": [". Salutacions.", ". Gràcies."],
        "gl": [". Un saúdo.", ". Grazas."],
        "eu": [". Agur bero bat.", ". Eskerrik asko."],
    },
    "short": {
        "es": ["", "", "?", " gracias", " plis", "!!"],
        "en": ["", "", "?", " thanks", " pls"],
        "ca": ["", " gràcies"],
        "gl": ["", " grazas"],
        "eu": ["", " eskerrik asko"],
    },
}

REPEAT_PREFIX: dict[str, list[str]] = {
    "es": ["ya escribi hace unos dias y nadie me ha contestado, ", "vuelvo a llamar porque ",
           "es la segunda vez que contacto, ", "no me resolvieron nada la otra vez, "],
    "en": ["I already wrote a few days ago and got no answer, ", "I am calling again because ",
           "second time I contact you, "],
    "ca": ["ja vaig escriure fa uns dies, ", "torno a trucar perquè "],
    "gl": ["xa escribín hai uns días, ", "volvo chamar porque "],
    "eu": ["duela egun batzuk idatzi nuen, ", "berriro deitzen dut "],
}

SLOTS: dict[str, list[str]] = {
    "street": ["calle Alcala", "Gran Via", "calle Mayor", "avenida de America", "paseo de la Castellana",
               "calle Toledo", "plaza de España", "calle Bravo Murillo", "avenida de la Albufera",
               "calle Sagasta", "ronda de Valencia", "calle del Pez", "avenida Diagonal", "Rua do Vilar",
               "Kale Nagusia", "calle San Bernardo"],
    # numbers only: every language's phrases take them ("este año" was Spanish in all)
    "year": ["2022", "2023", "2024", "2025", "2021", "2020"],
    "amount": ["85", "120", "230,50", "312", "470", "1.200", "64,80", "990"],
}
DATES: dict[str, list[str]] = {
    "es": ["mañana", "el lunes", "el jueves que viene", "la semana que viene", "el 15 de marzo",
           "esta tarde", "el dia 3", "el proximo mes"],
    "en": ["tomorrow", "on Monday", "next Thursday", "next week", "on March 15th", "this afternoon"],
    "ca": ["demà", "dilluns", "la setmana que ve"],
    "gl": ["mañá", "o luns", "a semana que vén"],
    "eu": ["bihar", "astelehenean", "datorren astean"],
}

# Related intents a citizen mentions in passing ("... and also ..."): the label stays the
# main intent, the secondary clause adds realistic confusion for a bag-of-words model.
RELATED: dict[str, tuple[str, ...]] = {
    "cita_previa": ("padron_alta", "extranjeria", "tarjeta_sanitaria", "cita_cancelar"),
    "cita_cancelar": ("cita_previa", "padron_certificado"),
    "padron_alta": ("padron_certificado", "tarjeta_sanitaria", "cita_previa"),
    "padron_certificado": ("padron_alta", "certificado_digital", "ayuda_social"),
    "ibi": ("plusvalia", "ivtm", "registro_electronico"),
    "ivtm": ("multa", "ibi"),
    "plusvalia": ("ibi", "renta"),
    "multa": ("ivtm", "registro_electronico"),
    "ayuda_social": ("desempleo", "dependencia", "padron_certificado"),
    "dependencia": ("ayuda_social", "tarjeta_sanitaria"),
    "licencia_obras": ("licencia_actividad", "ibi"),
    "licencia_actividad": ("licencia_obras", "registro_electronico"),
    "certificado_digital": ("registro_electronico", "renta", "padron_certificado"),
    "registro_electronico": ("certificado_digital", "licencia_obras", "ayuda_social"),
    "desempleo": ("ayuda_social", "certificado_digital", "renta"),
    "tarjeta_sanitaria": ("padron_alta", "extranjeria"),
    "extranjeria": ("padron_alta", "cita_previa", "tarjeta_sanitaria", "desempleo"),
    "renta": ("certificado_digital", "desempleo", "cita_previa"),
    "informacion_general": ("cita_previa", "padron_certificado", "registro_electronico"),
}

CONNECTORS: dict[str, list[str]] = {
    "es": [" y ademas ", ", tambien queria saber ", ". Por otro lado ", ", aparte de eso "],
    "en": [" and also ", ". Also ", ", and by the way "],
    "ca": [" i també ", ". A més "],
    "gl": [" e tamén ", ". Ademais "],
    "eu": [" eta gainera ", ". Gainera "],
}
