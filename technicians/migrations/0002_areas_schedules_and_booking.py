"""Branch offices, service areas and their postal-code prefixes, product lines, technician
profiles with working hours and time off, organization visit settings; the visit's booking,
steps and report, and its photos.

btree_gist lets PostgreSQL's exclusion constraint compare the technician with `=` beside the
time ranges' `&&` (technicians.constraints); on SQLite the extension and the constraint are
no-ops, and the booking services check under SQLite's write lock instead.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models

import accounts.models
import technicians.constraints
import technicians.models


class BtreeGist(BtreeGistExtension):
    """btree_gist on PostgreSQL; going back, the extension stays. Django's operation drops
    it going back on every database, asking SQLite for pg_extension; and once installed,
    something else may be using it."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass


def refuse_existing_double_bookings(apps, schema_editor):
    """Visits scheduled by hand before this could overlap; say which, rather than let the
    constraint fail with the first pair only."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.id, b.id FROM technicians_servicerequest a
            JOIN technicians_servicerequest b
              ON a.technician_id = b.technician_id AND a.id < b.id
             AND a.scheduled_start < b.scheduled_end AND b.scheduled_start < a.scheduled_end
            WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'
            ORDER BY a.id, b.id LIMIT 20
            """
        )
        pairs = cursor.fetchall()
    if pairs:
        raise RuntimeError(
            f"These visits book one technician twice at once: {pairs}. Move or cancel one "
            "of each pair, then migrate again."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_carry_over_drf_tokens"),
        ("technicians", "0001_initial"),
        ("tickets", "0005_agent_load"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        BtreeGist(),
        migrations.CreateModel(
            name="TechnicianProfile",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "introduction",
                    models.TextField(blank=True, max_length=1000, verbose_name="introduction"),
                ),
                (
                    "photo",
                    models.FileField(
                        blank=True,
                        max_length=200,
                        upload_to=technicians.models.profile_photo_path,
                        verbose_name="photo",
                    ),
                ),
                ("photo_type", models.CharField(blank=True, max_length=50)),
                (
                    "years_of_experience",
                    models.PositiveSmallIntegerField(default=0, verbose_name="years of experience"),
                ),
            ],
            options={
                "verbose_name": "technician profile",
                "verbose_name_plural": "technician profiles",
            },
        ),
        migrations.CreateModel(
            name="TimeOff",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("start", models.DateTimeField(verbose_name="from")),
                ("end", models.DateTimeField(verbose_name="until")),
                ("reason", models.CharField(blank=True, max_length=200, verbose_name="reason")),
            ],
            options={
                "verbose_name": "time off",
                "verbose_name_plural": "time off",
                "ordering": ["start"],
            },
        ),
        migrations.CreateModel(
            name="VisitPhoto",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=32, unique=True)),
                (
                    "file",
                    models.FileField(max_length=200, upload_to=technicians.models.visit_photo_path),
                ),
                ("filename", models.CharField(max_length=200, verbose_name="file name")),
                ("content_type", models.CharField(max_length=50, verbose_name="content type")),
                ("size", models.PositiveIntegerField(verbose_name="size")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name": "visit photo",
                "verbose_name_plural": "visit photos",
                "ordering": ["created_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="VisitSettings",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "change_cutoff_hours",
                    models.PositiveSmallIntegerField(
                        default=24,
                        verbose_name="customers may cancel or reschedule until (hours before)",
                    ),
                ),
                (
                    "visit_minutes",
                    models.PositiveSmallIntegerField(
                        default=60, verbose_name="usual visit length (minutes)"
                    ),
                ),
                (
                    "slot_minutes",
                    models.PositiveSmallIntegerField(
                        default=30, verbose_name="offer times every (minutes)"
                    ),
                ),
                (
                    "reminder_hours",
                    models.PositiveSmallIntegerField(
                        default=24, verbose_name="remind customers (hours before)"
                    ),
                ),
            ],
            options={
                "verbose_name": "visit settings",
                "verbose_name_plural": "visit settings",
            },
        ),
        migrations.CreateModel(
            name="WorkingHours",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "weekday",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (0, "Monday"),
                            (1, "Tuesday"),
                            (2, "Wednesday"),
                            (3, "Thursday"),
                            (4, "Friday"),
                            (5, "Saturday"),
                            (6, "Sunday"),
                        ],
                        verbose_name="weekday",
                    ),
                ),
                ("start", models.TimeField(verbose_name="from")),
                ("end", models.TimeField(verbose_name="until")),
            ],
            options={
                "verbose_name": "working hours",
                "verbose_name_plural": "working hours",
                "ordering": ["weekday", "start"],
            },
        ),
        migrations.AddField(
            model_name="servicerequest",
            name="arrived_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="servicerequest",
            name="booked_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="servicerequest",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="servicerequest",
            name="customer_notes",
            field=models.TextField(
                blank=True, max_length=1000, verbose_name="notes for the technician"
            ),
        ),
        migrations.AddField(
            model_name="servicerequest",
            name="on_the_way_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="servicerequest",
            name="outcome",
            field=models.CharField(
                blank=True,
                choices=[
                    ("fixed", "Fixed"),
                    ("needs_another_visit", "Needs another visit"),
                    ("could_not_fix", "Could not fix"),
                ],
                max_length=20,
                verbose_name="outcome",
            ),
        ),
        migrations.AddField(
            model_name="servicerequest",
            name="parts_used",
            field=models.TextField(blank=True, max_length=2000, verbose_name="parts used"),
        ),
        migrations.AddField(
            model_name="servicerequest",
            name="postal_code",
            field=models.CharField(blank=True, max_length=12, verbose_name="postal code"),
        ),
        migrations.AddField(
            model_name="servicerequest",
            name="remind_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="servicerequest",
            name="reminded_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="servicerequest",
            name="symptoms",
            field=models.TextField(blank=True, max_length=2000, verbose_name="what is wrong"),
        ),
        migrations.AddField(
            model_name="servicerequest",
            name="time_spent_minutes",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="time spent (minutes)"
            ),
        ),
        migrations.AlterField(
            model_name="servicerequest",
            name="report",
            field=models.TextField(blank=True, max_length=4000, verbose_name="work done"),
        ),
        migrations.AlterField(
            model_name="servicerequest",
            name="status",
            field=models.CharField(
                choices=[
                    ("requested", "Requested"),
                    ("scheduled", "Scheduled"),
                    ("on_the_way", "On the way"),
                    ("arrived", "Arrived"),
                    ("in_progress", "Working"),
                    ("completed", "Completed"),
                    ("cancelled", "Cancelled"),
                ],
                default="requested",
                max_length=20,
                verbose_name="status",
            ),
        ),
        migrations.CreateModel(
            name="BranchOffice",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("address", models.TextField(blank=True, max_length=500, verbose_name="address")),
                (
                    "phone",
                    models.CharField(
                        blank=True,
                        max_length=20,
                        validators=[accounts.models.validate_phone],
                        verbose_name="phone",
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="branch_offices",
                        to="accounts.organization",
                    ),
                ),
            ],
            options={
                "verbose_name": "branch office",
                "verbose_name_plural": "branch offices",
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="ProductLine",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("skill", models.SlugField(verbose_name="skill")),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="product_lines",
                        to="accounts.organization",
                    ),
                ),
            ],
            options={
                "verbose_name": "product line",
                "verbose_name_plural": "product lines",
                "ordering": ["name"],
            },
        ),
        migrations.AddField(
            model_name="servicerequest",
            name="product",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="visits",
                to="technicians.productline",
                verbose_name="product",
            ),
        ),
        migrations.CreateModel(
            name="ServiceArea",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                (
                    "branch_office",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="areas",
                        to="technicians.branchoffice",
                        verbose_name="office",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="service_areas",
                        to="accounts.organization",
                    ),
                ),
            ],
            options={
                "verbose_name": "service area",
                "verbose_name_plural": "service areas",
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="PostalPrefix",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("prefix", models.CharField(max_length=12, verbose_name="postal code prefix")),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.organization",
                    ),
                ),
                (
                    "area",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="prefixes",
                        to="technicians.servicearea",
                    ),
                ),
            ],
            options={
                "verbose_name": "postal code prefix",
                "verbose_name_plural": "postal code prefixes",
                "ordering": ["prefix"],
            },
        ),
        migrations.AddField(
            model_name="servicerequest",
            name="area",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="visits",
                to="technicians.servicearea",
                verbose_name="area",
            ),
        ),
        migrations.AddIndex(
            model_name="servicerequest",
            index=models.Index(fields=["organization", "scheduled_start"], name="visit_org_day"),
        ),
        migrations.AddIndex(
            model_name="servicerequest",
            index=models.Index(
                condition=models.Q(("status", "requested")),
                fields=["organization", "created_at"],
                name="visit_waiting",
            ),
        ),
        migrations.AddIndex(
            model_name="servicerequest",
            index=models.Index(
                condition=models.Q(("remind_at__isnull", False)),
                fields=["remind_at"],
                name="visit_reminder_due",
            ),
        ),
        migrations.RunPython(refuse_existing_double_bookings, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="servicerequest",
            constraint=technicians.constraints.PostgresExclusionConstraint(
                condition=models.Q(
                    ("scheduled_start__isnull", False),
                    ("technician__isnull", False),
                    models.Q(("status", "cancelled"), _negated=True),
                ),
                expressions=[
                    ("technician", "="),
                    (technicians.constraints.TsTzRange("scheduled_start", "scheduled_end"), "&&"),
                ],
                name="visit_no_double_booking",
            ),
        ),
        migrations.AddField(
            model_name="technicianprofile",
            name="areas",
            field=models.ManyToManyField(
                blank=True,
                related_name="technicians",
                to="technicians.servicearea",
                verbose_name="areas",
            ),
        ),
        migrations.AddField(
            model_name="technicianprofile",
            name="membership",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="technician_profile",
                to="accounts.membership",
            ),
        ),
        migrations.AddField(
            model_name="technicianprofile",
            name="organization",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="technician_profiles",
                to="accounts.organization",
            ),
        ),
        migrations.AddField(
            model_name="timeoff",
            name="technician",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="time_off",
                to="technicians.technicianprofile",
            ),
        ),
        migrations.AddField(
            model_name="visitphoto",
            name="uploaded_by",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="visitphoto",
            name="visit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="photos",
                to="technicians.servicerequest",
            ),
        ),
        migrations.AddField(
            model_name="visitsettings",
            name="organization",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="visit_settings",
                to="accounts.organization",
            ),
        ),
        migrations.AddField(
            model_name="workinghours",
            name="technician",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="working_hours",
                to="technicians.technicianprofile",
            ),
        ),
        migrations.AddConstraint(
            model_name="branchoffice",
            constraint=models.UniqueConstraint(
                fields=("organization", "name"), name="branch_office_name"
            ),
        ),
        migrations.AddConstraint(
            model_name="productline",
            constraint=models.UniqueConstraint(
                fields=("organization", "skill"), name="product_line_skill"
            ),
        ),
        migrations.AddConstraint(
            model_name="productline",
            constraint=models.UniqueConstraint(
                fields=("organization", "name"), name="product_line_name"
            ),
        ),
        migrations.AddConstraint(
            model_name="servicearea",
            constraint=models.UniqueConstraint(
                fields=("organization", "name"), name="service_area_name"
            ),
        ),
        migrations.AddConstraint(
            model_name="postalprefix",
            constraint=models.UniqueConstraint(
                fields=("organization", "prefix"), name="postal_prefix_once"
            ),
        ),
        migrations.AddIndex(
            model_name="timeoff",
            index=models.Index(fields=["technician", "end"], name="time_off_technician_end"),
        ),
        migrations.AddConstraint(
            model_name="timeoff",
            constraint=models.CheckConstraint(
                condition=models.Q(("start__lt", models.F("end"))), name="time_off_end_after_start"
            ),
        ),
        migrations.AddConstraint(
            model_name="visitsettings",
            constraint=models.CheckConstraint(
                condition=models.Q(("visit_minutes__gte", 15), ("visit_minutes__lte", 720)),
                name="visit_settings_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="visitsettings",
            constraint=models.CheckConstraint(
                condition=models.Q(("slot_minutes__gte", 5), ("slot_minutes__lte", 240)),
                name="visit_settings_slot",
            ),
        ),
        migrations.AddConstraint(
            model_name="workinghours",
            constraint=models.CheckConstraint(
                condition=models.Q(("start__lt", models.F("end"))), name="hours_end_after_start"
            ),
        ),
        migrations.AddConstraint(
            model_name="workinghours",
            constraint=models.CheckConstraint(
                condition=models.Q(("weekday__lte", 6)), name="hours_weekday"
            ),
        ),
    ]
