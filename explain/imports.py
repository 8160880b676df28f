"""One importer for the heavy explainer libraries (captum, shap, lime, sklearn, pandas), one at a time.

Importing captum, shap, lime and sklearn takes seconds, and two threads importing pandas (via shap)
or sklearn at the same moment can see a partially initialised module ("has no attribute 'Series'").
So every heavy import goes through `ensure_imported`, which holds one process-wide lock: a
background importer thread takes the groups one by one, and a page that needs a group before the
importer got to it simply waits for that group (the import itself then is a no-op).
"""

from __future__ import annotations

import importlib
import sys
import threading
from types import ModuleType

# Process-wide, like model.rng's lock: one importer at a time.
IMPORT_LOCK = threading.RLock()
# In the order the app needs them: the method registry (our adapter modules, which import no library
# until a method runs: a page lists the methods without waiting seconds for captum), captum for the
# fast gradient maps, then the rest.
IMPORT_GROUPS: dict[str, tuple[str, ...]] = {
    "methods": ("explain.adapters.captum_gradient", "explain.adapters.captum_perturbation",
                "explain.adapters.lime_methods", "explain.adapters.shap_methods"),
    "captum": ("captum.attr",),
    "pandas": ("pandas", "pyarrow"),  # st.dataframe converts through them
    "sklearn": ("sklearn.linear_model",),  # Captum's Lime/KernelShap import it lazily
    "shap": ("shap",),
    "lime": ("lime.lime_image", "skimage.segmentation"),
    # A torch optimiser's first construction imports torch._dynamo (seconds): What if's counterfactual
    # and the Train page build one per request.
    "optim": ("torch._dynamo",),
}


# Set once a group's imports have *finished* (a module is in sys.modules while still half-initialised, so
# that is no test). Created with the groups and only ever set: a page reads them without any lock.
_DONE: dict[str, threading.Event] = {group: threading.Event() for group in IMPORT_GROUPS}
POLL_S = 0.05


def ensure_imported(*groups: str) -> None:
    """Import these groups (all when none are named), one importer at a time; cheap once done.

    A caller waits for *its* group, not for the lock: whoever holds the lock may be importing another
    group for seconds, and a lock is not fair (the background importer releasing it between groups
    usually takes it straight back). py-spy of a fresh server showed the first page waiting 3.5 s for
    the lock behind captum and sklearn although the pandas it needed had long been imported.
    """
    for group in groups or tuple(IMPORT_GROUPS):
        if group not in IMPORT_GROUPS:
            raise ValueError(f"unknown import group {group!r}; known: {', '.join(IMPORT_GROUPS)}")
        done = _DONE[group]
        while not done.is_set():
            if not IMPORT_LOCK.acquire(timeout=POLL_S):
                continue  # someone else is importing: look again whether it was this group
            try:
                if not done.is_set():
                    for module in IMPORT_GROUPS[group]:
                        importlib.import_module(module)
                    done.set()
            finally:
                IMPORT_LOCK.release()


def library(module: str, group: str) -> ModuleType:
    """`module` (one of `group`'s), imported through `ensure_imported`: how adapters reach a library."""
    ensure_imported(group)
    return sys.modules[module]


def imported(*groups: str) -> bool:
    """Whether every module of these groups (all when none are named) has finished importing."""
    return all(_DONE[g].is_set() for g in groups or tuple(IMPORT_GROUPS))
