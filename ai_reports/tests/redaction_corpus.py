"""A labelled corpus of Chilean therapy notes, written for the redaction tests: each note says which
identifiers it holds (by kind) and which clinical words must survive.

Kinds:
- RUT, TELEFONO, EMAIL, DIRECCION: structured identifiers;
- KNOWN: names of the practice's patients (the note's own patient, written with no cue, or
  another patient) and members: the name index must find them;
- CUED: third parties introduced by a relationship or a title ("su madre Carmen", "Sra. Rojas").

The people: the practice's patients and members are created by the test from PATIENTS and
MEMBERS; every other name is a third party."""

PATIENTS = [
    "Josefina Aravena Muñoz",
    "Benjamín Tapia Olivares",
    "Catalina Sepúlveda Rojas",
    "Matías Contreras Vidal",
    "Paz Riquelme Lagos",
    "Ignacio Figueroa Cárdenas",
    "Fernanda Espinoza Bustos",
    "Vicente Carrasco Poblete",
]
MEMBERS = ["Dra. Ana Silva", "Ps. Martín Rojas", "Lucía Gómez"]

# (text, [(kind, value), ...], [clinical words that must stay])
NOTES = [
    (
        "Josefina Aravena consulta por insomnio de conciliación. RUT 16.543.210-K. Refiere rumiación nocturna.",
        [("KNOWN", "Josefina Aravena"), ("RUT", "16.543.210-K")],
        ["insomnio", "rumiación"],
    ),
    (
        "Josefina llega puntual. Su madre Carmen la acompañó hasta la sala de espera. Ánimo eutímico.",
        [("KNOWN", "Josefina"), ("CUED", "Carmen")],
        ["eutímico", "sala de espera"],
    ),
    (
        "Benjamín Tapia relata crisis de pánico en el metro. Se indica respiración diafragmática.",
        [("KNOWN", "Benjamín Tapia")],
        ["crisis de pánico", "respiración diafragmática"],
    ),
    (
        "Benjamín comenta que su polola Antonia lo apoya. Contacto: +56 9 8123 4567.",
        [("KNOWN", "Benjamín"), ("CUED", "Antonia"), ("TELEFONO", "+56 9 8123 4567")],
        ["apoya"],
    ),
    (
        "Catalina Sepúlveda refiere anhedonia y aislamiento. PHQ-9 de 17 puntos, severidad moderadamente severa.",
        [("KNOWN", "Catalina Sepúlveda")],
        ["anhedonia", "aislamiento", "PHQ-9"],
    ),
    (
        "Catalina escribió a catalina.sepulveda@gmail.com para reagendar. Su hermana Valentina la trajo en auto.",
        [("KNOWN", "Catalina"), ("EMAIL", "catalina.sepulveda@gmail.com"), ("CUED", "Valentina")],
        ["reagendar"],
    ),
    (
        "Matías Contreras vive en Av. Grecia 2450, depto 31. Duelo por la muerte de su abuelo Arturo.",
        [("KNOWN", "Matías Contreras"), ("DIRECCION", "Av. Grecia 2450"), ("CUED", "Arturo")],
        ["Duelo"],
    ),
    (
        "Matías refiere mejor adherencia a la rutina de sueño. Su jefe, Rodrigo, le dio licencia por dos semanas.",
        [("KNOWN", "Matías"), ("CUED", "Rodrigo")],
        ["adherencia", "rutina de sueño", "licencia"],
    ),
    (
        "Paz Riquelme consulta por ansiedad generalizada. GAD-7 de 14. Refiere sensación de paz tras la meditación.",
        [("KNOWN", "Paz Riquelme")],
        ["ansiedad generalizada", "GAD-7", "sensación de paz", "meditación"],
    ),
    (
        "Paz relata discusión con su pareja Felipe Orellana. Se trabaja comunicación asertiva.",
        [("CUED", "Felipe Orellana")],
        ["comunicación asertiva", "discusión"],
    ),
    (
        "Ignacio Figueroa trae registro de pensamientos automáticos. Llama desde el 2 2634 5566 de su oficina.",
        [("KNOWN", "Ignacio Figueroa"), ("TELEFONO", "2 2634 5566")],
        ["registro de pensamientos automáticos"],
    ),
    (
        "Ignacio cuenta que la Sra. Ramírez, su vecina, lo ayuda con las compras. Ánimo estable.",
        [("KNOWN", "Ignacio"), ("CUED", "Ramírez")],
        ["Ánimo estable"],
    ),
    (
        "Fernanda Espinoza presenta ideación suicida pasiva sin plan. Se activa plan de seguridad. Derivada por la Dra. Ana Silva.",
        [("KNOWN", "Fernanda Espinoza"), ("KNOWN", "Ana Silva")],
        ["ideación suicida pasiva", "plan de seguridad"],
    ),
    (
        "Fernanda: su mamá Gloria la llamó tres veces durante la sesión. Límites familiares como foco.",
        [("KNOWN", "Fernanda"), ("CUED", "Gloria")],
        ["Límites familiares"],
    ),
    (
        "Vicente Carrasco, RUT 20.111.222-3, estudiante de ingeniería. Procrastinación y perfeccionismo.",
        [("KNOWN", "Vicente Carrasco"), ("RUT", "20.111.222-3")],
        ["Procrastinación", "perfeccionismo"],
    ),
    (
        "Vicente menciona que su profesor Hernán Valdés lo citó a reunión. Ansiedad de evaluación.",
        [("KNOWN", "Vicente"), ("CUED", "Hernán Valdés")],
        ["Ansiedad de evaluación"],
    ),
    (
        "En la reunión clínica Martín Rojas sugiere evaluar TDAH. Lucía Gómez tomará la terapia familiar.",
        [("KNOWN", "Martín Rojas"), ("KNOWN", "Lucía Gómez")],
        ["TDAH", "terapia familiar"],
    ),
    (
        "Coordinación con Benjamín Tapia y Catalina Sepúlveda para el grupo de habilidades sociales.",
        [("KNOWN", "Benjamín Tapia"), ("KNOWN", "Catalina Sepúlveda")],
        ["grupo de habilidades sociales"],
    ),
    (
        "La paciente relata que su hijo de 8 años, Tomás, tiene pesadillas. Se sugiere consulta infantil.",
        [("CUED", "Tomás")],
        ["pesadillas", "consulta infantil"],
    ),
    (
        "Refiere conflictos con su exesposo Patricio por la tuición. Llanto durante la sesión.",
        [("CUED", "Patricio")],
        ["tuición", "Llanto"],
    ),
    (
        "Se llama Daniela la amiga que la acompaña a los controles. Mejoría del ánimo.",
        [("CUED", "Daniela")],
        ["Mejoría del ánimo"],
    ),
    (
        "El Sr. Bustamante, apoderado del paciente, firma el consentimiento. Paciente de 15 años con TOC.",
        [("CUED", "Bustamante")],
        ["consentimiento", "TOC"],
    ),
    (
        "Su psiquiatra, la Dra. Herrera, ajustó la sertralina a 100 mg. Tolerancia adecuada.",
        [("CUED", "Herrera")],
        ["sertralina", "Tolerancia adecuada"],
    ),
    (
        "Relata que su cuñada Marcela Díaz lo critica en las reuniones familiares. Rabia contenida.",
        [("CUED", "Marcela Díaz")],
        ["Rabia contenida", "reuniones familiares"],
    ),
    (
        "Vive con su abuela Rosa en Pasaje Los Aromos 345, Maipú. Cuidadora principal.",
        [("CUED", "Rosa"), ("DIRECCION", "Pasaje Los Aromos 345")],
        ["Cuidadora principal"],
    ),
    (
        "Su terapeuta anterior, Ps. Gonzalo Fuentes, le diagnosticó depresión mayor. Escribir a g.fuentes@psicologos.cl.",
        [("CUED", "Gonzalo Fuentes"), ("EMAIL", "g.fuentes@psicologos.cl")],
        ["depresión mayor"],
    ),
    (
        "La madre, Doña Inés, refiere que el niño no duerme. Teléfono de contacto 9 7766 5544.",
        [("CUED", "Inés"), ("TELEFONO", "9 7766 5544")],
        ["no duerme"],
    ),
    (
        "Su conviviente Jorge Salinas consume alcohol a diario. Se evalúa riesgo de violencia intrafamiliar.",
        [("CUED", "Jorge Salinas")],
        ["consume alcohol", "violencia intrafamiliar"],
    ),
    (
        "Paciente refiere que su jefa Claudia le exige horas extra. Síntomas de burnout.",
        [("CUED", "Claudia")],
        ["burnout", "horas extra"],
    ),
    (
        "Su hermano Sebastián fue hospitalizado por un episodio psicótico. Preocupación intensa.",
        [("CUED", "Sebastián")],
        ["episodio psicótico", "Preocupación intensa"],
    ),
    (
        "Trabajamos exposición gradual. Su compañera de trabajo Javiera la acompaña al ascensor.",
        [("CUED", "Javiera")],
        ["exposición gradual", "ascensor"],
    ),
    (
        "Llega con su novio Cristóbal, quien espera afuera. Ansiedad social en disminución.",
        [("CUED", "Cristóbal")],
        ["Ansiedad social"],
    ),
    (
        "Conocido como Pancho en el colegio, el paciente refiere bullying. Autoestima baja.",
        [("CUED", "Pancho")],
        ["bullying", "Autoestima baja"],
    ),
    (
        "Su sobrina Florencia Pizarro le pidió dinero prestado. Culpa y dificultad para poner límites.",
        [("CUED", "Florencia Pizarro")],
        ["Culpa", "poner límites"],
    ),
    (
        "La Srta. Morales, profesora jefe, envió informe escolar: inatención en clases.",
        [("CUED", "Morales")],
        ["informe escolar", "inatención"],
    ),
    (
        "Su suegro Ricardo se fue a vivir con ellos. Tensión en la pareja y menos privacidad.",
        [("CUED", "Ricardo")],
        ["Tensión en la pareja", "privacidad"],
    ),
    (
        "Refiere que su vecino Don Luis hace ruido de noche. Insomnio de mantención.",
        [("CUED", "Luis")],
        ["Insomnio de mantención"],
    ),
    (
        "Viene derivado por el Dr. Patricio Yáñez, neurólogo, por cefaleas tensionales.",
        [("CUED", "Patricio Yáñez")],
        ["cefaleas tensionales"],
    ),
    (
        "Su nieta Amanda la visita los domingos; es su principal red de apoyo. Soledad.",
        [("CUED", "Amanda")],
        ["red de apoyo", "Soledad"],
    ),
    (
        "Se registra en la ficha: RUT 9.876.543-2, dirección Calle Esmeralda 118, Valparaíso.",
        [("RUT", "9.876.543-2"), ("DIRECCION", "Calle Esmeralda 118")],
        ["ficha"],
    ),
    (
        "Para reagendar, escribir a contacto.familia@yahoo.es o llamar al +56 2 2987 6543.",
        [("EMAIL", "contacto.familia@yahoo.es"), ("TELEFONO", "+56 2 2987 6543")],
        ["reagendar"],
    ),
    (
        "Pago con transferencia desde la cuenta del RUT 7.654.321-K. Sesión de control.",
        [("RUT", "7.654.321-K")],
        ["Sesión de control"],
    ),
    (
        "Nueva dirección: Avenida Pedro de Valdivia 1500, oficina 402. Se actualiza la ficha.",
        [("DIRECCION", "Avenida Pedro de Valdivia 1500")],
        ["actualiza la ficha"],
    ),
    (
        "Su amigo Nicolás lo invitó a una fiesta y evitó ir. Conducta de evitación marcada.",
        [("CUED", "Nicolás")],
        ["Conducta de evitación"],
    ),
    (
        "Su esposa, Carolina, refiere que él grita cuando se frustra. Regulación emocional como objetivo.",
        [("CUED", "Carolina")],
        ["Regulación emocional"],
    ),
    (
        "Ps. Martín Rojas supervisa el caso. La paciente tolera mejor la frustración.",
        [("KNOWN", "Martín Rojas")],
        ["frustración"],
    ),
    (
        "Interconsulta enviada a Lucía Gómez para evaluación de pareja.",
        [("KNOWN", "Lucía Gómez")],
        ["Interconsulta", "evaluación de pareja"],
    ),
    (
        "Vicente y Josefina coinciden en la sala de espera; se cuida la confidencialidad.",
        [("KNOWN", "Vicente"), ("KNOWN", "Josefina")],
        ["confidencialidad", "sala de espera"],
    ),
    (
        "Su tía Eliana Castro falleció la semana pasada. Duelo reciente con llanto fácil.",
        [("CUED", "Eliana Castro")],
        ["Duelo reciente", "llanto fácil"],
    ),
    (
        "Refiere que su padre, Osvaldo, bebía mucho cuando era niña. Trauma relacional temprano.",
        [("CUED", "Osvaldo")],
        ["Trauma relacional"],
    ),
    (
        "Su cuidadora, la señora Marta, administra los medicamentos. Adherencia farmacológica buena.",
        [("CUED", "Marta")],
        ["Adherencia farmacológica"],
    ),
    (
        "Paz Riquelme escribe desde paz.riquelme@outlook.com; vive en Camino El Alba 9600, Las Condes.",
        [("KNOWN", "Paz Riquelme"), ("EMAIL", "paz.riquelme@outlook.com"), ("DIRECCION", "Camino El Alba 9600")],
        ["escribe"],
    ),
]


