"""What is asked of the model (in Spanish), and the same answers built without one (offline).

Prompts receive already-pseudonymised text; the offline renderers work on the real data, which
never leaves the server."""

import html as html_lib
import json
import re
from dataclasses import dataclass, field
from datetime import date

import markdown
from django.conf import settings

from scheduling.outcomes import NORMS, classify
from sessai.sanitize import html_text

SYSTEM_CLINICAL = (
    "Eres un asistente de documentación clínica para psicólogos y terapeutas en Chile. Escribes en español "
    "neutro y profesional. Usa solo la información entregada: no inventes diagnósticos, datos ni citas. "
    "Los datos personales fueron reemplazados por marcadores entre corchetes como [PACIENTE] o [PERSONA_1]: "
    "consérvalos tal cual. Responde solo con el documento pedido, sin comentarios previos."
)

REPORT_LAYOUT = """# Informe de Progreso Terapéutico

**Paciente:** [PACIENTE]
**Período:** {period}
**Total de Sesiones:** {count}

## Resumen Ejecutivo
## Análisis de Progreso
### Áreas de Mejora Identificadas
### Patrones Identificados
## Recomendaciones
## Próximos Objetivos"""

BAND_ES = {
    "minimal": "mínima",
    "mild": "leve",
    "moderate": "moderada",
    "moderately_severe": "moderadamente severa",
    "severe": "severa",
}
TYPE_ES = {
    "mood": "Ánimo",
    "anxiety": "Ansiedad",
    "progress": "Progreso",
    "custom": "Personalizada",
    "phq9": "PHQ-9",
    "gad7": "GAD-7",
}


def ddmmyyyy(value: date) -> str:
    return value.strftime("%d/%m/%Y")


@dataclass
class SessionText:
    day: date
    minutes: int
    text: str


@dataclass
class AssessmentPoint:
    day: date
    type: str
    value: int
    severity: str = ""
    label: str = ""


@dataclass
class ReportData:
    patient_name: str
    period_start: date | None
    period_end: date | None
    sessions: list[SessionText]
    assessments: list[AssessmentPoint]
    goals: list[str]
    notes: str = ""
    missed: int = 0
    compacted: bool = field(default=False)

    @property
    def period(self) -> str:
        if self.period_start and self.period_end:
            return f"{ddmmyyyy(self.period_start)} – {ddmmyyyy(self.period_end)}"
        return "—"


def compact_history(sessions: list[SessionText], budget: int) -> tuple[list[str], bool]:
    """Fit the sessions into `budget` characters: the newest in full, older ones as excerpts, the
    oldest as dates only. Returns the blocks in chronological order and whether anything was cut."""
    blocks: dict[int, str] = {}
    used, compacted = 0, False
    full_limit, excerpt_limit = int(budget * 0.6), int(budget * 0.9)
    only_dates: list[date] = []
    for index in range(len(sessions) - 1, -1, -1):
        session = sessions[index]
        header = f"### Sesión del {ddmmyyyy(session.day)} ({session.minutes} min)\n"
        full = header + session.text.strip() + "\n"
        if used + len(full) <= full_limit:
            blocks[index] = full
        else:
            excerpt = header + session.text.strip()[:400].rsplit(" ", 1)[0] + " […]\n"
            compacted = True
            if used + len(excerpt) <= excerpt_limit:
                blocks[index] = excerpt
            else:
                only_dates.append(session.day)
                continue
        used += len(blocks[index])
    ordered = [blocks[i] for i in sorted(blocks)]
    if only_dates:
        dates = ", ".join(ddmmyyyy(d) for d in sorted(only_dates))
        ordered.insert(0, f"### Sesiones anteriores resumidas solo por fecha\n{dates}\n")
    return ordered, compacted


def assessments_table(points: list[AssessmentPoint]) -> str:
    if not points:
        return "Sin evaluaciones registradas en el período."
    lines = ["| Fecha | Instrumento | Puntaje | Severidad |", "|---|---|---|---|"]
    for p in points:
        name = p.label or TYPE_ES.get(p.type, p.type)
        lines.append(f"| {ddmmyyyy(p.day)} | {name} | {p.value} | {BAND_ES.get(p.severity, p.severity or '—')} |")
    return "\n".join(lines)


