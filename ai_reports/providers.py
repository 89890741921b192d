"""One provider interface, two implementations: Gemini through the google-genai SDK, and an offline
provider (no key set) that builds the same sections from the data without a model, at 0 credits."""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from sessai.errors import ServiceUnavailable

logger = logging.getLogger("sessai.ai")

OFFLINE_MODEL = "offline"


class ProviderUnavailable(ServiceUnavailable):
    code = "ai_unavailable"
    default_message = _(
        "El servicio de IA no está disponible en este momento. Intenta nuevamente en unos minutos; no se cobraron créditos."
    )


class ProviderBadAnswer(ServiceUnavailable):
    code = "ai_bad_answer"
    default_message = _(
        "El servicio de IA entregó una respuesta inválida. Intenta nuevamente; no se cobraron créditos."
    )


@dataclass
class AITask:
    """What to ask: the prompt for a model, and how to build the answer without one."""

    system: str
    prompt: str
    offline: Callable[[], str]
    max_output_tokens: int = field(default_factory=lambda: settings.AI_MAX_OUTPUT_TOKENS)
    response_schema: dict | None = None  # asks the provider for JSON of this shape (its response schema)


@dataclass
class Completion:
    text: str
    input_tokens: int
    output_tokens: int
    model: str


class StreamResult:
    """Iterate for text chunks; `completion` is filled in when the stream ends."""

    def __init__(self, chunks: Iterator[str], finish: Callable[[str], Completion]):
        self._chunks = chunks
        self._finish = finish
        self.completion: Completion | None = None

    def __iter__(self):
        parts = []
        for chunk in self._chunks:
            parts.append(chunk)
            yield chunk
        self.completion = self._finish("".join(parts))


class OfflineProvider:
    is_offline = True

    def complete(self, task: AITask, *, model: str) -> Completion:
        return Completion(text=task.offline(), input_tokens=0, output_tokens=0, model=OFFLINE_MODEL)

    def stream(self, task: AITask, *, model: str) -> StreamResult:
        text = task.offline()
        chunks = (text[i : i + 200] for i in range(0, len(text), 200))
        return StreamResult(chunks, lambda full: Completion(full, 0, 0, OFFLINE_MODEL))


class GeminiProvider:
    """google-genai with a configurable base URL (tests point it at a local fake server), a
    per-request timeout, and the SDK's own retries with exponential backoff on 408/429/5xx."""

    is_offline = False

    def __init__(self):
        from google import genai  # noqa: PLC0415 (heavy, loaded on first use)
        from google.genai import types  # noqa: PLC0415 (heavy, loaded on first use)

        self._types = types
        http_options = types.HttpOptions(
            base_url=settings.GEMINI_BASE_URL or None,
            timeout=int(settings.AI_TIMEOUT_SECONDS * 1000),
            retry_options=types.HttpRetryOptions(
                attempts=settings.AI_RETRY_ATTEMPTS,
                initial_delay=settings.AI_RETRY_INITIAL_DELAY,
                max_delay=8.0,
                http_status_codes=[408, 429, 500, 502, 503, 504],
            ),
        )
        self._client = genai.Client(api_key=settings.GEMINI_API_KEY, http_options=http_options)

    @property
    def client(self):
        """The SDK client, for calls beyond text completion (the Files API for recordings)."""
        return self._client

    @property
    def types(self):
        return self._types

    def call(self, fn):
        """Run an SDK call with the provider's error mapping (503/bad answer, never a raw error)."""
        return self._call(fn)

    def _config(self, task: AITask):
        json_output = (
            {"response_mime_type": "application/json", "response_schema": task.response_schema}
            if task.response_schema
            else {}
        )
        return self._types.GenerateContentConfig(
            system_instruction=task.system, max_output_tokens=task.max_output_tokens, temperature=0.3, **json_output
        )

    @staticmethod
    def _usage(metadata) -> tuple[int, int]:
        if metadata is None or metadata.prompt_token_count is None:
            raise ProviderBadAnswer()
        output = (metadata.candidates_token_count or 0) + (metadata.thoughts_token_count or 0)
        return metadata.prompt_token_count, output

    def _call(self, fn):
        from google.genai import errors  # noqa: PLC0415 (heavy, loaded on first use)

        try:
            return fn()
        except errors.APIError as exc:
            logger.warning("Gemini error after retries: %s", exc.code)
            raise ProviderUnavailable() from exc
        except (ValueError, KeyError, TypeError) as exc:  # unparseable answer
            logger.warning("Gemini answer could not be read: %s", type(exc).__name__)
            raise ProviderBadAnswer() from exc
        except Exception as exc:  # timeouts and connection errors from httpx, after retries
            logger.warning("Gemini unreachable: %s", type(exc).__name__)
            raise ProviderUnavailable() from exc

    def complete(self, task: AITask, *, model: str) -> Completion:
        response = self._call(
            lambda: self._client.models.generate_content(model=model, contents=task.prompt, config=self._config(task))
        )
        text = self._call(lambda: response.text)
        if not text or not text.strip():
            raise ProviderBadAnswer()
        input_tokens, output_tokens = self._usage(response.usage_metadata)
        return Completion(text=text, input_tokens=input_tokens, output_tokens=output_tokens, model=model)

    def stream(self, task: AITask, *, model: str) -> StreamResult:
        chunks = self._call(
            lambda: self._client.models.generate_content_stream(
                model=model, contents=task.prompt, config=self._config(task)
            )
        )
        state = {"usage": None}

        def texts():
            iterator = iter(chunks)
            while True:
                chunk = self._call(lambda: next(iterator, None))
                if chunk is None:
                    return
                if chunk.usage_metadata is not None:
                    state["usage"] = chunk.usage_metadata
                if chunk.text:
                    yield chunk.text

        def finish(full: str) -> Completion:
            if not full.strip():
                raise ProviderBadAnswer()
            input_tokens, output_tokens = self._usage(state["usage"])
            return Completion(text=full, input_tokens=input_tokens, output_tokens=output_tokens, model=model)

        return StreamResult(texts(), finish)


def get_provider():
    return GeminiProvider() if settings.GEMINI_API_KEY else OfflineProvider()
