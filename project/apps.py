"""App configs of the project package itself."""

from django.contrib.staticfiles.apps import StaticFilesConfig as DjangoStaticFilesConfig


class StaticFilesConfig(DjangoStaticFilesConfig):
    """collectstatic without what no page loads (production only, see production.py).

    django-viewflow 2.4 ships ~100 MB of static files: vendored ``node_modules`` copies of
    files it also ships at the top level (no template or stylesheet links them), the Plotly
    Dash bundles of ``viewflow.contrib.plotly`` (not installed here). Hashing and compressing
    them (gzip + brotli) took minutes of CPU per deploy.
    ECharts' npm ``dist`` holds 50 MB of alternative builds (full, common, simple, ESM, source
    maps, extensions); the pages load ``echarts.min.js`` only. Bootstrap's npm ``dist`` holds
    eleven stylesheet and eight script builds (grid, reboot, utilities, right-to-left, ESM,
    unminified); the pages load ``bootstrap.min.css`` and ``bootstrap.bundle.min.js``. The
    Bootstrap patterns name the ``dist`` folder's own paths (``css/…``, ``js/…``), so the
    copies other apps ship under their own folders (``rest_framework/css/…``) stay.
    """

    ignore_patterns = [
        *DjangoStaticFilesConfig.ignore_patterns,
        "node_modules",
        "viewflow/js/contrib/dash/*",
        "echarts.js",
        "echarts.common*",
        "echarts.esm*",
        "echarts.simple*",
        "echarts*.map",
        "extension",
        "css/bootstrap-grid*",
        "css/bootstrap-reboot*",
        "css/bootstrap-utilities*",
        "css/bootstrap.rtl*",
        "css/bootstrap.css*",
        "js/bootstrap.js*",
        "js/bootstrap.min.js*",
        "js/bootstrap.esm*",
        "js/bootstrap.bundle.js*",
    ]
