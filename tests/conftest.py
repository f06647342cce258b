"""scikit-learn's array API support needs scipy's, switched on before scipy is
first imported: this runs before any test module imports it."""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")
