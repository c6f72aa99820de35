"""Ratings under concurrent HTTP load: posting a review with its score update, and the public
provider page, next to two floors served by the same gunicorn in the same run; and the
score update's own cost, measured directly.

Data: a database of its own (csportal_bench_ratings, created and migrated when missing) with
1,000 providers (organizations, each with a manager, 3 agents and 2 technicians), 100,000
customers and 1,000,000 reviews over the past two years, more of them recent. Providers
differ in size (bench-provider-0001 has about 37,000 reviews, the smallest fewer than 200)
and in quality (star mixes); 85% of reviews have a comment (sentiment from the app's own
analyser), half name an agent and a fifth a technician, about a third were answered. The
scores are built from the reviews by set-based SQL and checked against the app's own
`services.scores_recompute` on one provider; a year of daily snapshots per provider feeds
the page's trend chart. 2,000 of the customers were served by 10 providers each (2
answered and closed tickets, a completed visit and an answered chat with each) and post
during the run. Seeding takes a couple of minutes, once (COPY); the reviews the run posts
are deleted and the scores rebuilt before and after it (`--reseed` rebuilds everything).

Server and load: bench/harness.py, as for tickets_load.py (gunicorn as `web` runs it, 4
workers x 4 threads; keep-alive asyncio clients, closed loop, 4 and 16 clients by default).

    floor json              GET  /bench/floor/json: a bare view returning JSON
    floor insert            POST /bench/floor/insert: a bare view, one INSERT in one transaction
    api post                POST /api/v1/reviews/ as a customer a provider served (token), every
                            other one about one of their tickets (then its agent is rated too)
    api post unscored       the same requests to /bench/ratings/reviews-unscored: the same view
                            and service with the score update left out (bench/bench_urls.py)
    page provider           GET  /providers/<slug>/ of any of the 1,000, anonymous
    page provider top       GET  /providers/bench-provider-0001/ (the most reviewed), anonymous
    page provider customer  GET  /providers/<slug>/ as a served customer (with the review form)

The score update's cost ("the score update adds under 2 ms to posting a review"): in-process,
`services.review_post` as the API calls it, --posts times with the score update and as many
times without it, alternating; the update (services._apply) is also timed
on its own inside each post. Two cases: a review of the provider alone (1 score) and one
that also names an agent and a technician (3 scores, the most a review updates). Under load,
`api post` minus `api post unscored` shows the same difference with concurrency.

After the load the scores are checked against a recompute from the reviews the run posted
(no update lost under concurrency).

    .venv/bin/python bench/ratings_load.py                      # seed if needed, then run
    .venv/bin/python bench/ratings_load.py --wait-quiet 10      # on a quiet machine
    .venv/bin/python bench/ratings_load.py --no-load --show-queries   # SQL, and the yardstick
    .venv/bin/python bench/ratings_load.py --no-load --explain        # the page's plans
    .venv/bin/python bench/ratings_load.py --only "page provider,api post" --concurrency 16

PostgreSQL at 127.0.0.1:5432 (user postgres) and Redis at 127.0.0.1:6379 by default;
BENCH_RATINGS_DATABASE_URL and BENCH_REDIS_URL point elsewhere. Results go to bench/results/.

Targets (the ratings issue): the score update adds under 2 ms to posting a review; the
provider page p95 < 30 ms.
"""

import argparse
import itertools
import os
import random
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import harness

