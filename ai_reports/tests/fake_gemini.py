"""A local stand-in for the Gemini REST API, so tests drive the real google-genai SDK over HTTP.

Queue scripted answers with `reply(...)`, `stream(...)`, `fail(...)`, `hang(...)`, `garbage()`;
every request is recorded (path, headers, JSON body) in `requests`.

It also speaks the Files API the SDK uses for audio: the resumable upload (`POST /upload/v1beta/files`
answers an `x-goog-upload-url`; chunks are POSTed there with `X-Goog-Upload-Command`), the file's
state (`GET /v1beta/files/{id}`, PROCESSING for `processing_polls` reads, then ACTIVE) and its
deletion. Uploaded bytes are kept in `files`."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeGemini:
    def __init__(self):
        self.requests: list[dict] = []
        self.files: dict[str, dict] = {}
        self.processing_polls = 0
        self._script: list[tuple] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                fake._file_request(self, "GET")

            def do_DELETE(self):
                fake._file_request(self, "DELETE")

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                if self.path.startswith("/upload/"):
                    return fake._upload(self, self.rfile.read(length))
                raw = self.rfile.read(length).decode()
                with fake._lock:
                    fake.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": json.loads(raw or "{}"), "raw": raw}
                    )
                    step = fake._script.pop(0) if fake._script else ("reply", "Respuesta por defecto", 10, 5)
                if step[0] == "reply" and callable(step[1]):
                    prompt = fake.requests[-1]["body"]["contents"][0]["parts"][0]["text"]
                    step = ("reply", step[1](prompt), step[2], step[3])
                fake._serve(self, step)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    # -- Files API

    def _file_json(self, name: str) -> dict:
        entry = self.files[name]
        state = "PROCESSING" if entry["polls"] < self.processing_polls else "ACTIVE"
        return {
            "name": name,
            "mimeType": entry["mime"],
            "sizeBytes": str(len(entry["bytes"])),
            "state": state,
            "uri": f"{self.url}v1beta/{name}",
        }

    def _upload(self, handler, body: bytes):
        command = handler.headers.get("X-Goog-Upload-Command", "")
        with self._lock:
            self.requests.append({"path": handler.path, "headers": dict(handler.headers), "body": None, "raw": ""})
            if command == "start":
                name = f"files/audio{len(self.files) + 1}"
                meta = json.loads(body or b"{}").get("file", {})
                mime = meta.get("mimeType") or handler.headers.get("X-Goog-Upload-Header-Content-Type", "")
                self.files[name] = {"bytes": b"", "mime": mime, "polls": 0, "deleted": False}
                handler.send_response(200)
                handler.send_header("x-goog-upload-url", f"{self.url}upload/v1beta/files?upload_id={name}")
                handler.send_header("x-goog-upload-status", "active")
                handler.send_header("Content-Length", "2")
                handler.end_headers()
                handler.wfile.write(b"{}")
                return None
            name = handler.path.split("upload_id=", 1)[1]
            entry = self.files[name]
            entry["bytes"] += body
        final = "finalize" in command
        payload = json.dumps({"file": self._file_json(name)} if final else {}).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("x-goog-upload-status", "final" if final else "active")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)
        return None

    def _file_request(self, handler, method: str):
        name = "files/" + handler.path.split("/files/", 1)[-1].split("?", 1)[0]  # /v1beta/files/x or /v1/files/x
        with self._lock:
            self.requests.append(
                {"path": handler.path, "headers": dict(handler.headers), "body": None, "raw": "", "method": method}
            )
            entry = self.files.get(name)
            if entry is not None:
                if method == "DELETE":
                    entry["deleted"] = True
                else:
                    entry["polls"] += 1
        if entry is None:
            return self._json(handler, 404, {"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}})
        return self._json(handler, 200, {} if method == "DELETE" else self._file_json(name))

    # -- scripting

    def reply(self, text, prompt_tokens: int = 1000, output_tokens: int = 500):
        """`text` may be a function of the request's prompt, to answer with what was sent."""
        self._script.append(("reply", text, prompt_tokens, output_tokens))

    def stream(self, chunks: list[str], prompt_tokens: int = 1000, output_tokens: int = 500):
        self._script.append(("stream", chunks, prompt_tokens, output_tokens))

    def fail(self, status: int, times: int = 1):
        self._script.extend([("fail", status)] * times)

    def hang(self, seconds: float, times: int = 1):
        self._script.extend([("hang", seconds)] * times)

    def garbage(self, times: int = 1):
        self._script.extend([("garbage",)] * times)

    # -- answers

    @staticmethod
    def _body(text, prompt_tokens=None, output_tokens=None, final=True):
        body = {
            "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "index": 0}],
            "modelVersion": "fake",
        }
        if final:
            body["candidates"][0]["finishReason"] = "STOP"
            body["usageMetadata"] = {
                "promptTokenCount": prompt_tokens,
                "candidatesTokenCount": output_tokens,
                "totalTokenCount": prompt_tokens + output_tokens,
            }
        return body

    def _serve(self, handler, step):
        kind = step[0]
        if kind == "hang":
            time.sleep(step[1])
            return self._json(handler, 200, self._body("tarde", 1, 1))
        if kind == "fail":
            return self._json(
                handler, step[1], {"error": {"code": step[1], "message": "scripted failure", "status": "UNAVAILABLE"}}
            )
        if kind == "garbage":
            payload = b"<html>not json</html>"
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
            return None
        if kind == "reply":
            return self._json(handler, 200, self._body(step[1], step[2], step[3]))
        if kind == "stream":
            chunks, prompt_tokens, output_tokens = step[1], step[2], step[3]
            handler.send_response(200)
            handler.send_header("Content-Type", "text/event-stream")
            handler.send_header("Connection", "close")
            handler.end_headers()
            for i, chunk in enumerate(chunks):
                final = i == len(chunks) - 1
                event = self._body(chunk, prompt_tokens, output_tokens, final=final)
                handler.wfile.write(f"data: {json.dumps(event)}\r\n\r\n".encode())
                handler.wfile.flush()
            handler.close_connection = True
        return None

    @staticmethod
    def _json(handler, status, body):
        payload = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)
