import subprocess
import sys

import numpy as np

from fraudops.data import synthetic
from fraudops.ml import artifact, features
from fraudops.ml.onnx_export import Dense, dense_network
from fraudops.ml.scorer import Scorer
from tests.utils import raw_and_labels


def test_onnx_feature_graph_matches_numpy():
    raw, _ = raw_and_labels(synthetic.generate(2_000, seed=9))
    engineered = features.engineer(raw)
    mean, scale = engineered.mean(axis=0), engineered.std(axis=0)
    identity = Dense(np.eye(features.N_ENGINEERED, dtype=np.float32)[:, :1] * 0, np.zeros(1), "sigmoid")
    # A network whose only layer reads nothing checks shapes; the parity check uses a linear probe.
    probe = np.random.default_rng(0).normal(size=(features.N_ENGINEERED, 1)).astype(np.float32)
    onnx_bytes = dense_network([Dense(probe, np.zeros(1), "sigmoid")], mean, scale)
    card = artifact.ModelCard(
        version="t", kind="test", threshold=0.5, created_at="2026-01-01T00:00:00Z", metrics={}, training={}
    )
    got = Scorer(onnx_bytes, card).predict_proba(raw)
    expected = 1 / (1 + np.exp(-(((engineered - mean) / scale) @ probe).ravel()))
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert Scorer(dense_network([identity], mean, scale), card).predict_proba(raw[:3]).tolist() == [0.5] * 3


def test_trained_model_folder_is_complete(model_dir):
    card = artifact.read_card(model_dir)
    assert card.training["parity"]["max_abs_diff"] < 1e-4
    assert card.onnx_sha256 == artifact.sha256((model_dir / artifact.ONNX_FILE).read_bytes())
    assert card.training["rows"] > 0 and card.training["frauds"] > 0
    assert (model_dir / artifact.ONNX_FILE).stat().st_size < 1_000_000


def test_serving_never_imports_tensorflow(model_dir, tmp_path):
    code = f"""
import sys
from fastapi.testclient import TestClient
from fraudops.core.config import Settings
from fraudops.core.migrate import upgrade_to_head
from fraudops.main import create_app
s = Settings(var_dir={str(tmp_path)!r}, model_dir={str(model_dir)!r})
upgrade_to_head(s.sqlalchemy_url)
with TestClient(create_app(s)) as c:
    row = {{"Time": 1, **{{f"V{{i}}": 0 for i in range(1, 29)}}, "Amount": 1}}
    assert c.post("/api/predict", json=row).status_code == 200
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras"))
print("heavy:", heavy)
sys.exit(1 if heavy else 0)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