DATABASE_URL = os.environ.get(
    "BENCH_RATINGS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/csportal_bench_ratings"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
SERVER_ENV = harness.server_env(DATABASE_URL, REDIS_URL)
# This process reads the same settings for seeding and for counting queries.
os.environ.update(SERVER_ENV)

PROVIDERS = 1_000
REVIEWS = 1_000_000
CUSTOMERS = 100_000
AGENTS = 3
TECHNICIANS = 2
LOAD_CUSTOMERS = 2_000  # with tokens and tickets: they post during the run
SERVED_BY = 10  # providers that served each of them
TICKETS_EACH = 2  # closed tickets per customer and provider: what a review may be about
SLUG = "bench-provider-{:04d}"
SPAN_DAYS = 730
SNAPSHOT_DAYS = 365
PASSWORD = "bench-password-0123"  # noqa: S105 - benchmark users in a throwaway database
# Comments of the reviews the run posts: deleted before and after it. The unscored ones did
# not go into the scores, so the check after the load leaves them out.
LOAD_PREFIX = "[load] "
UNSCORED_PREFIX = "[load, unscored] "

WARMUP_POSTS = 20
TARGET_PAGE_P95_MS = 30.0
TARGET_SCORE_UPDATE_MS = 2.0


# Seeding ------------------------------------------------------------------------------------

TOWNS = [
    "Northgate",
    "Riverside",
    "Oakfield",
    "Harbour",
    "Westbrook",
    "Millbank",
    "Eastwood",
    "Highcliff",
    "Stonebridge",
    "Fairview",
    "Ashford",
    "Kingsley",
    "Lakeside",
    "Brookmere",
    "Southport",
    "Elmstead",
    "Redhill",
    "Greenway",
    "Clearwater",
    "Beacon",
]
TRADES = [
    "Appliance Repair",
    "Heating",
    "Home Electrics",
    "Plumbing",
    "Broadband",
    "TV & Audio",
    "Kitchen Care",
    "Laundry Service",
    "Cooling",
    "Gadget Fix",
]
FORMS = ["Co.", "Services", "Group", "Experts", "Direct"]
PRAISE = [
    "The technician arrived on time and fixed it within the hour.",
    "Friendly staff and a clear explanation of the costs.",
    "Very happy with the repair, thank you!",
    "They answered my ticket the same day.",
    "Great service, I will recommend them to my neighbours.",
    "The agent was patient and really helpful.",
    "Quick, clean and polite. Excellent work.",
    "Fair price and the fridge works perfectly again.",
]
MIXED = [
    "The visit was rescheduled once, but it works now.",
    "It took a week to get an appointment.",
    "Average service, nothing special.",
    "The repair was fine; the paperwork took a while.",
    "They needed two visits to find the fault.",
]
COMPLAINTS = [
    "Nobody came at the agreed time.",
    "The same fault came back two weeks later.",
    "Far too expensive for a simple repair.",
    "Impossible to reach them by phone.",
    "Rude on the phone and no follow-up at all.",
    "I am still waiting for my refund.",
]
ANSWERS = [
    "Thank you for your kind words, we passed them on to the team!",
    "Thanks for choosing us, glad everything works again.",
    "We are sorry to hear this; a manager will call you today.",
    "Sorry for the wait. We have changed how we book visits.",
    "Thank you for the feedback, we will look into it.",
]
STAR_MIX = [0.08, 0.07, 0.12, 0.28, 0.45]  # a typical provider; better and worse ones shift it


def _comment(rng, stars: int) -> str:
    pool = PRAISE if stars >= 4 else MIXED if stars == 3 else COMPLAINTS
    return " ".join(rng.sample(pool, rng.randint(1, 2)))


def _copy(table: str, columns: list[str], rows) -> int:
    """COPY rows (tuples in `columns` order) into `table`, in the current transaction."""
    from django.db import connection

    written = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            written += 1
    return written


def _rows(sql: str, params=()) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


USER_COLUMNS = ["password", "is_superuser", "email", "full_name", "timezone", "is_staff"]
USER_COLUMNS += ["is_active", "date_joined"]
REVIEW_COLUMNS = ["id", "organization_id", "customer_id", "ticket_id", "agent_id"]
REVIEW_COLUMNS += ["technician_id", "stars", "comment", "language", "sentiment", "weight"]
REVIEW_COLUMNS += ["is_flagged", "flag_reason", "created_at"]


def seed() -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import ApiToken, Organization, Role
    from ratings import scoring, sentiment

    rng = random.Random(20261125)  # the same data on every machine
    now = timezone.now()
    started = time.perf_counter()
    password = make_password(PASSWORD)  # one hash for everybody

    def done(what: str) -> None:
        print(f"  {what} ({time.perf_counter() - started:.0f} s)", flush=True)

    with transaction.atomic():
        names = [f"{t} {trade} {f}" for f in FORMS for trade in TRADES for t in TOWNS]
        organizations = Organization.objects.bulk_create(
            [
                Organization(name=names[i], slug=SLUG.format(i + 1), created_at=now)
                for i in range(PROVIDERS)
            ]
        )
        staff = []  # (organization index, role, email)
        for i in range(PROVIDERS):
            roles = [(Role.MANAGER, 1), (Role.AGENT, AGENTS), (Role.TECHNICIAN, TECHNICIANS)]
            for role, count in roles:
                email = f"p{i + 1:04d}.{role.value}{{}}@bench.example"
                staff += [(i, role, email.format(n)) for n in range(count)]
        joined = now - timedelta(days=SPAN_DAYS + 30)
        _copy(
            "accounts_user",
            USER_COLUMNS,
            [
                (password, False, email, email.split("@")[0].title(), "", False, True, joined)
                for _, _, email in staff
            ]
            + [
                (password, False, f"customer{n:06d}@bench.example", f"Customer {n:06d}", "")
                + (False, True, joined)
                for n in range(1, CUSTOMERS + 1)
            ],
        )
        ids = dict(_rows("SELECT email, id FROM accounts_user WHERE email LIKE '%%@bench.example'"))
        people = defaultdict(lambda: defaultdict(list))  # organization index -> role -> ids
        for i, role, email in staff:
            people[i][role].append(ids[email])
        customers = [ids[f"customer{n:06d}@bench.example"] for n in range(1, CUSTOMERS + 1)]
        _copy(
            "accounts_membership",
            ["user_id", "organization_id", "role", "is_active", "accepted_at", "created_at"],
            [(ids[e], organizations[i].pk, role, True, joined, joined) for i, role, e in staff],
        )
        _copy(
            "accounts_customerprofile",
            ["user_id", "phone", "contact_email", "im_handle", "preferred_channel", "language"],
            [(c, "", "", "", "email", "en") for c in customers],
        )
        ApiToken.objects.bulk_create(
            harness.bench_api_tokens(customers[:LOAD_CUSTOMERS], now), batch_size=1000
        )
        done(f"{len(staff) + CUSTOMERS:,} users, {PROVIDERS:,} providers")

        tickets = []
        for customer in customers[:LOAD_CUSTOMERS]:
            for i in rng.sample(range(PROVIDERS), SERVED_BY):
                for _ in range(TICKETS_EACH):
                    opened = now - timedelta(days=rng.uniform(3, 300))
                    closed = opened + timedelta(hours=rng.uniform(2, 72))
                    tickets.append(
                        (organizations[i].pk, customer, "My washing machine stopped working")
                        + ("It makes a loud noise and then stops.", "web", "closed", "normal")
                        + (rng.choice(people[i][Role.AGENT]), "Repaired on site.", 0)
                        + (opened + timedelta(minutes=30), closed, closed, opened, closed)
                    )
        _copy(
            "tickets_ticket",
            ["organization_id", "customer_id", "subject", "body", "channel", "status"]
            + ["priority", "assignee_id", "result", "reopen_count", "first_responded_at"]
            + ["resolved_at", "closed_at", "created_at", "updated_at"],
            tickets,
        )
        # Each answered by its agent, or reviews about it would be refused: a customer is
        # served by a reply, not by opening a ticket.
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO tickets_ticketupdate "
                "(ticket_id, kind, author_id, body, is_public, data, created_at) "
                "SELECT id, 'result', assignee_id, result, TRUE, '{}', resolved_at "
                "FROM tickets_ticket"
            )
        done(f"{len(tickets):,} tickets of the {LOAD_CUSTOMERS:,} customers who post, answered")

        # A completed visit and an answered chat with each provider that served them, so the
        # review form's choice of what a review is about reads all three kinds.
        pairs = sorted({(row[0], row[1]) for row in tickets})
        index = {organization.pk: i for i, organization in enumerate(organizations)}
        visits, chats = [], []
        # Each technician's visits three hours apart, going back from three days ago: the
        # database refuses a technician booked twice at once.
        booked: dict[int, int] = {}
        for organization_id, customer in pairs:
            i = index[organization_id]
            technician = rng.choice(people[i][Role.TECHNICIAN])
            booked[technician] = booked.get(technician, 0) + 1
            start = now - timedelta(days=3, hours=3 * booked[technician])
            visits.append(
                (organization_id, customer, technician)
                + ("Service the washing machine", "1 High Street", "completed")
                + (start, start + timedelta(hours=2), "Replaced the drain pump.")
                + (start - timedelta(days=2), start, start + timedelta(hours=2))
                + ("", "", "", "", "fixed")
            )
            opened = now - timedelta(days=rng.uniform(3, 300))
            chats.append(
                (organization_id, customer, rng.choice(people[i][Role.AGENT]))
                + ("Where is my technician?", "closed", opened)
                + (opened + timedelta(minutes=1), opened + timedelta(minutes=12))
            )
        _copy(
            "technicians_servicerequest",
            ["organization_id", "customer_id", "technician_id", "summary", "address"]
            + ["status", "scheduled_start", "scheduled_end", "report", "created_at"]
            + ["started_at", "completed_at"]
            + ["postal_code", "symptoms", "customer_notes", "parts_used", "outcome"],
            visits,
        )
        _copy(
            "chat_conversation",
            ["organization_id", "customer_id", "agent_id", "subject", "status", "started_at"]
            + ["answered_at", "closed_at"],
            chats,
        )
        done(f"{len(visits):,} completed visits and {len(chats):,} answered chats")

        # Comments come from a pool analysed once; the sentiment is the app's own analyser's.
        pools = {}
        for stars in range(1, 6):
            texts = {_comment(rng, stars) for _ in range(60)}
            pools[stars] = [(text, *sentiment.analyse(text)) for text in sorted(texts)]
        # A few big providers and a long tail; each provider its own star mix and habits of
        # answering. Reviews are written oldest first, as they arrived: one provider's newest
        # reviews lie on different pages of the table, not side by side.
        weights = [1 / (i + 5) for i in range(PROVIDERS)]
        habits = []
        for i in range(PROVIDERS):
            quality = max(-2.0, min(2.0, rng.gauss(0, 0.8)))
            habits.append(
                (
                    [w * 1.5 ** (quality * (n - 2)) for n, w in enumerate(STAR_MIX)],
                    rng.uniform(0.05, 0.7),  # share answered
                    rng.uniform(2, 96),  # mean hours to an answer
                    people[i][Role.AGENT] + people[i][Role.MANAGER],  # who answers
                )
            )
        ages = sorted((SPAN_DAYS * rng.random() ** 1.4 for _ in range(REVIEWS)), reverse=True)
        first_id = _rows("SELECT coalesce(max(id), 0) + 1 FROM ratings_review")[0][0]
        answers = []  # (review_id, author_id, body, created_at)

        def reviews():
            providers = rng.choices(range(PROVIDERS), weights, k=REVIEWS)
            for review_id, age, i in zip(itertools.count(first_id), ages, providers):
                mix, answer_rate, answer_hours, responders = habits[i]
                created = now - timedelta(days=age)
                stars = rng.choices((1, 2, 3, 4, 5), mix)[0]
                text, language, mood = (
                    rng.choice(pools[stars]) if rng.random() < 0.85 else ("", "", 0.0)
                )
                flagged = rng.random() < 0.005
                yield (
                    review_id,
                    organizations[i].pk,
                    rng.choice(customers),
                    None,
                    rng.choice(people[i][Role.AGENT]) if rng.random() < 0.5 else None,
                    rng.choice(people[i][Role.TECHNICIAN]) if rng.random() < 0.2 else None,
                    stars,
                    text,
                    language,
                    mood,
                    scoring.decay_weight(created),
                    flagged,
                    "Abusive language" if flagged else "",
                    created,
                )
                if rng.random() < answer_rate:
                    answered = created + timedelta(hours=rng.expovariate(1 / answer_hours))
                    if answered < now:
                        author, body = rng.choice(responders), rng.choice(ANSWERS)
                        answers.append((review_id, author, body, answered))

        written = _copy("ratings_review", REVIEW_COLUMNS, reviews())
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('ratings_review', 'id'), max(id)) "
                "FROM ratings_review"
            )
        done(f"{written:,} reviews")
        _copy("ratings_reviewresponse", ["review_id", "author_id", "body", "created_at"], answers)
        done(f"{len(answers):,} responses")
        rebuild_scores()
        done("scores")
        snapshots = seed_snapshots(now)
        done(f"{snapshots:,} daily snapshots")
        check_against_service(organizations[-1])
        done("scores agree with services.scores_recompute on the smallest provider")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would have by now
    print(f"seeded in {time.perf_counter() - started:.0f} s")