CHANGE_ES = {
    "recovered": "recuperación",
    "improved": "mejora confiable",
    "unchanged": "sin cambio confiable",
    "deteriorated": "empeoramiento confiable",
}


def reliable_change_lines(points: list[AssessmentPoint]) -> list[str]:
    """Per standardized instrument measured twice or more in the period: first and last (date and
    score) and the Jacobson–Truax class (scheduling/outcomes.py). Scores and dates only."""
    by_type: dict[str, list[AssessmentPoint]] = {}
    for p in points:
        if p.type in NORMS and p.value is not None:
            by_type.setdefault(p.type, []).append(p)
    lines = []
    for code, series in by_type.items():
        if len(series) < 2:
            continue
        first, last = series[0], series[-1]
        rci, change_class = classify(code, first.value, last.value)
        lines.append(
            f"- {TYPE_ES.get(code, code)}: {first.value} ({ddmmyyyy(first.day)}) → {last.value} ({ddmmyyyy(last.day)}); "
            f"índice de cambio confiable {rci:.1f}: {CHANGE_ES[change_class]}"
        )
    return lines


def report_prompt(data: ReportData, redact) -> str:
    budget = settings.AI_PROMPT_BUDGET_CHARS
    history, data.compacted = compact_history(
        [SessionText(s.day, s.minutes, redact(s.text)) for s in data.sessions], budget
    )
    goals = "\n".join(f"- {redact(g)}" for g in data.goals) or "Sin objetivos registrados."
    notes = redact(data.notes) if data.notes else "Sin notas generales."
    layout = REPORT_LAYOUT.format(period=data.period, count=len(data.sessions))
    changes = "\n".join(reliable_change_lines(data.assessments)) or "Sin dos mediciones del mismo cuestionario."
    return (
        "Redacta un informe de progreso terapéutico en Markdown con exactamente esta estructura "
        "(completa cada sección con párrafos o viñetas):\n\n"
        f"{layout}\n\n"
        "Incluye en el Análisis de Progreso la evolución de las evaluaciones estandarizadas (PHQ-9, GAD-7) "
        "cuando existan, indicando puntajes y bandas de severidad, y cita la fecha y el puntaje de cada "
        "evaluación en que te basas. El cambio confiable (Jacobson–Truax) ya está calculado: úsalo tal cual.\n"
        + (
            "Nota: el historial fue resumido para respetar el límite de extensión; prioriza las sesiones recientes.\n"
            if data.compacted
            else ""
        )
        + f"\n## Datos del período\n\n**Notas generales del paciente:**\n{notes}\n\n"
        f"**Objetivos terapéuticos:**\n{goals}\n\n"
        f"**Evaluaciones:**\n{assessments_table(data.assessments)}\n\n"
        f"**Cambio confiable:**\n{changes}\n\n"
        f"**Sesiones no asistidas en el período:** {data.missed}\n\n"
        "**Registros de sesión:**\n\n" + "\n".join(history)
    )


def _trend_sentences(points: list[AssessmentPoint]) -> list[str]:
    out = []
    by_type: dict[str, list[AssessmentPoint]] = {}
    for p in points:
        by_type.setdefault(p.label or p.type, []).append(p)
    for name, series in by_type.items():
        first, last = series[0], series[-1]
        label = TYPE_ES.get(name, name)
        if len(series) == 1:
            out.append(f"{label}: {first.value} ({ddmmyyyy(first.day)}){_band(first)}.")
            continue
        lower_is_better = first.type in ("phq9", "gad7", "anxiety")
        delta = last.value - first.value
        better = (delta < 0) if lower_is_better else (delta > 0)
        verb = "mejora" if better and delta else "empeora" if delta else "se mantiene"
        out.append(f"{label}: de {first.value}{_band(first)} a {last.value}{_band(last)} ({verb}).")
    return out


def _band(p: AssessmentPoint) -> str:
    return f" — {BAND_ES[p.severity]}" if p.severity in BAND_ES else ""


