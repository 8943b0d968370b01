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