# Names nobody introduced (issue 18): no relation, no title, not of the practice. Each note
# labels them UNCUED and lists clinical words that must survive, capitalised ones at sentence
# starts among them.
UNCUED = [
    (
        "Habló con Pedro del trabajo sobre el ascenso. Ansiedad anticipatoria moderada.",
        [("UNCUED", "Pedro")],
        ["Ansiedad anticipatoria", "ascenso"],
    ),
    (
        "Rocío y Gabriel se quedan con ella los domingos. Desesperanza en disminución.",
        [("UNCUED", "Rocío"), ("UNCUED", "Gabriel")],
        ["Desesperanza", "domingos"],
    ),
    (
        "Somnolencia diurna persistente. Dice que Ignacia la despierta temprano para ir al colegio.",
        [("UNCUED", "Ignacia")],
        ["Somnolencia diurna"],
    ),
    (
        "María José llamó llorando el martes. Anhedonia marcada y llanto fácil.",
        [("UNCUED", "María José")],
        ["Anhedonia", "llanto fácil"],
    ),
    (
        "Cuenta que Joaquín Morales le prestó plata y ahora se siente en deuda. Culpa intensa.",
        [("UNCUED", "Joaquín Morales")],
        ["Culpa intensa"],
    ),
    (
        "Irritabilidad en aumento. Discutió con Agustín por la herencia.",
        [("UNCUED", "Agustín")],
        ["Irritabilidad", "herencia"],
    ),
    (
        "Invitó a Trinidad, Emilia y Renata al cumpleaños y ninguna fue. Rechazo percibido.",
        [("UNCUED", "Trinidad"), ("UNCUED", "Emilia"), ("UNCUED", "Renata")],
        ["Rechazo percibido"],
    ),
    (
        '"Alonso nunca me escucha", repite varias veces. Resentimiento y rumiación.',
        [("UNCUED", "Alonso")],
        ["Resentimiento", "rumiación"],
    ),
    ("Apatía. Según Maximiliano, ya no sale de su pieza.", [("UNCUED", "Maximiliano")], ["Apatía"]),
    (
        "Insomnio de conciliación. Escribe todas las noches a Florencia Vergara.",
        [("UNCUED", "Florencia Vergara")],
        ["Insomnio de conciliación"],
    ),
    (
        "Refiere que Martina Rivas y Simón Castillo lo excluyen del grupo. Aislamiento escolar.",
        [("UNCUED", "Martina Rivas"), ("UNCUED", "Simón Castillo")],
        ["Aislamiento escolar"],
    ),
    (
        "Pánico en el supermercado. Lo acompañaba Bastián, que llamó a la ambulancia.",
        [("UNCUED", "Bastián")],
        ["Pánico", "ambulancia"],
    ),
    (
        "Autolesiones superficiales hace dos semanas; Constanza vio las marcas y le avisó a la profesora.",
        [("UNCUED", "Constanza")],
        ["Autolesiones superficiales"],
    ),
    ("Vergüenza al hablar del tema. Menciona a Gonzalo como el primer amor.", [("UNCUED", "Gonzalo")], ["Vergüenza"]),
    (
        "Fatiga crónica. Almorzó con Antonella y Josefa después de la sesión de kinesiología.",
        [("UNCUED", "Antonella"), ("UNCUED", "Josefa")],
        ["Fatiga crónica", "kinesiología"],
    ),
    (
        "Esteban Araya, compañero de curso, la molesta por redes sociales. Angustia vespertina.",
        [("UNCUED", "Esteban Araya")],
        ["Angustia vespertina", "redes sociales"],
    ),
    ("Miedo a manejar desde el choque. Viajaba con Lucas.", [("UNCUED", "Lucas")], ["Miedo a manejar", "choque"]),
    (
        "Impulsividad en compras. Le pidió perdón a Macarena por las deudas.",
        [("UNCUED", "Macarena")],
        ["Impulsividad", "deudas"],
    ),
    (
        "Rabia contra Héctor Navarro por el despido. Pensamientos de venganza sin intención.",
        [("UNCUED", "Héctor Navarro")],
        ["Rabia", "despido", "Pensamientos de venganza"],
    ),
    ("Tristeza profunda al recordar a Julieta, fallecida en marzo.", [("UNCUED", "Julieta")], ["Tristeza profunda"]),
    (
        "Ideación suicida pasiva descartada. Dice que Emiliano la hace reír.",
        [("UNCUED", "Emiliano")],
        ["Ideación suicida pasiva"],
    ),
    (
        "Euforia y gasto excesivo durante el fin de semana; Alejandro le quitó las tarjetas.",
        [("UNCUED", "Alejandro")],
        ["Euforia", "gasto excesivo"],
    ),
    (
        "Hipervigilancia en la calle. Teme encontrarse con Rubén Sandoval.",
        [("UNCUED", "Rubén Sandoval")],
        ["Hipervigilancia"],
    ),
    (
        "Duelo complicado. Guarda la ropa de Clemente en el clóset.",
        [("UNCUED", "Clemente")],
        ["Duelo complicado", "clóset"],
    ),
    (
        "Pesadillas recurrentes con Sofía Aguilera, la conductora del otro auto.",
        [("UNCUED", "Sofía Aguilera")],
        ["Pesadillas recurrentes"],
    ),
    (
        "Dificultad para concentrarse en el trabajo. Ignora los correos de Raimundo.",
        [("UNCUED", "Raimundo")],
        ["Dificultad para concentrarse"],
    ),
    (
        "Compulsiones de lavado de manos. Amparo Torres, su compañera de pieza, lo notó.",
        [("UNCUED", "Amparo Torres")],
        ["Compulsiones de lavado"],
    ),
    (
        "Celos hacia Francisca cuando sale con amigas. Inseguridad en la relación.",
        [("UNCUED", "Francisca")],
        ["Celos", "Inseguridad"],
    ),
    (
        "Abstinencia de alcohol hace 40 días. Asiste a reuniones con Mauricio Salazar como padrino.",
        [("UNCUED", "Mauricio Salazar")],
        ["Abstinencia de alcohol"],
    ),
    (
        "Recuerda que Elisa, Catalina y Ámbar lo defendían en el colegio. Autoestima baja.",
        [("UNCUED", "Elisa"), ("UNCUED", "Ámbar")],
        ["Autoestima baja"],
    ),
    (
        "Crisis de angustia en la micro. Llamó a Diego para que la fuera a buscar.",
        [("UNCUED", "Diego")],
        ["Crisis de angustia"],
    ),
    (
        "Evitación social. Rechazó la invitación de Isidora al matrimonio.",
        [("UNCUED", "Isidora")],
        ["Evitación social", "matrimonio"],
    ),
    (
        "Labilidad emocional. Con Thiago se pelea por los videojuegos.",
        [("UNCUED", "Thiago")],
        ["Labilidad emocional", "videojuegos"],
    ),
    ("Confía más en Valeria Núñez que en su familia. Apego ansioso.", [("UNCUED", "Valeria Núñez")], ["Apego ansioso"]),
    ("Disociación breve durante la sesión al mencionar a Octavio.", [("UNCUED", "Octavio")], ["Disociación breve"]),
    (
        "Atracones nocturnos. Esconde la comida para que Leonor no la vea.",
        [("UNCUED", "Leonor")],
        ["Atracones nocturnos"],
    ),
    (
        "Duda entre estudiar Derecho o Psicología; Benjamín Reyes le recomienda Psicología.",
        [("UNCUED", "Benjamín Reyes")],
        ["Derecho", "Psicología"],
    ),
    (
        "Estrés laboral. Antonio exige reportes diarios y el equipo está agotado.",
        [("UNCUED", "Antonio")],
        ["Estrés laboral", "agotado"],
    ),
    (
        "Hoy trae una carta para Gaspar. La lee en voz alta; llanto contenido.",
        [("UNCUED", "Gaspar")],
        ["Hoy", "llanto contenido"],
    ),
    ("Paranoia leve respecto de los vecinos. Cree que Ramón lo vigila.", [("UNCUED", "Ramón")], ["Paranoia leve"]),
    (
        "Mejoría del sueño. Camina cada mañana con Elena Fuenzalida y Rosario Pino.",
        [("UNCUED", "Elena Fuenzalida"), ("UNCUED", "Rosario Pino")],
        ["Mejoría del sueño"],
    ),
    (
        "Bajo rendimiento académico. Emilio le hace las tareas a cambio de dinero.",
        [("UNCUED", "Emilio")],
        ["Bajo rendimiento académico"],
    ),
    (
        "Soledad en las tardes. Extraña a Baltazar, que se fue a Australia.",
        [("UNCUED", "Baltazar")],
        ["Soledad", "Australia"],
    ),
    ("Taquicardia al ver mensajes de Kevin. Bloqueó el número.", [("UNCUED", "Kevin")], ["Taquicardia", "Bloqueó"]),
    (
        "Culpa por no visitar a Olga en el hospital. Conflicto de lealtades.",
        [("UNCUED", "Olga")],
        ["Culpa", "Conflicto de lealtades"],
    ),
    ("Agorafobia. Solo sale si la acompaña Pía.", [("UNCUED", "Pía")], ["Agorafobia"]),
    (
        "Vive con Andrés y Felipe en un departamento compartido. Conflictos por el aseo.",
        [("UNCUED", "Andrés"), ("UNCUED", "Felipe")],
        ["Conflictos por el aseo"],
    ),
    (
        "Desregulación emocional tras la ruptura con Alexis Jara.",
        [("UNCUED", "Alexis Jara")],
        ["Desregulación emocional", "ruptura"],
    ),
    (
        "Anorexia restrictiva en remisión parcial. Come mejor cuando está Magdalena.",
        [("UNCUED", "Magdalena")],
        ["Anorexia restrictiva", "remisión parcial"],
    ),
    (
        "Apatía y abulia. Cristian Olivares la visita los jueves.",
        [("UNCUED", "Cristian Olivares")],
        ["Apatía", "abulia", "jueves"],
    ),
    ('Relata que Amelia le dijo "no vales nada". Autocrítica severa.', [("UNCUED", "Amelia")], ["Autocrítica severa"]),
    (
        "Obsesiones de contaminación. Teme contagiar a Gael, de dos años.",
        [("UNCUED", "Gael")],
        ["Obsesiones de contaminación"],
    ),
    (
        "Recaída en el consumo de marihuana después de la fiesta de Bruno.",
        [("UNCUED", "Bruno")],
        ["Recaída", "marihuana"],
    ),
    (
        "Insight parcial. Reconoce que Samuel tenía razón sobre su forma de beber.",
        [("UNCUED", "Samuel")],
        ["Insight parcial"],
    ),
    (
        "Frustración con el tratamiento. Pregunta si Noemí, su antigua terapeuta, podría atenderla.",
        [("UNCUED", "Noemí")],
        ["Frustración", "tratamiento"],
    ),
    ("Temblor fino en las manos. Joaquina nota que se le cae la taza.", [("UNCUED", "Joaquina")], ["Temblor fino"]),
]

