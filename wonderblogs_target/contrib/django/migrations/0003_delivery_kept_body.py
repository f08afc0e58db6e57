from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("wonderblogs", "0002_delivery_note"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="body",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="The article as it arrived, kept only when the site failed to store it.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="delivery",
            name="applied_at",
            field=models.DateTimeField(
                blank=True, help_text="When its kept article was applied again.", null=True
            ),
        ),
        migrations.AddField(
            model_name="delivery",
            name="applied_status",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="The status of applying it again (200: stored).",
                null=True,
            ),
        ),
    ]