# Scores from the reviews, set-based ---------------------------------------------------------

COUNTS = ["count", "stars_total", "stars_1", "stars_2", "stars_3", "stars_4", "stars_5"]
COUNTS += ["responded"]
SUMS = ["weight_sum", "weighted_stars", "weighted_sentiment", "response_seconds"]
# What services._apply keeps for each target, from all of its reviews at once.
SUMS_SQL = f"""
CREATE TEMP TABLE bench_score_sums AS
SELECT r.organization_id, t.kind, t.person_id,
       count(*) AS count,
       sum(r.stars) AS stars_total,
       {", ".join(f"count(*) FILTER (WHERE r.stars = {n}) AS stars_{n}" for n in range(1, 6))},
       count(x.id) AS responded,
       sum(r.weight) AS weight_sum,
       sum(r.weight * r.stars) AS weighted_stars,
       sum(r.weight * r.sentiment) AS weighted_sentiment,
       coalesce(sum(greatest(extract(epoch FROM x.created_at - r.created_at), 0)), 0)
           AS response_seconds
FROM ratings_review r
LEFT JOIN ratings_reviewresponse x ON x.review_id = r.id
CROSS JOIN LATERAL (
    VALUES ('organization', NULL::bigint), ('agent', r.agent_id), ('technician', r.technician_id)
) AS t (kind, person_id)
WHERE (t.kind = 'organization' OR t.person_id IS NOT NULL) AND r.comment NOT LIKE %s
GROUP BY 1, 2, 3
"""  # noqa: S608 - column names only
SAME_TARGET = (
    "s.organization_id = a.organization_id AND s.kind = a.kind "
    "AND coalesce(s.person_id, 0) = coalesce(a.person_id, 0)"
)


