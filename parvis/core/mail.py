"""Emails in the embedded mode: written to files in the data folder, never to the console.

Invitation, client-portal and password-reset emails carry links that let anyone in;
Django's console backend would print them to the log. Without an SMTP server configured,
parvis writes each email to a file in `<data folder>/emails` (folder 0700, files 0600),
where the person who runs parvis can read them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend

from parvis.core.datadir import PRIVATE_FILE, private_dir


def email_folder() -> Path:
    return Path(getattr(settings, "EMAIL_FILE_PATH", "") or settings.DATA_DIR / "emails")


class PrivateFileEmailBackend(FileEmailBackend):
    """Django's file backend, with a private folder and private files."""

    def __init__(self, *, file_path: str | None = None, **kwargs: Any) -> None:
        folder = private_dir(Path(file_path) if file_path else email_folder())
        super().__init__(file_path=str(folder), **kwargs)

    def open(self) -> bool:
        if self.stream is None:
            fd = os.open(self._get_filename(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
            self.stream = os.fdopen(fd, "ab")
            return True
        return False
