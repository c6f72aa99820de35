"""A visit's life and what it needs: one module per part; import from here
(`from technicians import services`).

    booking     visit_request, visit_book (from the search), visit_schedule (by hand),
                visit_reschedule, visit_cancel; SlotTaken
    work        the technician: visit_step (on the way, arrived, working), visit_complete,
                visit_photo_add
    schedules   working_hours_set, time_off_add, time_off_remove
    setup       a manager's offices, areas, product lines, profiles, skills, visit rules
    reminders   the periodic sweep that reminds customers before their visit
    events      what others hear of a change: live events and notifications
    _common     who may do what, input checks, the visit read again under its lock
"""

from ._common import VISIT_ROLES
from .booking import (
    SlotTaken,
    visit_book,
    visit_cancel,
    visit_request,
    visit_reschedule,
    visit_schedule,
)
from .events import VISIT_AUDIENCE, visit_payload
from .reminders import visits_send_reminders
from .schedules import time_off_add, time_off_remove, working_hours_set
from .setup import (
    branch_office_delete,
    branch_office_save,
    product_line_delete,
    product_line_save,
    service_area_delete,
    service_area_save,
    technician_profile_save,
    technician_skills_set,
    visit_settings_set,
)
from .work import visit_complete, visit_photo_add, visit_step

__all__ = [
    "VISIT_AUDIENCE",
    "VISIT_ROLES",
    "SlotTaken",
    "branch_office_delete",
    "branch_office_save",
    "product_line_delete",
    "product_line_save",
    "service_area_delete",
    "service_area_save",
    "technician_profile_save",
    "technician_skills_set",
    "time_off_add",
    "time_off_remove",
    "visit_book",
    "visit_cancel",
    "visit_complete",
    "visit_payload",
    "visit_photo_add",
    "visit_request",
    "visit_reschedule",
    "visit_schedule",
    "visit_settings_set",
    "visit_step",
    "visits_send_reminders",
    "working_hours_set",
]
