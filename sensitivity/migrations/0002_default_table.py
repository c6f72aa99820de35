"""The default code table (sensitivity/defaults.py) as the rows without an organization."""

from django.db import migrations


def load_default_table(apps, schema_editor):
    from sensitivity import defaults

    SensitivityCode = apps.get_model("sensitivity", "SensitivityCode")
    Knack = apps.get_model("sensitivity", "Knack")
    for category, position, code, label, description, knacks in defaults.rows():
        row, _created = SensitivityCode.objects.update_or_create(
            organization=None,
            code=code,
            defaults={
                "category": category,
                "position": position,
                "label": label,
                "description": description,
            },
        )
        for audience, text in knacks.items():
            Knack.objects.update_or_create(code=row, audience=audience, defaults={"text": text})


class Migration(migrations.Migration):
    dependencies = [("sensitivity", "0001_initial")]

    operations = [migrations.RunPython(load_default_table, migrations.RunPython.noop)]