def _sums(cursor) -> None:
    """bench_score_sums: every target's sums over its reviews, the unscored ones left out."""
    cursor.execute("DROP TABLE IF EXISTS bench_score_sums")
    cursor.execute(SUMS_SQL, [UNSCORED_PREFIX + "%"])


def rebuild_scores() -> None:
    """Every score's sums from the reviews (what `services.scores_recompute` does, in a few
    statements instead of a few per review), then its points."""
    from django.db import connection, transaction

    columns = ", ".join(COUNTS + SUMS)
    zeros = ", ".join(f"{c} = 0" for c in COUNTS + SUMS)
    sums = ", ".join(f"{c} = a.{c}" for c in COUNTS + SUMS)
    targets = "organization_id, kind, person_id"
    with transaction.atomic(), connection.cursor() as cursor:
        _sums(cursor)
        cursor.execute(
            f"INSERT INTO ratings_score ({targets}, {columns}, updated_at) "  # noqa: S608
            f"SELECT {targets}, {columns}, now() FROM bench_score_sums ON CONFLICT DO NOTHING"
        )
        # Targets whose reviews are all gone keep their row at zero, as the service leaves them.
        cursor.execute(f"UPDATE ratings_score SET {zeros}")  # noqa: S608
        cursor.execute(
            f"UPDATE ratings_score s SET {sums}, updated_at = now() "  # noqa: S608
            f"FROM bench_score_sums a WHERE {SAME_TARGET}"
        )
        cursor.execute("DROP TABLE bench_score_sums")
        refresh_points()


