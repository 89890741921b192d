"""PDFs never fetch what their HTML names, except resources embedded as `data:` URLs."""

import base64
import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from PIL import Image

from ai_reports.pdf import html_to_pdf


def test_file_and_internal_http_resources_are_not_fetched(tmp_path):
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    secret = tmp_path / "secret.png"
    Image.new("RGB", (10, 10), "red").save(secret)
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), "blue").save(buffer, "PNG")
    embedded = base64.b64encode(buffer.getvalue()).decode()
    port = server.server_address[1]
    try:
        pdf = html_to_pdf(f"""<html><head><link rel="stylesheet" href="http://127.0.0.1:{port}/style.css"></head>
            <body><p>Informe</p><img src="file://{secret}"><img src="http://127.0.0.1:{port}/pixel.png">
            <div style="background: url('http://127.0.0.1:{port}/bg.png')">x</div>
            <img src="data:image/png;base64,{embedded}"></body></html>""")
    finally:
        server.shutdown()
    assert pdf.startswith(b"%PDF") and hits == []
    assert b"/Subtype /Image" in pdf or b"/Subtype/Image" in pdf  # the embedded image is there
