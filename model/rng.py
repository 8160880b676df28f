"""The one lock around PyTorch's and NumPy's global random generators.

Captum, shap and weight initialisation draw from the global generators. Seeding them is only
reproducible if no other thread draws in between, so every seeded section takes this lock.
"""

import threading

GLOBAL_RNG_LOCK = threading.Lock()