def refresh_points() -> None:
    """Every score's points now, by the app's formula (services.score_points), with the priors
    services.prior_for would read, computed once for all."""
    from django.utils import timezone

    from ratings import scoring, services
    from ratings.models import Score, TargetKind

    now = timezone.now()
    scores = list(Score.objects.all())
    organizations = [s for s in scores if s.kind == TargetKind.ORGANIZATION]
    count = sum(s.count for s in organizations)
    overall = sum(s.stars_total for s in organizations) / count if count else None
    own = {s.organization_id: s.stars_total / s.count for s in organizations if s.count}
    for score in scores:
        prior = overall if score.kind == TargetKind.ORGANIZATION else own.get(score.organization_id)
        score.points = services.score_points(
            score, now=now, prior=scoring.DEFAULT_PRIOR if prior is None else prior
        )
    Score.objects.bulk_update(scores, ["points"], batch_size=1000)


def scores_disagreeing() -> int:
    """How many scores differ from their reviews' sums (the unscored ones left out)."""
    from django.db import connection, transaction

    def differs(c: str) -> str:
        s, a = f"coalesce(s.{c}, 0)", f"coalesce(a.{c}, 0)"
        if c in COUNTS:
            return f"{s} <> {a}"
        return f"abs({s} - {a}) > 1e-6 * greatest(1, abs({a}))"

    with transaction.atomic(), connection.cursor() as cursor:
        _sums(cursor)
        cursor.execute(
            "SELECT count(*) FROM ratings_score s FULL JOIN bench_score_sums a ON "  # noqa: S608
            f"{SAME_TARGET} WHERE {' OR '.join(differs(c) for c in COUNTS + SUMS)}"
        )
        wrong = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_score_sums")
    return wrong


def check_against_service(organization) -> None:
    """The set-based sums must be what the app's own full recompute makes of the reviews."""
    from ratings import services
    from ratings.models import Score

    def state():
        rows = Score.objects.filter(organization=organization).order_by("kind", "person_id")
        return list(rows.values_list("kind", "person_id", *COUNTS, *SUMS))

    ours = state()
    services.scores_recompute(organization=organization)
    theirs = state()
    for a, b in zip(ours, theirs, strict=True):
        for x, y in zip(a, b, strict=True):
            if isinstance(x, float) and abs(x - y) <= 1e-6 * max(1.0, abs(y)):
                continue
            if x != y:
                raise SystemExit(f"set-based scores differ from the service's: {a} != {b}")


def seed_snapshots(now: datetime) -> int:
    """A daily snapshot of each provider's points over the last SNAPSHOT_DAYS days, as the
    daily task would have recorded them: the sums up to that day, the prior (all providers'
    mean stars) of that day, the points at the end of it."""
    from django.utils import timezone

    from ratings import scoring
    from ratings.models import Score, TargetKind

    today = timezone.localdate(now)
    first = today - timedelta(days=SNAPSHOT_DAYS - 1)
    before = first - timedelta(days=1)  # everything older is folded into this day
    zone = timezone.get_default_timezone_name()
    daily = defaultdict(lambda: [0, 0, 0.0, 0.0, 0.0, 0, 0.0])
    everyone = defaultdict(lambda: [0, 0])  # day -> reviews, stars of all providers
    for organization, day, *sums in _rows(
        "SELECT organization_id, greatest((created_at AT TIME ZONE %s)::date, %s), count(*), "
        "sum(stars), sum(weight), sum(weight * stars), sum(weight * sentiment) "
        "FROM ratings_review GROUP BY 1, 2",
        [zone, before],
    ):
        daily[organization, day][:5] = sums
        everyone[day][0] += sums[0]
        everyone[day][1] += sums[1]
    for organization, day, answered, seconds in _rows(
        "SELECT r.organization_id, greatest((x.created_at AT TIME ZONE %s)::date, %s), "
        "count(*), sum(greatest(extract(epoch FROM x.created_at - r.created_at), 0)) "
        "FROM ratings_reviewresponse x JOIN ratings_review r ON r.id = x.review_id GROUP BY 1, 2",
        [zone, before],
    ):
        daily[organization, day][5:] = [answered, float(seconds)]
    days = [before + timedelta(days=n) for n in range(SNAPSHOT_DAYS + 1)]
    # The prior of each day: every provider's mean stars up to it.
    priors, stars, count = {}, 0, 0
    for day in days:
        count += everyone[day][0]
        stars += everyone[day][1]
        priors[day] = stars / count if count else scoring.DEFAULT_PRIOR
    ends = {day: datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC) for day in days}
    ends[today] = now
    # Read before the COPY starts: the connection can't answer a query in the middle of one.
    scores = list(
        Score.objects.filter(kind=TargetKind.ORGANIZATION).values_list("organization_id", "pk")
    )

    def rows():
        for organization, score_id in scores:
            total = [0, 0, 0.0, 0.0, 0.0, 0, 0.0]
            for day in days:
                if (organization, day) in daily:
                    total = [t + d for t, d in zip(total, daily[organization, day], strict=True)]
                if day == before or not total[0]:
                    continue
                points = scoring.points(
                    count=total[0],
                    weight_sum=total[2],
                    weighted_stars=total[3],
                    weighted_sentiment=total[4],
                    responded=total[5],
                    response_seconds=total[6],
                    prior=priors[day],
                    now=ends[day],
                )
                yield score_id, day, points, total[0]

    return _copy("ratings_scoresnapshot", ["score_id", "day", "points", "count"], rows())


