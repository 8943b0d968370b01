def test_health_reports_database_and_model(client):
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["model"] == "ok"


def test_model_describes_the_champion(client, session):
    model = client.get("/api/model").json()
    assert model["kind"] == "keras_mlp"
    assert 0 < model["threshold"] < 1
    assert {"validation", "test"} <= set(model["metrics"])
    assert model["metrics"]["test"]["auprc"] >= model["metrics"]["test"]["prevalence"]
    assert model["training"]["time_end"] >= model["training"]["time_start"]


def test_models_lists_served_versions_and_marks_the_champion(client):
    page = client.get("/api/models").json()
    assert page["count"] == 1
    assert page["data"][0]["is_champion"] is True
    assert page["data"][0]["version"] == client.get("/api/model").json()["version"]
