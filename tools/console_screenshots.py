"""Photographs the operators' console (the dashboard and a practice's page) with headless
Chromium, into docs/img/console/. Signs in through the real two-step login: it creates an operator
with TOTP if needed and types the current code.

    pip install playwright   # the driver only; it uses the system's Chromium
    DATABASE_URL=... PYTHONPATH=. .venv/bin/python tools/console_screenshots.py

The server must be running on BASE (default http://127.0.0.1:8765) against the same database."""

import os
import sys
import time
from pathlib import Path

import django

BASE = os.environ.get("BASE", "http://127.0.0.1:8765")
OUT = Path(__file__).resolve().parent.parent / "docs" / "img" / "console"


def operator_secret() -> str:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts.models import User

    user = User.objects.filter(email="ops@sessai.com").first() or User.objects.create_superuser(
        email="ops@sessai.com", password="OpsClave123", name="Operaciones"
    )
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()  # a fresh secret we know
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sessai.settings.dev")
    django.setup()
    from allauth.mfa.totp.internal.auth import hotp_value
    from playwright.sync_api import sync_playwright

    from accounts.models import Practice

    secret = operator_secret()
    practice = Practice.objects.order_by("created_at").first()
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("CHROME", "/usr/bin/chromium"), args=["--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="es-CL")
        page.goto(f"{BASE}/admin/login/")
        page.fill("input[name=username]", "ops@sessai.com")
        page.fill("input[name=password]", "OpsClave123")
        page.click("input[type=submit]")
        page.fill("input[name=code]", f"{hotp_value(secret, int(time.time()) // 30):06d}")
        page.click("input[type=submit]")
        page.goto(f"{BASE}/admin/")
        page.screenshot(path=str(OUT / "dashboard.png"), full_page=True)
        page.goto(f"{BASE}/admin/accounts/practice/{practice.pk}/change/")
        page.screenshot(path=str(OUT / "practice.png"))  # the top: the overview panel
        page.context.clear_cookies()
        page.goto(f"{BASE}/admin/login/")
        page.screenshot(path=str(OUT / "login.png"))
        browser.close()
    print("\n".join(str(OUT / n) for n in ("dashboard.png", "practice.png", "login.png")))


if __name__ == "__main__":
    main()