# The data a run uses ------------------------------------------------------------------------


def ensure_data(reseed: bool) -> dict:
    """Seed when needed; return what the scenarios need (slugs, tokens, tickets)."""
    from accounts.models import Organization, User
    from ratings.models import Review, ReviewResponse, Score, ScoreSnapshot, TargetKind
    from technicians.models import ServiceRequest
    from tickets.models import Ticket, TicketUpdate

    harness.prepare_site()
    if not Organization.objects.filter(slug=SLUG.format(1)).exists():
        print(f"seeding {REVIEWS:,} reviews (once; --reseed to redo)...", flush=True)
        seed()
    clean_up()
    count = Review.objects.count()
    if count != REVIEWS:
        raise SystemExit(f"{count:,} reviews, expected {REVIEWS:,}: run with --reseed")
    if not ServiceRequest.objects.exists():
        raise SystemExit("seeded before visits and chats were: run with --reseed")
    if not TicketUpdate.objects.exists():
        raise SystemExit("seeded before tickets were answered: run with --reseed")
    slugs = sorted(
        Organization.objects.filter(slug__startswith="bench-provider-").values_list(
            "slug", flat=True
        )
    )
    top = (
        Score.objects.filter(kind=TargetKind.ORGANIZATION)
        .order_by("-count")
        .values_list("organization__slug", "count")
        .first()
    )
    tokens = harness.bench_api_keys(User.objects.all())
    tickets = list(
        Ticket.objects.filter(customer_id__in=tokens)
        .order_by("pk")
        .values_list("customer_id", "organization_id", "organization__slug", "pk")
    )
    random.Random(3).shuffle(tickets)
    served = sorted({(customer, organization, slug) for customer, organization, slug, _ in tickets})
    first_customer = min(tokens)
    return {
        "slugs": slugs,
        "top": top,
        # Each ticket once per run: a second review of it would be refused.
        "ticket_pool": [(tokens[c], slug, pk) for c, _, slug, pk in tickets],
        "served": [(tokens[c], slug) for c, _, slug in served],
        "served_ids": [(c, o) for c, o, _ in served],
        "page_customer": first_customer,
        "page_customer_slugs": [slug for c, _, slug in served if c == first_customer],
        "reviews": count,
        "providers": len(slugs),
        "responses": ReviewResponse.objects.count(),
        "snapshots": ScoreSnapshot.objects.count(),
        "database_size": harness.database_size(),
    }


def clean_up() -> None:
    """Delete what earlier runs wrote and rebuild the scores, so every run starts from the
    seeded million."""
    from django.db import connection

    from csportal.models import Event
    from notifications.models import Notification
    from ratings.models import Review

    deleted, _ = Review.objects.filter(comment__startswith="[load").delete()
    # Nothing in the seed publishes or notifies: every row of these is the runs' own.
    Notification.objects.all().delete()
    Event.objects.all().delete()
    if deleted:
        rebuild_scores()
    with connection.cursor() as cursor:  # reuse the space, keep index-only scans index-only
        for table in ("csportal_event", "notifications_notification", "ratings_review"):
            cursor.execute(f"VACUUM ANALYZE {table}")
        # A few thousand rows that the rebuild wrote four times over: compact them, as a
        # steady stream of small updates and autovacuum would keep them.
        cursor.execute("VACUUM FULL ANALYZE ratings_score")
    harness.empty_celery_queue(REDIS_URL)  # the tasks nobody consumes here


# Scenarios ----------------------------------------------------------------------------------


