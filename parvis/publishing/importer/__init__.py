"""Bulk import of posts from a CSV file.

Two steps, so that nothing is created from a file nobody has looked at: `validate` reads
the file and checks every row with the composer's own rules (`check_post`), storing each
row with its errors on an `ImportBatch`; `run_import` then creates the valid rows in
chunks, in the background, checking each row again at creation.

Decisions a person meets in the messages:
- accounts are matched only within the workspace, by handle or `network:handle`;
- media are names of files in the workspace's media library, or http(s) addresses of
  images and videos. Checking only looks at an address (well formed, not a private
  network address, see `parvis.core.http.check_url`): downloading thousands of files
  belongs to the import, not to a check. The import downloads each address once per run
  (capped at the library's size limits, outside the chunk's transaction), adds the file
  to the library (the same bytes are stored once) and attaches it like a library file;
  a download that fails refuses that row only, with a message naming the address;
- an unknown campaign is an error naming it (campaigns carry UTM names and dates that a
  CSV cell cannot set); unknown labels are created at import (a label is only a name);
- post options are columns `<network>.<option>` after the networks' options forms, checked
  like the composer's (see `options`); an unknown one refuses the file.

The parts: `read` (the file: encoding, separator, columns, rows; the template), `options`
(the option columns), `check` (each row, and step 1), `media` (media given by web address), `run` (step 2) and `lease`
(who is running an import, and resuming those whose run died).
"""

from parvis.publishing.importer.check import row_messages, validate
from parvis.publishing.importer.options import OptionColumn, columns_in, option_columns
from parvis.publishing.importer.read import COLUMN_LABELS, COLUMNS, ImportFileError, encoding_notice, template_csv
from parvis.publishing.importer.run import created_posts, run_import, start_import

__all__ = [
    "COLUMNS", "COLUMN_LABELS", "ImportFileError", "OptionColumn", "columns_in", "created_posts", "encoding_notice",
    "option_columns", "row_messages", "run_import", "start_import", "template_csv", "validate",
]
