"""La veille's monitors look for their words in the inbox too: each item says when they
were run on it. Items already there count as seen (a new monitor is applied to the last
30 days by la veille itself), so that upgrading does not run every monitor on the whole
inbox at once; the partial index then holds only the items still to look at."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inbox', '0007_webhook_topics'),
    ]

    operations = [
        migrations.AddField(
            model_name='item',
            name='monitored_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunSQL("UPDATE inbox_item SET monitored_at = CURRENT_TIMESTAMP", migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name='item',
            index=models.Index(condition=models.Q(('monitored_at__isnull', True)), fields=['id'],
                               name='inbox_item_to_monitor'),
        ),
    ]