# Notes with no name at all: capitalised clinical words at sentence starts, which the model
# tends to take for proper nouns.
UNCUED += [
    (
        "Hipomanía descartada. Cefalea tensional. Bruxismo nocturno. Sertralina 50 mg bien tolerada. Psicoeducación sobre sueño.",
        [],
        ["Hipomanía", "Cefalea tensional", "Bruxismo", "Sertralina", "Psicoeducación"],
    ),
    (
        "Despersonalización ocasional. Desrealización en el metro. Mindfulness diario. Exposición interoceptiva pendiente.",
        [],
        ["Despersonalización", "Desrealización", "Mindfulness", "Exposición interoceptiva"],
    ),
    (
        "Alexitimia. Rumiación vespertina. Activación conductual con agenda semanal. Contención emocional.",
        [],
        ["Alexitimia", "Rumiación vespertina", "Activación conductual", "Contención emocional"],
    ),
    (
        "Fonasa cubre la interconsulta. Cesfam deriva a Cosam. Licencia médica por 15 días. Plan de seguridad actualizado.",
        [],
        ["Fonasa", "Cesfam", "Cosam", "Licencia médica", "Plan de seguridad"],
    ),
]


# Transcript-style dialogues (issue 30): what a recorded session's analysis sends, turn by turn.
# `{Name}` marks a third party nobody introduced (UNCUED, must be hidden); `<P>` stands for the
# session's own patient's first name (a vocative: hidden as [PACIENTE], not counted as an ordinary
# word). Everything else is ordinary conversation that must reach the provider unchanged:
# greetings, thanks, vocatives, sentence-initial verbs, interjections. Speaker: t (therapist) or p.
DIALOGUES = [
    [
        ("t", "Hola, <P>, ¿cómo ha estado esta semana?"),
        ("p", "Bien, gracias. Conversé con {Pedro} del trabajo y me sentí mejor."),
        ("t", "Qué bueno. ¿Qué le dijo?"),
        ("p", "Que no me preocupara tanto por el informe."),
    ],
    [
        ("t", "Buenos días. Cuénteme, ¿durmió mejor?"),
        ("p", "Mmm, más o menos. Desperté a las cuatro y no pude volver a dormir."),
        ("t", "Entiendo. ¿Y qué hizo entonces?"),
        ("p", "Leí un rato. Después escribí en el cuaderno."),
    ],
    [
        ("p", "Gracias por recibirme, de verdad."),
        ("t", "Para eso estamos, <P>. ¿Cómo sigue la relación con {Tamara}?"),
        ("p", "Peleamos otra vez el domingo. Ella no entiende que necesito tiempo."),
    ],
    [
        ("t", "Buenas tardes. ¿Trajo el registro?"),
        ("p", "Sí, aquí está. Anoté todo, aunque me costó."),
        ("t", "Perfecto. Veamos juntos lo del martes."),
        ("p", "Ese día discutí con {Rodrigo} y me fui llorando."),
    ],
    [
        ("p", "Oiga, le quería preguntar algo."),
        ("t", "Claro, dígame."),
        ("p", "¿Es normal sentirse tan cansada después de la sesión?"),
        ("t", "Sí, es bastante común. Hablamos de cosas difíciles."),
    ],
    [
        ("t", "Ya, <P>, retomemos lo de la semana pasada."),
        ("p", "Bueno. Hablé con {Francisca} y le conté lo del diagnóstico."),
        ("t", "¿Cómo reaccionó?"),
        ("p", "Me abrazó. Lloramos las dos."),
    ],
    [
        ("p", "Pucha, no alcancé a hacer la tarea."),
        ("t", "No se preocupe. ¿Qué se lo impidió?"),
        ("p", "Trabajé doble turno toda la semana. Llegaba muerta."),
        ("t", "Entonces partamos por ahí."),
    ],
    [
        ("t", "Hola. Pase, siéntese."),
        ("p", "Gracias. Vengo un poco nerviosa hoy."),
        ("t", "Cuénteme qué pasó."),
        ("p", "Me llamó {Ignacio} después de meses. No sé qué hacer."),
    ],
    [
        ("p", "Fui al médico como me sugirió."),
        ("t", "Muy bien. ¿Y qué le dijo?"),
        ("p", "Que el examen salió normal, pero que duerma más."),
        ("t", "Tiene sentido. Trabajemos eso."),
    ],
    [
        ("t", "Buenos días, <P>. ¿Cómo llegó hoy?"),
        ("p", "Ay, con un dolor de cabeza terrible."),
        ("t", "Lo siento. ¿Quiere un vaso de agua?"),
        ("p", "Sí, por favor. Gracias."),
    ],
    [
        ("p", "Anoche soñé con {Esteban} otra vez."),
        ("t", "¿Qué recuerda del sueño?"),
        ("p", "Que me gritaba y yo no podía moverme."),
        ("t", "Suena angustiante. Anotémoslo."),
    ],
    [
        ("t", "Perfecto, <P>. Entonces esta semana practicamos la respiración."),
        ("p", "Ya. ¿Cuántas veces al día?"),
        ("t", "Tres veces, cinco minutos cada una."),
        ("p", "Ok, lo intentaré."),
    ],
    [
        ("p", "Mire, le traje esto."),
        ("t", "Gracias, qué amable."),
        ("p", "Lo hizo {Agustina} en el taller del colegio."),
        ("t", "Está precioso. ¿Cómo le va a ella?"),
    ],
    [
        ("t", "Hola, ¿cómo le fue con la exposición?"),
        ("p", "Uf, fatal al principio. Después me relajé un poco."),
        ("t", "Eso ya es un avance."),
        ("p", "Sí, supongo que sí."),
    ],
    [
        ("p", "Estuve pensando en lo que hablamos."),
        ("t", "¿En qué parte?"),
        ("p", "En que siempre termino cediendo con {Cristóbal}."),
        ("t", "Exploremos ese patrón."),
    ],
    [
        ("t", "Buenas. ¿Cómo está el ánimo hoy, del uno al diez?"),
        ("p", "Un cinco, diría."),
        ("t", "¿Y la semana pasada?"),
        ("p", "Un tres. Así que mejor."),
    ],
    [
        ("p", "Hablé con mi jefa por fin."),
        ("t", "¡Qué bien! ¿Cómo resultó?"),
        ("p", "Aceptó que trabaje desde la casa los viernes."),
        ("t", "Felicitaciones, <P>. Eso le costó mucho."),
    ],
    [
        ("t", "Veamos el plan para la semana."),
        ("p", "Ya. Lunes camino, miércoles yoga."),
        ("t", "¿Y el fin de semana?"),
        ("p", "Visitar a {Soledad} en Valparaíso."),
    ],
    [
        ("p", "Disculpe la demora, había un taco terrible."),
        ("t", "No se preocupe. Aprovechemos el tiempo."),
        ("p", "Gracias. Tengo varias cosas que contarle."),
    ],
    [
        ("t", "Hola, <P>. Lo noto cansado."),
        ("p", "Sí. Estudié hasta tarde para la prueba."),
        ("t", "¿Cómo le fue?"),
        ("p", "Bien, creo. Mañana entregan las notas."),
    ],
    [
        ("p", "Oye, perdón, ¿puedo tutearte?"),
        ("t", "Claro, como te sientas cómoda."),
        ("p", "Gracias. Es que me cuesta lo formal."),
        ("t", "Entiendo perfectamente."),
    ],
    [
        ("t", "¿Pudo hablar con {Vicenta} sobre el viaje?"),
        ("p", "No todavía. Me da miedo su reacción."),
        ("t", "¿Qué teme que pase?"),
        ("p", "Que se enoje y deje de hablarme."),
    ],
    [
        ("p", "Ah, antes que se me olvide: cambié de remedio."),
        ("t", "¿Lo indicó la psiquiatra?"),
        ("p", "Sí, subió la dosis."),
        ("t", "Gracias por avisarme. Vamos viendo cómo responde."),
    ],
    [
        ("t", "Buenos días. ¿Qué quiere trabajar hoy?"),
        ("p", "Lo de mi papá. Sigo enojada con él."),
        ("t", "Cuénteme más."),
        ("p", "Llamó a {Benjamina} para su cumpleaños y a mí no."),
    ],
    [
        ("p", "Me siento mucho más tranquila."),
        ("t", "Se nota, <P>. ¿Qué cree que cambió?"),
        ("p", "Dejé de revisar el celular en la noche."),
        ("t", "Excelente decisión."),
    ],
    [
        ("t", "Hola. Antes de partir, ¿cómo están las crisis?"),
        ("p", "Tuve una sola, el jueves en el metro."),
        ("t", "¿Usó la técnica?"),
        ("p", "Sí. Conté hacia atrás y pasó."),
    ],
    [
        ("p", "Fuimos con {Emiliano} a la playa."),
        ("t", "¿Cómo lo pasaron?"),
        ("p", "Lindo. Por primera vez no discutimos."),
        ("t", "Qué bueno escuchar eso."),
    ],
    [
        ("t", "Bienvenida de vuelta. ¿Qué tal las vacaciones?"),
        ("p", "Descansé harto. Volví con energía."),
        ("t", "Me alegro mucho."),
        ("p", "Gracias. Aunque el regreso al trabajo me angustia."),
    ],
    [
        ("p", "No sé por dónde empezar."),
        ("t", "Empiece por lo que le pese más."),
        ("p", "Bueno, lo de {Matilde}. Se va del país."),
        ("t", "Es una pérdida importante."),
    ],
    [
        ("t", "Hola, <P>. ¿Completó el cuestionario?"),
        ("p", "Sí, lo respondí anoche."),
        ("t", "Gracias. Lo revisamos al final."),
        ("p", "Dale."),
    ],
    [
        ("p", "Tuve una semana horrible."),
        ("t", "Lo siento mucho. ¿Qué pasó?"),
        ("p", "Despidieron a {Gaspar} y ahora estamos con un solo sueldo."),
        ("t", "Eso genera mucha incertidumbre."),
    ],
    [
        ("t", "Retomemos el ejercicio de la silla vacía."),
        ("p", "Ya. ¿Le hablo a mi mamá?"),
        ("t", "Sí, como si estuviera aquí."),
        ("p", "Mamá, necesito que me escuches."),
    ],
    [
        ("p", "Gracias por lo de la semana pasada."),
        ("t", "¿A qué se refiere?"),
        ("p", "A que me escuchó sin juzgarme."),
        ("t", "Es lo que corresponde, <P>."),
    ],
    [
        ("t", "Buenas tardes. ¿Cómo va el consumo?"),
        ("p", "Llevo diez días sin tomar."),
        ("t", "¡Diez días! Eso es mucho."),
        ("p", "Sí. {Ramiro} me acompaña a las reuniones."),
    ],
    [
        ("p", "Estoy pensando en dejar la carrera."),
        ("t", "Es una decisión grande. ¿Desde cuándo lo piensa?"),
        ("p", "Desde el semestre pasado, cuando reprobé estadística."),
        ("t", "Analicemos pros y contras."),
    ],
    [
        ("t", "Hola. ¿Cómo durmió el bebé esta semana?"),
        ("p", "Mejor, despierta dos veces nada más."),
        ("t", "¿Y usted descansa?"),
        ("p", "Un poco. {Antonella} me ayuda en las mañanas."),
    ],
    [
        ("p", "Ah, y me inscribí en natación."),
        ("t", "¡Qué buena noticia!"),
        ("p", "Voy los martes y jueves con {Leonor}."),
        ("t", "Hacer ejercicio acompañada ayuda bastante."),
    ],
    [
        ("t", "Buenos días, <P>. Hoy cerramos el proceso."),
        ("p", "Sí. Me da pena, pero estoy lista."),
        ("t", "Repasemos lo que logró."),
        ("p", "Aprendí a poner límites. Eso sobre todo."),
    ],
    [
        ("p", "Discúlpeme, estoy muy alterada."),
        ("t", "Tómese su tiempo. Respire conmigo."),
        ("p", "Ya. Es que {Osvaldo} volvió a la casa."),
        ("t", "¿Usted está segura ahí?"),
    ],
    [
        ("t", "Cuénteme cómo le fue en la entrevista."),
        ("p", "Creo que bien. Me preguntaron mucho por mis fortalezas."),
        ("t", "¿Y qué respondió?"),
        ("p", "Que soy responsable y ordenada."),
    ],
    [
        ("p", "Hola, perdón que llegue con mi hijo."),
        ("t", "No hay problema. ¿Quiere que espere afuera?"),
        ("p", "Sí, trajo su tablet. {Julián}, espérame aquí, ¿ya?"),
        ("t", "Perfecto, empecemos."),
    ],
    [
        ("t", "¿Qué le dijo la nutricionista?"),
        ("p", "Que coma cada cuatro horas."),
        ("t", "¿Le parece posible con su horario?"),
        ("p", "Difícil, pero lo voy a intentar."),
        ("t", "Gracias por su sinceridad, <P>. Nos vemos el jueves."),
    ],
]
