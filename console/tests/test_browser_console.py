"""The console's sign-in in a real browser (Debian's Chromium through Playwright): password, TOTP
setup with the secret the page shows, the recovery codes, then the dashboard; a second sign-in with
a code. The setup and codes pages are never cached."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import hotp_value

from sessai.tests.browser import assert_accessible, last_document_status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code(secret: str) -> str:
    return f"{hotp_value(secret, int(time.time()) // 30):06d}"


def _password(page, email, password):
    page.goto("/admin/login/")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Continuar").click()
    assert last_document_status(page) == 200


def test_an_operator_sets_up_totp_and_signs_in_again(desktop, operator_user):
    _password(desktop, "ops@sessai.com", "OpsClave123")
    assert "verificación en dos pasos" in desktop.locator("#content-main").inner_text()
    setup = [r for r in desktop.responses if r.request.resource_type == "document"][-1]
    assert "no-store" in setup.headers["cache-control"]
    assert_accessible(desktop)
    secret = desktop.locator("code.secret").inner_text().strip()
    desktop.locator("input[name=code]").fill(_code(secret))
    desktop.get_by_role("button", name="Activar y entrar").click()
    desktop.locator("ol.codes li").first.wait_for()
    assert len(desktop.locator("ol.codes li").all_inner_texts()) >= 8
    documents = [r for r in desktop.responses if r.request.resource_type == "document"]
    assert "no-store" in documents[-1].headers["cache-control"]
    desktop.get_by_role("button", name="Los guardé: entrar").click()
    assert last_document_status(desktop) == 200 and re.search(r"/admin/$", desktop.url)
    assert Authenticator.objects.filter(user=operator_user, type="totp").exists()

    desktop.context.clear_cookies()
    _password(desktop, "ops@sessai.com", "OpsClave123")
    desktop.locator("input[name=code]").fill("000000" if _code(secret) != "000000" else "111111")
    desktop.get_by_role("button", name="Entrar").click()
    assert "no es válido" in desktop.locator("#content-main").inner_text()
    desktop.locator("input[name=code]").fill(_code(secret))
    desktop.get_by_role("button", name="Entrar").click()
    assert last_document_status(desktop) == 200 and re.search(r"/admin/$", desktop.url)
