"""Drop single-column indexes that a composite index or unique constraint already starts
with: every index is written on each insert, and ingestion is the inbox's hot path.

Only the indexes go. On SQLite, a plain AlterField would rebuild these tables, which
drops the full-text triggers of 0002 (and copies every row), so the database side drops
the indexes by name, as the database reports them, and the reverse creates them again.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# (table, column) whose own index is redundant, with the model field it belongs to.
REDUNDANT = [
    ("author", "workspace"),
    ("thread", "account"),
    ("item", "workspace"),
    ("item", "account"),
    ("item", "thread"),
    ("item", "author"),
    ("item", "assignee"),
]


def drop_indexes(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for model_name, field_name in REDUNDANT:
            model = apps.get_model("inbox", model_name)
            column = model._meta.get_field(field_name).column
            table = model._meta.db_table
            for name, info in connection.introspection.get_constraints(cursor, table).items():
                if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] == [column]:
                    schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_indexes(apps, schema_editor):
    for model_name, field_name in REDUNDANT:
        model = apps.get_model("inbox", model_name)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[model._meta.get_field(field_name)]))


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_editorial_workflow'),
        ('inbox', '0002_full_text_search'),
        ('networks', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.AlterField(
                model_name='author',
                name='workspace',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='inbox_authors', to='accounts.workspace'),
            ),
            migrations.AlterField(
                model_name='item',
                name='account',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='inbox_items', to='networks.socialaccount'),
            ),
            migrations.AlterField(
                model_name='item',
                name='assignee',
                field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='inbox_items', to=settings.AUTH_USER_MODEL, verbose_name='assignee'),
            ),
            migrations.AlterField(
                model_name='item',
                name='author',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='items', to='inbox.author'),
            ),
            migrations.AlterField(
                model_name='item',
                name='thread',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='items', to='inbox.thread'),
            ),
            migrations.AlterField(
                model_name='item',
                name='workspace',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='inbox_items', to='accounts.workspace'),
            ),
            migrations.AlterField(
                model_name='thread',
                name='account',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='inbox_threads', to='networks.socialaccount'),
            ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
    ]
