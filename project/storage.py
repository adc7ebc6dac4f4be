"""Static-files storage for production: whitenoise's compressed manifest storage that
tolerates dead references inside third-party stylesheets.

Packages ship CSS that points at files they do not ship: django-viewflow 2.4 carries
``fonts/roboto/node_modules/roboto-fontface/css/roboto/roboto-fontface.css`` whose
``url(...)`` targets were never packaged. The manifest storage fails ``collectstatic`` on
the first such reference, and without a manifest every page is a 500. Excluding that one
file would break again with the next package (npm Bootstrap, icon fonts); instead, a
reference that cannot be resolved *in a file that is not ours* is left exactly as written
and logged. Our own files (the project's ``static/`` directory) stay strict: a typo there
still fails the build, and templates still fail loudly on a missing manifest entry.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)


def own_static_dirs() -> list[Path]:
    """The project's own static directory: references in these files must resolve."""
    return [Path(settings.BASE_DIR) / "static"]


class TolerantManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def url_converter(self, name, hashed_files, template=None):
        convert = super().url_converter(name, hashed_files, template)
        own = any((directory / name).is_file() for directory in own_static_dirs())

        def tolerant_convert(matchobj):
            try:
                return convert(matchobj)
            except ValueError:
                if own:
                    raise
                # Post-processing runs several passes over each file: report a dead link once.
                reported = self.__dict__.setdefault("_reported_dead_links", set())
                if (name, matchobj["url"]) not in reported:
                    reported.add((name, matchobj["url"]))
                    logger.warning(
                        "static file %s references %s, which is not shipped; left unhashed", name, matchobj["url"]
                    )
                return matchobj[0]

        return tolerant_convert
