"""The long-lived parts the routes use, built once per process in the app's lifespan (`main.py`) and
handed to routes through `api.deps`. Nothing else reads or writes `app.state`."""

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from fraudops.core.config import Settings
from fraudops.policy import Policy
from fraudops.predlog import PredictionLog
from fraudops.serving import ModelWatcher
from fraudops.training.retraining import Supervisor


@dataclass(frozen=True)
class Services:
    settings: Settings
    session_factory: sessionmaker[Session]
    models: ModelWatcher  # holds the champion being served (`models.scorer`) and swaps in new ones
    prediction_log: PredictionLog
    retraining: Supervisor
    policy: Policy  # the bands and shadow challenger in force, refreshed in the background
