import os
import threading

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# The ledger's near-duplicate index is built once per process: start it now rather than on the
# first save after a restart.
from dangjian.rectification.detector import prebuild_index  # noqa: E402

threading.Thread(target=prebuild_index, name="duplicate-index", daemon=True).start()