def report_offline(data: ReportData) -> str:
    """The report's sections, built from the data alone (model "offline")."""
    count = len(data.sessions)
    trends = _trend_sentences(data.assessments)
    themes = [_first_sentence(s.text) for s in data.sessions[-3:] if s.text.strip()]
    lines = [
        "# Informe de Progreso Terapéutico",
        "",
        f"**Paciente:** {data.patient_name}",
        f"**Período:** {data.period}",
        f"**Total de Sesiones:** {count}",
        "",
        "## Resumen Ejecutivo",
        "",
        (
            f"Durante el período se registraron {count} sesiones completadas"
            + (f" y {data.missed} inasistencias." if data.missed else ".")
            + (" " + " ".join(trends) if trends else " No hay evaluaciones estandarizadas en el período.")
        ),
        "",
        "## Análisis de Progreso",
        "",
        "### Áreas de Mejora Identificadas",
        "",
    ]
    lines += [f"- {t}" for t in trends] or ["- Sin evaluaciones suficientes para medir cambios."]
    lines += ["", "### Patrones Identificados", ""]
    lines += [f"- Tema reciente: {t}" for t in themes] or ["- Sin registros de sesión en el período."]
    if data.missed:
        lines.append(f"- Asistencia: {data.missed} sesiones no asistidas.")
    lines += [
        "",
        "## Recomendaciones",
        "",
        "- Revisar este resumen automático y completarlo con el juicio clínico del terapeuta.",
        "- Mantener la frecuencia de sesiones y repetir las evaluaciones estandarizadas para seguir la evolución.",
        "",
        "## Próximos Objetivos",
        "",
    ]
    lines += [f"- {g}" for g in data.goals] or ["- Definir objetivos terapéuticos para el próximo período."]
    lines += ["", "_Informe generado sin modelo de IA (modo sin conexión)._"]
    return "\n".join(lines)


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(re.sub(r"\s+", " ", text or "")) if s.strip()]


def _first_sentence(text: str) -> str:
    sentences = _sentences(text)
    return sentences[0][:200] if sentences else ""


# --- Documentation assistant ----------------------------------------------------------------

FORMAT_INSTRUCTIONS = {
    "summary": "Genera un resumen en 5 puntos en Markdown (lista con viñetas).",
    "soap": "Convierte a formato SOAP en Markdown con las secciones **S (Subjetivo)**, **O (Objetivo)**, **A (Análisis)** y **P (Plan)**.",
    "dap": "Convierte a formato DAP en Markdown con las secciones **D (Datos)**, **A (Análisis)** y **P (Plan)**.",
    "birp": "Convierte a formato BIRP en Markdown con las secciones **B (Conducta)**, **I "
    "(Intervención)**, **R (Respuesta)** y **P (Plan)**.",
}
DEFAULT_DOC = (
    "Estructura las notas en Markdown con el título 'Notas Estructuradas' y las secciones "
    "Tema Principal, Puntos Clave y Plan de Acción."
)
SESSION_SECTIONS = [
    "Temas Tratados",
    "Técnicas Utilizadas",
    "Observaciones del Terapeuta",
    "Plan para la Próxima Sesión",
]
TECHNIQUE_WORDS = re.compile(
    r"respiraci|reestructuraci|exposici|mindfulness|psicoeducaci|tcc|cognitiv|relajaci|role|registro|tarea|técnica|tecnica|emdr|validaci",
    re.I,
)
PLAN_WORDS = re.compile(r"próxim|proxim|siguiente|plan|tarea|seguimiento|continuar|revisar", re.I)


def documentation_prompt(notes: str, instruction: str, fmt: str) -> str:
    ask = FORMAT_INSTRUCTIONS.get(fmt) or DEFAULT_DOC
    if instruction:
        ask += f"\nInstrucción del terapeuta: {instruction}"
    return f"{ask}\n\nNotas sin estructurar:\n\n{notes}"


