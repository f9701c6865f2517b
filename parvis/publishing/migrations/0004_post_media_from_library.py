"""A post medium is now only a reference to a library asset (one source of truth for the
file and its facts) with its position and the alt text for this post."""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models

import parvis.publishing.models


class Migration(migrations.Migration):
    dependencies = [("publishing", "0003_media_library")]

    operations = [
        # Defaults first, so that going backwards can add the columns back to existing
        # rows before 0003's reverse fills them in.
        migrations.AlterField("postmedia", "file",
                              models.FileField(default="", upload_to=parvis.publishing.models.media_path)),
        migrations.AlterField("postmedia", "mime_type", models.CharField(default="", max_length=100)),
        migrations.RemoveField("postmedia", "file"),
        migrations.RemoveField("postmedia", "original_name"),
        migrations.RemoveField("postmedia", "mime_type"),
        migrations.RemoveField("postmedia", "size"),
        migrations.RemoveField("postmedia", "width"),
        migrations.RemoveField("postmedia", "height"),
        migrations.AlterField(
            "postmedia", "asset",
            models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="uses",
                              to="publishing.mediaasset"),
        ),
    ]
