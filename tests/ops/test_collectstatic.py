"""collectstatic works under the production settings and the pages it serves find their
stylesheets (issue 18, item 1)."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.storage import FileSystemStorage
from django.test import Client, override_settings

from project import storage as project_storage

from .prod_env import production_env, run_manage, run_python

# The tests of the module-scoped ``collected`` build (a minute of CPU) run on one xdist worker:
# spread over two, each worker ran collectstatic.
pytestmark = pytest.mark.xdist_group("collectstatic")

DUMP_STORAGES = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({"storages": settings.STORAGES, "debug": settings.DEBUG}))
"""


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """STATIC_ROOT filled by `collectstatic --noinput` under production settings, and those settings' STORAGES."""
    root = tmp_path_factory.mktemp("static")
    env = production_env(STATIC_ROOT=str(root))
    result = run_manage("collectstatic", "--noinput", "-v0", env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    dumped = run_python(DUMP_STORAGES, env)
    assert dumped.returncode == 0, dumped.stderr[-3000:]
    prod = json.loads(dumped.stdout.strip().splitlines()[-1])
    assert prod["debug"] is False
    return root, prod["storages"]


def test_collectstatic_writes_a_manifest_under_production_settings(collected):
    """The build exits 0 and writes whitenoise's manifest with our stylesheets and viewflow's
    (hashed, compressed); packages' vendored node_modules copies, which no page links, are skipped."""
    root, _ = collected
    manifest = json.loads((root / "staticfiles.json").read_text())["paths"]
    assert "viewflow/css/viewflow.min.css" in manifest
    assert (root / (manifest["viewflow/css/viewflow.min.css"] + ".gz")).is_file()
    assert not [name for name in manifest if "/node_modules/" in name]
    assert re.fullmatch(r"workspace/workspace\.[0-9a-f]{12}\.css", manifest["workspace/workspace.css"])
    assert (root / manifest["workspace/workspace.css"]).is_file()


def test_collectstatic_keeps_the_bootstrap_build_the_pages_load_and_no_other(collected):
    """Of Bootstrap's npm builds only the two the pages link are collected (hashing and
    compressing the other nineteen was a third of the build's CPU); other apps' own copies of
    Bootstrap (the API's browsable pages) are not caught by those patterns."""
    root, _ = collected
    manifest = json.loads((root / "staticfiles.json").read_text())["paths"]
    bootstrap = sorted(name for name in manifest if name.startswith("vendor/bootstrap/") and not name.endswith(".map"))
    assert bootstrap == ["vendor/bootstrap/css/bootstrap.min.css", "vendor/bootstrap/js/bootstrap.bundle.min.js"]
    assert "rest_framework/css/bootstrap.min.css" in manifest
    assert "rest_framework/js/bootstrap.min.js" in manifest


@pytest.mark.django_db
def test_login_page_and_its_stylesheets_answer_200_with_debug_off(collected):
    """With DEBUG off and the production storage, the login page renders (no "Missing staticfiles
    manifest entry" 500) and every stylesheet it links is served by whitenoise from STATIC_ROOT."""
    root, storages = collected
    with override_settings(DEBUG=False, STATIC_ROOT=root, STORAGES=storages, WHITENOISE_AUTOREFRESH=False):
        client = Client()  # a new handler: whitenoise scans this STATIC_ROOT
        page = client.get("/accounts/login/")
        assert page.status_code == 200
        hrefs = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.content.decode())
        assert hrefs, "the login page links no stylesheet"
        for href in hrefs:
            assert re.search(r"\.[0-9a-f]{12}\.css$", href), href  # the hashed name from the manifest
            css = client.get(href)
            assert css.status_code == 200, href
            assert css["Content-Type"].startswith("text/css")
            assert b"".join(css.streaming_content)


def _post_process(tmp_path, monkeypatch, *, own: bool):
    source = tmp_path / "src"
    (source / "pkg").mkdir(parents=True)
    (source / "pkg" / "fonts.css").write_text("@font-face { src: url('missing.woff2'); }\n.a { color: red; }\n")
    monkeypatch.setattr(project_storage, "own_static_dirs", lambda: [source] if own else [tmp_path / "nothing"])
    target = project_storage.TolerantManifestStaticFilesStorage(location=str(tmp_path / "out"))
    source_storage = FileSystemStorage(location=str(source))
    with source_storage.open("pkg/fonts.css") as f:
        target.save("pkg/fonts.css", f)  # collectstatic copies before it post-processes
    paths = {"pkg/fonts.css": (source_storage, "pkg/fonts.css")}
    return target, list(target.post_process(paths))


def test_a_dead_link_in_a_package_stylesheet_is_left_as_written(tmp_path, monkeypatch):
    """A third-party stylesheet pointing at a file its package does not ship is hashed and kept,
    with the dead url() untouched."""
    target, results = _post_process(tmp_path, monkeypatch, own=False)
    assert not [r for r in results if isinstance(r[2], Exception)]
    hashed = target.hashed_files["pkg/fonts.css"]
    assert "url('missing.woff2')" in (tmp_path / "out" / hashed).read_text()


def test_a_dead_link_in_our_own_stylesheet_still_fails_the_build(tmp_path, monkeypatch):
    """Our own static files stay strict: a typo in a url() of static/ fails collectstatic."""
    _, results = _post_process(tmp_path, monkeypatch, own=True)
    errors = [r[2] for r in results if isinstance(r[2], Exception)]
    assert errors
    assert "missing.woff2" in str(errors[0])
