"""Uploads kept across a failed submit of the staff intake form (issue 14).

A browser cannot re-send a file after the page comes back with an error, so
each valid upload is kept in a staging directory of the default storage, keyed
to one rendering of the form (a random token in a hidden field) and to the
session that owns it: another user's token finds nothing. The next submit uses
the staged file for every file field left empty; a new file replaces it. After
filing, the staged copies are deleted (the case keeps its own copies).
"""

from __future__ import annotations

import secrets

from django.core.files import File
from django.core.files.storage import default_storage
from django.utils.datastructures import MultiValueDict
from django.utils.text import get_valid_filename

SESSION_KEY = "intake_staging"
TOKEN_FIELD = "staging_token"  # noqa: S105 - a form field name, not a secret
MAX_TOKENS = 10  # open intake forms per session; the oldest is dropped


class UploadStaging:
    def __init__(self, request, token: str | None = None):
        self.session = request.session
        store = self.session.get(SESSION_KEY, {})
        if token and token in store:
            self.token = token
        else:
            self.token = secrets.token_hex(16)
            store[self.token] = {}
            for old in list(store)[:-MAX_TOKENS]:
                self._delete_files(store.pop(old))
            self.session[SESSION_KEY] = store
            self.session.modified = True
        self._opened: list[File] = []

    @classmethod
    def for_request(cls, request) -> UploadStaging:
        return cls(request, request.POST.get(TOKEN_FIELD) if request.method == "POST" else None)

    @property
    def entries(self) -> dict[str, dict]:
        """Field name → {"path", "name", "size"} of the staged files."""
        return self.session.get(SESSION_KEY, {}).get(self.token, {})

    def files_with_staged(self, files: MultiValueDict) -> MultiValueDict:
        """The posted files, plus the staged file of every field posted without one."""
        merged = files.copy()
        for field, entry in self.entries.items():
            if field not in merged and default_storage.exists(entry["path"]):
                f = File(default_storage.open(entry["path"], "rb"), name=entry["name"])
                self._opened.append(f)
                merged[field] = f
        return merged

    def keep(self, field: str, upload) -> None:
        """Stage ``upload`` for ``field``, replacing what was staged before."""
        if upload is None or upload in self._opened:
            return
        filename = get_valid_filename(upload.name)[-80:] or "upload"
        upload.seek(0)
        path = default_storage.save(f"intake-staging/{self.token}/{filename}", upload)
        upload.seek(0)
        store = self.session[SESSION_KEY]
        old = store[self.token].get(field)
        if old:
            default_storage.delete(old["path"])
        store[self.token][field] = {"path": path, "name": filename, "size": upload.size}
        self.session.modified = True

    def discard(self) -> None:
        """After filing: delete the staged files and the token."""
        self.close()
        store = self.session.get(SESSION_KEY, {})
        self._delete_files(store.pop(self.token, {}))
        self.session[SESSION_KEY] = store
        self.session.modified = True

    def close(self) -> None:
        for f in self._opened:
            f.close()
        self._opened = []

    @staticmethod
    def _delete_files(entries: dict) -> None:
        for entry in entries.values():
            default_storage.delete(entry["path"])
