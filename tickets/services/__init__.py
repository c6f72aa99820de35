"""A ticket's life: open, route, work, resolve, follow up, chase when overdue.

One module per part of it; import the services from here (`from tickets import services`).

    opening     ticket_open, and routing's measure of an agent's load
    working     staff: assign, take, notes, status, priority, resolve
    customer    the customer: follow up (which reopens a resolved ticket), ask for news
    reminders   the periodic sweep over overdue tickets, and escalation
    settings    SLA times, reminder settings and categories, and reading them
    events      what others hear of a change: live events and notifications
    _common     who may work a ticket, input checks, writing the timeline
"""

from ._common import WORKING_ROLES
from .customer import ticket_follow_up, ticket_request_status
from .events import TICKET_AUDIENCE, TICKET_ROLES, ticket_summary, update_payload
from .opening import OPEN_LOAD, agent_load_recount, ticket_open
from .reminders import tickets_send_reminders
from .settings import (
    category_create,
    reminder_settings,
    reminder_settings_set,
    sla_minutes,
    sla_policy_set,
    sla_table_set,
)
from .working import (
    ticket_add_internal_note,
    ticket_add_progress,
    ticket_assign,
    ticket_change_priority,
    ticket_change_status,
    ticket_resolve,
    ticket_take,
)

__all__ = [
    "OPEN_LOAD",
    "TICKET_AUDIENCE",
    "TICKET_ROLES",
    "WORKING_ROLES",
    "agent_load_recount",
    "category_create",
    "reminder_settings",
    "reminder_settings_set",
    "sla_minutes",
    "sla_policy_set",
    "sla_table_set",
    "ticket_add_internal_note",
    "ticket_add_progress",
    "ticket_assign",
    "ticket_change_priority",
    "ticket_change_status",
    "ticket_follow_up",
    "ticket_open",
    "ticket_request_status",
    "ticket_resolve",
    "ticket_summary",
    "ticket_take",
    "tickets_send_reminders",
    "update_payload",
]
