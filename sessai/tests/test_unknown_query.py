"""Query parameters an operation does not declare are refused, so a misspelt filter never answers
the unfiltered list."""


def test_a_misspelt_filter_is_a_400_naming_it(as_admin):
    response = as_admin.get("/api/patients", {"stauts": "active", "search": "Ana"})
    body = response.json()
    assert response.status_code == 400 and body["code"] == "unknown_parameter"
    assert body["message"] == "Parámetro de consulta desconocido: stauts" and body["errors"] == {
        "stauts": ["Parámetro desconocido"]
    }
    assert as_admin.get("/api/patients", {"status": "active", "search": "Ana", "page": 1}).status_code == 200


def test_every_declared_parameter_passes(as_admin, api):
    assert as_admin.get("/api/admin/billing/daily", {"days": 7}).status_code == 200
    assert as_admin.get("/api/admin/billing/daily", {"days": 7, "format": "json"}).status_code == 400  # not declared
    assert (
        as_admin.get("/api/blocked-times", {"therapistId": "not-a-uuid"}).status_code == 400
    )  # declared, then validated
    assert api.get("/api/health", {"x": "1"}).status_code == 400
    english = as_admin.get("/api/patients", {"q": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400 and english.json()["code"] == "unknown_parameter"


def test_it_can_be_switched_off(as_admin, settings):
    settings.API_REFUSE_UNKNOWN_QUERY_PARAMETERS = False
    assert as_admin.get("/api/patients", {"stauts": "active"}).status_code == 200
