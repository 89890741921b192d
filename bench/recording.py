"""The recorded-session pipeline's own overhead for a long recording, the provider excluded.

    .venv/bin/python bench/recording.py [minutes=60]

Encodes `minutes` of Ogg/Opus, then times what SessAI itself does: the upload's work (measure
with PyAV, hash, store, reserve credits), with its peak Python memory; the transcription job
(local copy, split into parts, stitch) with every provider call answered at once by the fake
Gemini server and its time subtracted; and the analysis job. Everything runs in one transaction
that is rolled back, and the stored file is deleted: the database is left as it was.
"""

import array
import math
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sessai.settings.dev")


def encode(path: Path, minutes: int) -> None:
    import av

    rate, frame = 48000, 960
    second = array.array("h", (int(9000 * math.sin(2 * math.pi * 220 * i / rate)) for i in range(rate))).tobytes()
    with av.open(str(path), "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=rate, layout="mono")
        for n in range(minutes * 60 * rate // frame):
            audio = av.AudioFrame(format="s16", layout="mono", samples=frame)
            offset = (n * frame % rate) * 2
            audio.planes[0].update((second + second)[offset : offset + frame * 2])
            audio.sample_rate, audio.pts = rate, n * frame
            for packet in stream.encode(audio):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def main(minutes: int) -> None:
    import django

    django.setup()

    from sessai import scope

    scope.use_platform("command")  # a benchmark's own set-up spans practices
    import json

    from django.conf import settings
    from django.db import transaction

    from accounts.choices import Role
    from accounts.tests.factories import MembershipFactory, PracticeFactory
    from ai_reports import providers
    from ai_reports.models import PracticeAISettings, RecordingConsent
    from ai_reports.services import recordings
    from ai_reports.tests.fake_gemini import FakeGemini
    from billing import services as billing
    from patients.tests.factories import patient_for
    from scheduling.models import Session

    fake = FakeGemini()
    settings.GEMINI_API_KEY, settings.GEMINI_BASE_URL = "bench", fake.url
    provider_seconds = [0.0]
    original = providers.GeminiProvider.call

    def timed(self, fn):
        started = time.perf_counter()
        try:
            return original(self, fn)
        finally:
            provider_seconds[0] += time.perf_counter() - started

    providers.GeminiProvider.call = timed
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sesion.ogg"
        started = time.perf_counter()
        encode(path, minutes)
        print(
            f"fixture: {minutes} min of Ogg/Opus, {path.stat().st_size / 1e6:.1f} MB, encoded in {time.perf_counter() - started:.1f} s"
        )
        parts = math.ceil(minutes * 60 / settings.RECORDING_CHUNK_SECONDS)
        for _ in range(parts):
            segments = [
                {"speaker": "patient", "start": s * 10.0, "end": s * 10.0 + 9, "text": "Texto de prueba."}
                for s in range(120)
            ]
            fake.reply(json.dumps({"segments": segments}), 1000, 1000)
        fake.reply(
            json.dumps(
                {
                    "draftNote": "Nota.",
                    "sentiment": {"label": "neutral", "score": 50},
                    "topics": [],
                    "keywords": [],
                    "risks": [],
                }
            ),
            1000,
            200,
        )
        with transaction.atomic():
            practice = PracticeFactory()
            billing.subscription_start(practice=practice)
            billing.credits_grant(practice=practice, amount=100000, reason="bench")
            member = MembershipFactory(practice=practice, role=Role.THERAPIST)
            patient = patient_for(member)
            PracticeAISettings.objects.create(practice=practice, audio_transcription=True)
            RecordingConsent.objects.create(
                practice=practice, patient=patient, text_version="bench", registered_by=member.user
            )
            from django.utils import timezone

            now = timezone.now()
            session = Session.objects.create(
                practice=practice,
                patient=patient,
                therapist=member.user,
                starts_at=now,
                ends_at=now + timezone.timedelta(hours=1),
                status="completed",
            )
            tracemalloc.start()
            started = time.perf_counter()
            recording, _ = recordings.recording_add(
                session=session, membership=member, path=path, size=path.stat().st_size
            )
            upload_s = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(
                f"upload work (measure, hash, store, reserve): {upload_s:.2f} s, peak Python memory {peak / 1e6:.1f} MB, "
                f"measured {recording.duration_seconds} s"
            )
            started = time.perf_counter()
            recordings.transcribe(recording_id=str(recording.pk), last_attempt=True)
            total = time.perf_counter() - started
            print(
                f"transcription job: {total:.2f} s in all, {provider_seconds[0]:.2f} s in provider calls "
                f"({parts} parts) → overhead {total - provider_seconds[0]:.2f} s"
            )
            provider_seconds[0] = 0.0
            started = time.perf_counter()
            recordings.analyze(session_id=str(session.pk))
            print(f"analysis job: {time.perf_counter() - started:.2f} s (provider answered at once)")
            recording.refresh_from_db()
            print(f"status: {recording.status}")
            if recording.audio:
                recording.audio.delete(save=False)
            transaction.set_rollback(True)
    fake.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