def session_structure_prompt(notes: str) -> str:
    sections = "".join(f"<h3>{name}</h3>" for name in SESSION_SECTIONS)
    return (
        "Estructura el siguiente registro de sesión en HTML usando exactamente estas cuatro secciones, cada una "
        f"con un <h3> y su contenido en <p> o <ul><li>: {sections}. Usa solo las etiquetas h3, p, ul, ol, li, strong, em.\n\n"
        f"Registro:\n\n{notes}"
    )


def documentation_offline(notes: str, instruction: str, fmt: str) -> str:
    sentences = _sentences(html_text(notes) if "<" in notes else notes)
    plan = [s for s in sentences if PLAN_WORDS.search(s)]
    rest = [s for s in sentences if s not in plan]
    wants_summary = fmt == "summary" or "resumen" in instruction.lower()
    wants_soap = fmt == "soap" or "soap" in instruction.lower()
    if wants_summary:
        return "## Resumen\n\n" + "\n".join(f"- {s}" for s in sentences[:5])
    if wants_soap:
        return _sections_md([("S (Subjetivo)", rest), ("O (Objetivo)", []), ("A (Análisis)", []), ("P (Plan)", plan)])
    if fmt == "dap":
        return _sections_md([("D (Datos)", rest), ("A (Análisis)", []), ("P (Plan)", plan)])
    if fmt == "birp":
        return _sections_md(
            [
                ("B (Conducta)", rest),
                ("I (Intervención)", [s for s in rest if TECHNIQUE_WORDS.search(s)]),
                ("R (Respuesta)", []),
                ("P (Plan)", plan),
            ]
        )
    return "# Notas Estructuradas\n\n" + _sections_md(
        [("Tema Principal", sentences[:1]), ("Puntos Clave", sentences[1:] or sentences), ("Plan de Acción", plan)],
        level=2,
    )


def _sections_md(sections, level: int = 2) -> str:
    out = []
    for title, items in sections:
        out.append(f"{'#' * level} {title}\n")
        out.append("\n".join(f"- {s}" for s in items) if items else "- (completar)")
        out.append("")
    return "\n".join(out).strip()


def session_structure_offline(notes: str) -> str:
    sentences = _sentences(html_text(notes) if "<" in notes else notes)
    techniques = [s for s in sentences if TECHNIQUE_WORDS.search(s)]
    plan = [s for s in sentences if PLAN_WORDS.search(s) and s not in techniques]
    themes = [s for s in sentences if s not in techniques and s not in plan]
    parts = []
    for title, items in zip(SESSION_SECTIONS, [themes[:3], techniques, themes[3:], plan], strict=True):
        body = "".join(f"<li>{html_lib.escape(s)}</li>" for s in items) or "<li>(completar)</li>"
        parts.append(f"<h3>{title}</h3><ul>{body}</ul>")
    return "".join(parts)


# --- A session's summary for the patient ----------------------------------------------------------

SYSTEM_PATIENT = (
    "Ayudas a psicólogos y terapeutas en Chile a escribirle a su paciente un resumen breve de la sesión. "
    "Escribes en español sencillo y cálido, de tú, sin jerga clínica, diagnósticos, puntajes ni juicios. "
    "Usa solo la información entregada: no inventes nada. Los datos personales fueron reemplazados por "
    "marcadores entre corchetes como [PACIENTE] o [PERSONA_1]: consérvalos tal cual. Responde solo con el resumen."
)
PATIENT_SUMMARY_WORDS = 150


def patient_summary_prompt(note: str, goals: list[str]) -> str:
    """The therapist's record of one session → what the patient reads: what was worked on and what
    was agreed, in plain text (the page shows it as written)."""
    lines = [
        f"Escribe para el paciente un resumen de esta sesión de no más de {PATIENT_SUMMARY_WORDS} palabras, en "
        "texto plano (sin Markdown ni HTML), en dos párrafos: uno que empiece con «En esta sesión» (qué "
        "conversamos y trabajamos) y otro que empiece con «Acordamos» (los próximos pasos o tareas). No menciones "
        "riesgos, diagnósticos, puntajes de cuestionarios ni a terceras personas. El terapeuta lo revisará y "
        "aprobará antes de enviarlo."
    ]
    if goals:
        lines += ["", "Objetivos de la sesión: " + "; ".join(goals)]
    lines += ["", "Registro del terapeuta:", "", note]
    return "\n".join(lines)


