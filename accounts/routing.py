"""Who should take a new request: the customer's dedicated agent, else the least busy one.

Domain apps pass what only they know, the skill the request needs and where they count how
busy each candidate is, so this module never imports them.
"""

import functools
from dataclasses import dataclass

from django.db import connection, models
from django.utils import timezone

from .models import (
    AgentSkill,
    CustomerProfile,
    ExclusiveAgent,
    Membership,
    PresenceConnection,
    Role,
    User,
)

ROUTABLE_ROLES = (Role.AGENT,)


@dataclass(frozen=True)
class Load:
    """Where a domain app keeps how busy each person is: `model` holds at most one row per
    (organization, person), unique, with the number of their open requests in `count`.

    Names of the model's fields, not SQL: this module writes the query (one, with the
    candidates) and its aliases stay its own. No row counts as zero."""

    model: type[models.Model]
    count: str
    person: str
    organization: str = "organization"


# Written in SQL, not the ORM: routing runs on every new request, and building this query
# through the ORM (an Exists, a subquery, annotations) cost 2.5 ms of Python per call
# against 0.5 ms in the database (bench/tickets_load.py, `api create`).
_PICK_SQL = """
SELECT {person_columns}, profile.{profile_id}, profile.{language},
       EXISTS (
           SELECT 1 FROM {exclusive} dedicated
           WHERE dedicated.customer_id = %s
             AND dedicated.organization_id = candidate.organization_id
             AND dedicated.agent_id = candidate.user_id
       ) AS is_dedicated,
       {load} AS load
FROM {membership} candidate
JOIN {user} person ON person.id = candidate.user_id AND person.is_active
LEFT JOIN {profile} profile ON profile.{profile_user} = person.id
WHERE EXISTS (
    SELECT 1 FROM {connections} connection
    WHERE connection.user_id = candidate.user_id
      AND NOT connection.away
      AND connection.expires_at > %s
)
  AND candidate.organization_id = %s
  AND candidate.is_active
  AND candidate.accepted_at IS NOT NULL
  AND candidate.role IN ({roles})
  {skill_filter}
ORDER BY is_dedicated DESC, load, candidate.user_id
LIMIT 1
"""
_LOAD_SQL = """COALESCE((
    SELECT busy.{count} FROM {table} busy
    WHERE busy.{organization} = candidate.organization_id AND busy.{person} = candidate.user_id
), 0)"""
_SKILL_SQL = """AND (
    EXISTS (
        SELECT 1 FROM {exclusive} dedicated
        WHERE dedicated.customer_id = %s
          AND dedicated.organization_id = candidate.organization_id
          AND dedicated.agent_id = candidate.user_id
    )
    OR EXISTS (
        SELECT 1 FROM {skills} skill
        WHERE skill.membership_id = candidate.id AND skill.skill = %s
    )
)"""


def pick_agent(
    *, organization, customer: User, skill: str | None, load: Load | None
) -> User | None:
    """The agent a new request from `customer` should go to, or None for the queue.

    1. The customer's dedicated agent at this organization, if online.
    2. Otherwise the online agent with `skill` (any online agent when no skill is needed)
       who has the fewest open requests, as `load` counts them (None: nobody is busy);
       ties go to the lowest user id, so the choice is deterministic.

    The person comes with their profile's language (accounts.language.language_for reads it
    without a query): they are told of the request in it.
    """
    sql, person = _pick_query(connection.vendor, load, bool(skill))
    # Online is an unexpired, active connection (accounts.presence), as of now.
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params = [customer.pk, now, organization.pk]
    params += [str(role) for role in ROUTABLE_ROLES]
    if skill:
        params += [customer.pk, skill]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else person(row)


@functools.cache
def _pick_query(vendor: str, load: Load | None, with_skill: bool):
    """The routing SQL and a maker of the chosen person from its row, once per shape: new
    requests run it every time, and User.objects.raw() worked out the row's columns and
    converters anew on each call."""
    tables = {
        "exclusive": connection.ops.quote_name(ExclusiveAgent._meta.db_table),
        "membership": connection.ops.quote_name(Membership._meta.db_table),
        "user": connection.ops.quote_name(User._meta.db_table),
        "connections": connection.ops.quote_name(PresenceConnection._meta.db_table),
        "skills": connection.ops.quote_name(AgentSkill._meta.db_table),
        "profile": connection.ops.quote_name(CustomerProfile._meta.db_table),
    }
    profile_field = CustomerProfile._meta.get_field
    fields = User._meta.concrete_fields
    sql = _PICK_SQL.format(
        # Named, not person.*: a prepared statement whose columns change under it (a new
        # field migrated in while the process runs) fails instead of re-planning.
        person_columns=", ".join(f"person.{connection.ops.quote_name(f.column)}" for f in fields),
        load=_load_sql(load),
        roles=", ".join(["%s"] * len(ROUTABLE_ROLES)),
        skill_filter=_SKILL_SQL.format(**tables) if with_skill else "",
        profile_id=connection.ops.quote_name(profile_field("id").column),
        profile_user=connection.ops.quote_name(profile_field("user").column),
        language=connection.ops.quote_name(profile_field("language").column),
        **tables,
    )
    # What the ORM applies to each column it reads (SQLite's dates arrive as text).
    converters = []
    for position, field in enumerate(fields):
        column = field.get_col(User._meta.db_table)
        found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if found:
            converters.append((position, column, found))
    names = [field.attname for field in fields]

    def person(row) -> User:
        values = list(row[: len(names)])
        for position, column, found in converters:
            for convert in found:
                values[position] = convert(values[position], column, connection)
        chosen = User.from_db(connection.alias, names, values)
        profile_id, language = row[len(names)], row[len(names) + 1]
        _with_profile(chosen, profile_id, language)
        return chosen

    return sql, person


def _with_profile(user: User, profile_id: int | None, language: str | None) -> None:
    """Hand `user` their profile (its language only; the rest loads if read): the chosen
    person is told of the request in their language, and finding it would otherwise cost the
    request one more query. Someone without a profile costs that query, and is rare: the
    accounts services give everyone one when they sign up or are invited."""
    if profile_id is not None:
        user.customer_profile = CustomerProfile.from_db(
            connection.alias, ["id", "user_id", "language"], [profile_id, user.pk, language]
        )


def _load_sql(load: Load | None) -> str:
    if load is None:
        return "0"
    column = load.model._meta.get_field
    quote = connection.ops.quote_name
    return _LOAD_SQL.format(
        table=quote(load.model._meta.db_table),
        count=quote(column(load.count).column),
        organization=quote(column(load.organization).column),
        person=quote(column(load.person).column),
    )