def scenarios(data: dict, session_cookie: str) -> list[harness.Scenario]:
    slugs, top = data["slugs"], data["top"][0]
    served, customer_slugs = data["served"], data["page_customer_slugs"]
    tickets = itertools.cycle(data["ticket_pool"])  # shared by every client of the run

    def poster(path: str, prefix: str):
        # Every other post is about one of the customer's tickets, starting with one: both
        # posting scenarios send the same mix, the requests counted in-process included.
        turns = itertools.count()

        def make(rng):
            stars = rng.choices((1, 2, 3, 4, 5), STAR_MIX)[0]
            body = {"stars": stars, "comment": prefix + _comment(rng, stars)}
            if next(turns) % 2 == 0:
                token, slug, body["ticket"] = next(tickets)
            else:
                token, slug = rng.choice(served)
            body["organization"] = slug
            return path, {"Authorization": f"Token {token}"}, body

        return make

    def page(choose, headers=None):
        return lambda rng: (f"/providers/{choose(rng)}/", headers or {}, None)

    customer = {"Cookie": f"sessionid={session_cookie}"}
    return [
        harness.Scenario("floor json", "GET", 200, lambda rng: ("/bench/floor/json", {}, None)),
        harness.Scenario("floor insert", "POST", 201, lambda rng: ("/bench/floor/insert", {}, {})),
        harness.Scenario("api post", "POST", 201, poster("/api/v1/reviews/", LOAD_PREFIX)),
        harness.Scenario(
            "api post unscored",
            "POST",
            201,
            poster("/bench/ratings/reviews-unscored", UNSCORED_PREFIX),
        ),
        harness.Scenario(
            "page provider", "GET", 200, page(lambda rng: rng.choice(slugs)), target="page"
        ),
        harness.Scenario("page provider top", "GET", 200, page(lambda rng: top), target="page"),
        harness.Scenario(
            "page provider customer",
            "GET",
            200,
            page(lambda rng: rng.choice(customer_slugs), customer),
            target="page",
        ),
    ]


# The score update's cost, in-process --------------------------------------------------------

VARIANTS = [("provider", False), ("provider + agent + technician", True)]


def score_update_cost(data: dict, posts: int) -> dict:
    """review_post with and without its score update, alternating, `posts` times each per
    variant; the update also timed on its own inside each scored post."""
    from contextlib import nullcontext

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Organization, User
    from bench.bench_urls import score_update, skip_score_update
    from ratings import services
    from technicians.models import ServiceRequest
    from tickets.models import Ticket

    served = data["served_ids"]
    users = User.objects.in_bulk({c for c, _ in served})
    organizations = Organization.objects.in_bulk({o for _, o in served})
    # Who served each customer (a review names only them): their tickets' agents and their
    # visits' technicians.
    customers = {c for c, _ in served}
    served_by = defaultdict(lambda: defaultdict(list))
    for field, rows in (
        (
            "agent",
            Ticket.objects.filter(customer_id__in=customers).values_list(
                "customer_id", "organization_id", "assignee_id"
            ),
        ),
        (
            "technician",
            ServiceRequest.objects.filter(customer_id__in=customers).values_list(
                "customer_id", "organization_id", "technician_id"
            ),
        ),
    ):
        for customer, organization, person in rows:
            served_by[customer, organization][field].append(person)
    people_of = User.objects.in_bulk(
        {p for by in served_by.values() for persons in by.values() for p in persons}
    )
    rng = random.Random(7)
    out = {}
    for label, with_people in VARIANTS:

        def post(scored: bool, with_people=with_people) -> tuple[float, float]:
            customer, organization = rng.choice(served)
            stars = rng.choices((1, 2, 3, 4, 5), STAR_MIX)[0]
            prefix = LOAD_PREFIX if scored else UNSCORED_PREFIX
            people = {}
            if with_people:
                people = {
                    field: people_of[rng.choice(persons)]
                    for field, persons in served_by[customer, organization].items()
                }
            score_update.seconds = 0.0
            with nullcontext() if scored else skip_score_update():
                started = time.perf_counter()
                services.review_post(
                    customer=users[customer],
                    organization=organizations[organization],
                    stars=stars,
                    comment=prefix + _comment(rng, stars),
                    **people,
                )
                return time.perf_counter() - started, score_update.seconds

        for _ in range(WARMUP_POSTS):
            post(True)
            post(False)
        with_, without, step = [], [], []
        for n in range(posts):
            for scored in (True, False) if n % 2 == 0 else (False, True):
                total, spent = post(scored)
                (with_ if scored else without).append(total)
                if scored:
                    step.append(spent)
        queries = {}
        for scored in (True, False):
            with CaptureQueriesContext(connection) as captured:
                post(scored)
            queries[scored] = sum(1 for q in captured if not harness.is_control(q["sql"]))

        def ms(values, p):
            return harness.percentile(values, p) * 1000

        out[label] = {
            "posts": posts,
            "with_p50_ms": ms(with_, 50),
            "with_p95_ms": ms(with_, 95),
            "without_p50_ms": ms(without, 50),
            "without_p95_ms": ms(without, 95),
            "step_p50_ms": ms(step, 50),
            "step_p95_ms": ms(step, 95),
            "queries_with": queries[True],
            "queries_without": queries[False],
        }
    print(
        f"\nthe score update, in-process: services.review_post {posts} times with it and "
        f"{posts} times without, alternating; 'update' is the update timed inside each post"
    )
    header = (
        f"{'scores updated':30} {'with p50':>8} {'p95':>6} {'without p50':>11} {'p95':>6} "
        f"{'adds p50':>8} {'p95':>6} {'update p50':>10} {'p95':>6} {'queries':>9}"
    )
    print(header)
    print("-" * len(header))
    for label, r in out.items():
        print(
            f"{label:30} {r['with_p50_ms']:8.2f} {r['with_p95_ms']:6.2f} "
            f"{r['without_p50_ms']:11.2f} {r['without_p95_ms']:6.2f} "
            f"{r['with_p50_ms'] - r['without_p50_ms']:8.2f} "
            f"{r['with_p95_ms'] - r['without_p95_ms']:6.2f} "
            f"{r['step_p50_ms']:10.2f} {r['step_p95_ms']:6.2f} "
            f"{r['queries_with']:4d}/{r['queries_without']:<4d}"
        )
    return out