def patient_summary_offline(note: str, goals: list[str]) -> str:
    """Without a model: the record's sentences placed under the two paragraphs, for the therapist to
    rewrite (it says so)."""
    sentences = _sentences(note)
    agreed = [s for s in sentences if PLAN_WORDS.search(s)]
    worked = [s for s in sentences if s not in agreed][:3]
    first = "En esta sesión " + (("trabajamos en: " + "; ".join(goals) + ". ") if goals else "conversamos. ")
    first += " ".join(worked)
    second = "Acordamos: " + (" ".join(agreed) if agreed else "(completar)")
    return (
        f"{first.strip()}\n\n{second}\n\n(Borrador sin modelo de IA: reescríbelo para tu paciente antes de aprobarlo.)"
    )


# --- Recorded sessions -------------------------------------------------------------------------

TRANSCRIBE_SYSTEM = (
    "Eres un transcriptor clínico. Transcribes sesiones de psicoterapia en español, palabra por palabra, "
    "sin resumir ni corregir, y distingues quién habla: el terapeuta, el paciente u otra persona."
)
TRANSCRIBE_PROMPT = (
    "Transcribe este audio. Devuelve JSON con `segments`: una lista en orden de "
    "{speaker: therapist|patient|other, start: segundos, end: segundos, text}. Un segmento por turno de palabra."
)
SPEAKERS = ["therapist", "patient", "other"]
TRANSCRIPT_SCHEMA = {
    "type": "OBJECT",
    "properties": {
        "segments": {
            "type": "ARRAY",
            "items": {
                "type": "OBJECT",
                "properties": {
                    "speaker": {"type": "STRING", "enum": SPEAKERS},
                    "start": {"type": "NUMBER"},
                    "end": {"type": "NUMBER"},
                    "text": {"type": "STRING"},
                },
                "required": ["speaker", "start", "end", "text"],
            },
        }
    },
    "required": ["segments"],
}


def parse_segments(text: str | None) -> list[dict]:
    """The provider's JSON as segments, or ValueError (an unreadable answer)."""
    data = json.loads(text or "")
    segments = []
    for item in data["segments"]:
        speaker = item["speaker"] if item["speaker"] in SPEAKERS else "other"
        start, end = float(item["start"]), float(item["end"])
        words = str(item["text"]).strip()
        if words:
            segments.append(
                {"speaker": speaker, "start": round(start, 2), "end": round(max(end, start), 2), "text": words}
            )
    return segments


RISK_TYPES = ["self_harm", "suicide", "harm_to_others"]
RISK_WORDS = {
    "suicide": re.compile(r"suicid|quitarme la vida|no quiero vivir|matarme|acabar con todo", re.I),
    "self_harm": re.compile(r"autolesi|cortarme|hacerme daño|me corto|me hago daño", re.I),
    "harm_to_others": re.compile(r"matarlo|matarla|hacerle daño|golpearlo|golpearla|lastimar a", re.I),
}
STOPWORDS = set(
    "a al algo algunas algunos ante antes como con contra cual cuando de del desde donde durante e el ella ellas ellos en entre era "
    "es esa ese eso esta estaba estamos estar este esto estoy fue ha hace hay la las le les lo los me mi mis mucho muy más nada "
    "ni no nos o os para pero poco por porque que quien se sea ser si sido sin sobre su sus también te tengo tiene todo tu un una "
    "uno unos y ya yo bien bueno creo eh entonces mm pues sí vale así dijo digo ahora semana".split()
)


def analysis_prompt(transcript: str, fmt: str) -> str:
    note = FORMAT_INSTRUCTIONS.get(fmt) or FORMAT_INSTRUCTIONS["soap"]
    return (
        "Analiza la transcripción de esta sesión de psicoterapia (los segmentos van numerados entre corchetes) y "
        "devuelve solo JSON con estas claves:\n"
        f"- draftNote: nota clínica en Markdown. {note}\n"
        "- sentiment: {label: positivo|neutral|negativo, score: 0-100} del estado emocional del paciente.\n"
        "- topics: hasta 6 temas principales.\n- keywords: hasta 12 palabras clave.\n"
        f"- risks: menciones de riesgo, cada una {{type: {'|'.join(RISK_TYPES)}, segment: número del segmento, quote: cita breve}}; "
        "lista vacía si no hay.\n\n"
        f"Transcripción:\n\n{transcript}"
    )


