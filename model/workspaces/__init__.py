"""Workspaces: what a user makes (drawings, models, concept sets, label marks, views) kept in a database.

Storage only, no Streamlit: SQLAlchemy 2 Core over SQLite (embedded default, WAL) or PostgreSQL
(DIGIT_LENS_DATABASE_URL), schema by Alembic migrations shipped here and applied on open. It lives on
the model floor so the app, the CLI (app/workspaces) and the tests share one store without a browser.
"""

from model.workspaces.config import Quotas, StoreConfig
from model.workspaces.kinds import KINDS, ConceptSetItem, DrawingItem, LabelMarksItem, ModelItem, ViewItem
from model.workspaces.store import ItemInfo, QuotaExceeded, Store, StoreUnavailable, Usage, WorkspaceNotFound

__all__ = ["KINDS", "ConceptSetItem", "DrawingItem", "ItemInfo", "LabelMarksItem", "ModelItem", "QuotaExceeded",
           "Quotas", "Store", "StoreConfig", "StoreUnavailable", "Usage", "ViewItem", "WorkspaceNotFound"]