def score_checks(cost: dict) -> list[harness.Check]:
    return [
        (
            f"score update adds < {TARGET_SCORE_UPDATE_MS:.0f} ms to posting a review "
            f"({label}; in-process, timed inside each post, p95)",
            r["step_p95_ms"] < TARGET_SCORE_UPDATE_MS,
            f"p50 {r['step_p50_ms']:.2f} ms, p95 {r['step_p95_ms']:.2f} ms; review_post p50 "
            f"{r['with_p50_ms']:.1f} ms with it, {r['without_p50_ms']:.1f} ms without "
            f"({r['queries_with']} / {r['queries_without']} queries)",
        )
        for label, r in cost.items()
    ]


# Verdicts -----------------------------------------------------------------------------------


def verdicts(items: list[harness.Scenario], levels: list[int], cost: dict) -> list[harness.Check]:
    out = score_checks(cost)
    for concurrency in levels:
        out += harness.p95_checks(items, [concurrency], {"page": TARGET_PAGE_P95_MS})
        pair = harness.rps_ratio(items, "api post", "api post unscored", concurrency)
        if pair:
            _, scored, unscored = pair
            out.append(
                (
                    f"(under load) api post minus api post unscored at {concurrency} clients",
                    None,
                    f"p50 {scored['p50_ms'] - unscored['p50_ms']:+.1f} ms, p95 "
                    f"{scored['p95_ms'] - unscored['p95_ms']:+.1f} ms; "
                    f"{scored['rps']:.0f} / {unscored['rps']:.0f} req/s",
                )
            )
        floor = harness.rps_ratio(items, "api post", "floor insert", concurrency)
        if floor:
            out.append(
                (
                    f"api post at {concurrency} clients, against the one-INSERT view",
                    None,
                    f"{floor[0]:.1%} of floor insert req/s "
                    f"({floor[1]['rps']:.0f} / {floor[2]['rps']:.0f})",
                )
            )
    return out


def scores_agree() -> list[harness.Check]:
    wrong = scores_disagreeing()
    return [
        (
            "after the load every score equals the sums of its reviews (no update lost)",
            wrong == 0,
            f"{wrong} scores differ",
        )
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    harness.add_arguments(parser, explain="EXPLAIN ANALYZE the SELECTs of each scenario")
    parser.add_argument(
        "--posts", type=int, default=200, help="in-process posts each way (0: skip the yardstick)"
    )
    args = parser.parse_args()

    harness.prepare_database(DATABASE_URL, args.reseed)
    import django

    django.setup()
    from accounts.models import User

    data = ensure_data(args.reseed)
    items = scenarios(data, harness.session_for(User.objects.get(pk=data["page_customer"])))
    cost: dict = {}

    def in_process() -> None:
        if args.posts:
            cost.update(score_update_cost(data, args.posts))
            if args.no_load:
                harness.print_checks(score_checks(cost))

    def explain(items: list[harness.Scenario]) -> None:
        for scenario in items:
            if not scenario.name.startswith("floor"):
                harness.explain_request(scenario)

    def heading(machine: str) -> str:
        return (
            f"{data['reviews']:,} reviews of {data['providers']:,} providers "
            f"({data['responses']:,} answered, the top one {data['top'][1]:,} reviews; "
            f"{data['snapshots']:,} daily snapshots) in PostgreSQL, database "
            f"{data['database_size']}; gunicorn gthread {args.workers} workers x "
            f"{args.threads} threads; {args.warmup:g} s warm-up + {args.duration:g} s x "
            f"{args.rounds} round(s) per scenario; {machine}"
        )

    keep = ("reviews", "providers", "responses", "snapshots", "top", "database_size")
    harness.run_benchmark(
        args,
        name="ratings_load",
        env=SERVER_ENV,
        items=items,
        heading=heading,
        checks=lambda items, levels: verdicts(items, levels, cost),
        summary=lambda: {"data": {k: data[k] for k in keep}, "score_update": cost},
        explain=explain,
        in_process=in_process,
        after_load=scores_agree,
        clean_up=clean_up,
    )


if __name__ == "__main__":
    main()