def analysis_offline(segments: list[dict], fmt: str) -> dict:
    """Without a model: the patient's words as the note's subjective part, word counts as topics,
    risk words flagged with their segment. Plain, but the pipeline can be tried end to end."""
    patient = [s["text"] for s in segments if s["speaker"] == "patient"]
    therapist = [s["text"] for s in segments if s["speaker"] == "therapist"]
    words = [w.lower() for text in patient + therapist for w in re.findall(r"[a-záéíóúñü]{4,}", text, re.I)]
    counts: dict[str, int] = {}
    for word in words:
        if word not in STOPWORDS:
            counts[word] = counts.get(word, 0) + 1
    keywords = [w for w, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:12]]
    notes = " ".join(patient) + (" Intervención: " + " ".join(therapist) if therapist else "")
    risks = [
        {"type": kind, "segment": index, "quote": segment["text"][:200]}
        for index, segment in enumerate(segments)
        for kind, pattern in RISK_WORDS.items()
        if pattern.search(segment["text"])
    ]
    return {
        "draftNote": documentation_offline(notes, "", fmt),
        "sentiment": {"label": "neutral", "score": 50},
        "topics": keywords[:6],
        "keywords": keywords,
        "risks": risks,
    }


ANALYSIS_SCHEMA = {  # what parse_analysis reads, asked of the provider as its response schema
    "type": "OBJECT",
    "properties": {
        "draftNote": {"type": "STRING"},
        "sentiment": {
            "type": "OBJECT",
            "properties": {
                "label": {"type": "STRING", "enum": ["positivo", "neutral", "negativo"]},
                "score": {"type": "INTEGER"},
            },
            "required": ["label", "score"],
        },
        "topics": {"type": "ARRAY", "items": {"type": "STRING"}},
        "keywords": {"type": "ARRAY", "items": {"type": "STRING"}},
        "risks": {
            "type": "ARRAY",
            "items": {
                "type": "OBJECT",
                "properties": {
                    "type": {"type": "STRING", "enum": RISK_TYPES},
                    "segment": {"type": "INTEGER"},
                    "quote": {"type": "STRING"},
                },
                "required": ["type", "quote"],
            },
        },
    },
    "required": ["draftNote", "sentiment", "topics", "keywords", "risks"],
}


def parse_analysis(text: str, *, segments: int) -> dict:
    """The provider's JSON, checked and bounded; ValueError when it is not what was asked."""
    data = json.loads(_json_block(text))
    sentiment = data.get("sentiment") or {}
    label = str(sentiment.get("label", "neutral")).lower()
    risks = []
    for risk in data.get("risks") or []:
        segment = risk.get("segment")
        risks.append(
            {
                "type": risk.get("type") if risk.get("type") in RISK_TYPES else "self_harm",
                "segment": segment if isinstance(segment, int) and 0 <= segment < segments else None,
                "quote": str(risk.get("quote", ""))[:300],
            }
        )
    return {  # stored as the API's serializer reads it (snake_case; camelCase on the wire)
        "draft_note": str(data["draftNote"]),
        "sentiment": {
            "label": label if label in ("positivo", "neutral", "negativo") else "neutral",
            "score": max(0, min(100, int(sentiment.get("score", 50)))),
        },
        "topics": [str(t) for t in (data.get("topics") or [])][:6],
        "keywords": [str(k) for k in (data.get("keywords") or [])][:12],
        "risks": risks,
    }


def _json_block(text: str) -> str:
    text = text.strip()
    if text.startswith("```"):
        text = text.strip("`")
        text = text[text.find("{") :]
    return text


def markdown_html(text: str) -> str:
    return markdown.markdown(text or "", extensions=["sane_lists"])
