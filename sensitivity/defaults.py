"""The default code table: the reference method's classification, with guidance for the
receptionist, the technician and the confirmation call.

Loaded by migration 0002 as the rows without an organization; each organization works on its
own copy (services.table_for). The texts are stored in English and marked here so the
catalogs translate them (models.shown). A change here reaches a database only through a new
data migration.
"""

from django.utils.translation import gettext_noop

# (code, label, what to look for, reception, technician, confirmation call)
POSITIVE = [
    (
        "P1",
        gettext_noop("Asked for a convenient visit time"),
        gettext_noop("Agrees readily to a time and plans around the visit."),
        gettext_noop("Offer the times that suit them first and confirm the one they pick."),
        gettext_noop("Arrive within the agreed window and thank them for making the time."),
        gettext_noop("Ask whether the time worked for them, and note it for next time."),
    ),
    (
        "P2",
        gettext_noop("Praised the technician"),
        gettext_noop("Speaks well of a technician who came before, often by name."),
        gettext_noop("Offer the same technician when they are free."),
        gettext_noop("Keep up the standard they liked; mention the colleague's good word."),
        gettext_noop("Pass the praise on and thank them for it."),
    ),
    (
        "P3",
        gettext_noop("Praised the receptionist"),
        gettext_noop("Thanks the desk for earlier help."),
        gettext_noop("Keep the same friendly, clear tone; give your name."),
        gettext_noop("Mention that reception arranged everything as discussed."),
        gettext_noop("Thank them for their kind words about reception."),
    ),
    (
        "P4",
        gettext_noop("Praised the company"),
        gettext_noop("Long-standing customer who trusts the company."),
        gettext_noop("Thank them for their loyalty; keep the promise you make."),
        gettext_noop("Take the same care as ever; small courtesies count."),
        gettext_noop("Thank them for their trust and ask what we could do even better."),
    ),
    (
        "P5",
        gettext_noop("Praised the products"),
        gettext_noop("Happy with the product itself; the fault is a surprise to them."),
        gettext_noop("Reassure them that the fault is unusual and will be looked at properly."),
        gettext_noop("Explain what failed and that it is not typical of the product."),
        gettext_noop("Check the product works as they expect again."),
    ),
]

EXPECTED = [
    (
        "E1",
        gettext_noop("Asked for a prompt visit"),
        gettext_noop("Wants someone today or as soon as possible."),
        gettext_noop("Offer the earliest free slot first; say honestly when that is."),
        gettext_noop("Go straight there; call ahead if anything delays you."),
        gettext_noop("Ask whether the visit came soon enough."),
    ),
    (
        "E2",
        gettext_noop("Asked for an excellent technician"),
        gettext_noop("Wants the most experienced person, or one they know."),
        gettext_noop("Offer a highly rated technician and say why they are a good fit."),
        gettext_noop("Explain what you check and why; show your expertise calmly."),
        gettext_noop("Ask whether the technician met their expectations."),
    ),
    (
        "E3",
        gettext_noop("Sense of authority"),
        gettext_noop("Expects to be treated as important; quick to point out their position."),
        gettext_noop("Be formal and respectful; confirm every detail back to them."),
        gettext_noop("Be punctual and formal; ask before you start anything."),
        gettext_noop("A courteous, formal call; ask for their assessment."),
    ),
    (
        "E4",
        gettext_noop("Relative in the company"),
        gettext_noop("Mentions someone who works for us."),
        gettext_noop("Serve them exactly as any other customer, by the rules, politely."),
        gettext_noop("Do the work by the book; don't discuss colleagues."),
        gettext_noop("Treat the call like any other; record the outcome plainly."),
    ),
    (
        "E5",
        gettext_noop("Asks about the warranty"),
        gettext_noop("Wants to know what is covered before agreeing to anything."),
        gettext_noop("Check the warranty status and tell them what it covers before booking."),
        gettext_noop("Tell them what is covered before you do work that isn't."),
        gettext_noop("Confirm what the warranty covered on this visit."),
    ),
    (
        "E6",
        gettext_noop("Asks for low charges"),
        gettext_noop("Worried about the cost; asks for prices up front."),
        gettext_noop("Give the call-out charge and the usual price range before booking."),
        gettext_noop("Quote before you repair; offer the cheaper sound option when there is one."),
        gettext_noop("Ask whether the charges were as explained."),
    ),
    (
        "E7",
        gettext_noop("Needs an exact visit time"),
        gettext_noop("Has little time; needs a precise arrival time."),
        gettext_noop("Book a narrow window and write down any constraint they mention."),
        gettext_noop("Arrive on time; call before if you will be even a few minutes late."),
        gettext_noop("Ask whether the time was kept."),
    ),
    (
        "E8",
        gettext_noop("Supervises through a third party"),
        gettext_noop("Someone else (family, a landlord, an agent) will be there or decides."),
        gettext_noop("Note who will be present and how to reach the person who decides."),
        gettext_noop("Explain the work to whoever is present and leave a clear written note."),
        gettext_noop("Call the person who decides as well as whoever was present."),
    ),
]

NEGATIVE = [
    (
        "N1",
        gettext_noop("No visit at the requested time"),
        gettext_noop("Could not get the time they wanted."),
        gettext_noop("Apologise; offer the nearest slots and a call if an earlier one frees up."),
        gettext_noop("Acknowledge the wait and thank them for their patience."),
        gettext_noop("Apologise again for the wait and check the result."),
    ),
    (
        "N2",
        gettext_noop("Repeated trouble"),
        gettext_noop("The same fault came back after an earlier repair."),
        gettext_noop("Say you see the earlier visits; book the most experienced technician free."),
        gettext_noop("Read the earlier reports first; find the root cause, not only the symptom."),
        gettext_noop(
            "Ask whether the fault has really gone; offer a follow-up visit at once if not."
        ),
    ),
    (
        "N3",
        gettext_noop("Distrusts technical ability"),
        gettext_noop("Doubts that we can fix it; may have been let down before."),
        gettext_noop("Describe the technician's experience with this product."),
        gettext_noop("Explain the diagnosis step by step and show the faulty part."),
        gettext_noop("Ask whether the explanation made sense and the fix holds."),
    ),
    (
        "N4",
        gettext_noop("Unhappy with travel charges"),
        gettext_noop("Objects to paying for the journey."),
        gettext_noop("Explain the travel charge before booking and when it is waived."),
        gettext_noop("Don't raise it again unprompted; answer calmly if asked."),
        gettext_noop("Check whether the charges were clear; pass complaints on."),
    ),
    (
        "N5",
        gettext_noop("Unhappy with repair charges"),
        gettext_noop("Finds the repair too expensive."),
        gettext_noop("Give a price range up front and say the technician will quote first."),
        gettext_noop("Quote before repairing; show what the price covers."),
        gettext_noop("Ask whether the final price was as quoted."),
    ),
    (
        "N6",
        gettext_noop("Hard to reach by phone"),
        gettext_noop("Misses calls; answers late or not at all."),
        gettext_noop("Confirm a second number and the best time to call; use SMS."),
        gettext_noop("Send a message when you set off; don't rely on a call."),
        gettext_noop("Call at the time they gave; otherwise send a message."),
    ),
    (
        "N7",
        gettext_noop("Impatient"),
        gettext_noop("Wants it done now; interrupts; short with the desk."),
        gettext_noop("Be brief and concrete: who, when, what happens next."),
        gettext_noop("Start promptly, say how long it will take, keep them posted."),
        gettext_noop("Keep the call short and to the point."),
    ),
    (
        "N8",
        gettext_noop("Asks for another technician"),
        gettext_noop("Did not want the technician who came before."),
        gettext_noop("Book a different technician and note the reason."),
        gettext_noop("Don't mention the earlier visit unless they do; be thorough."),
        gettext_noop("Ask whether the new technician suited them."),
    ),
    (
        "N9",
        gettext_noop("Distrusts the product"),
        gettext_noop("Believes the product itself is poor."),
        gettext_noop("Don't argue; promise a proper check."),
        gettext_noop("Explain what failed and how to avoid it; give honest advice."),
        gettext_noop("Ask how the product is doing since the visit."),
    ),
    (
        "N10",
        gettext_noop("Excessive repairs"),
        gettext_noop("Feels the product has needed too many repairs."),
        gettext_noop("Acknowledge the history; tell a manager when it is the third time or more."),
        gettext_noop(
            "Check for a common cause across the repairs; tell the desk if a replacement "
            "should be discussed."
        ),
        gettext_noop("Ask whether they want to discuss a replacement or other options."),
    ),
    (
        "N11",
        gettext_noop("Reception omitted"),
        gettext_noop("Something they asked for at reception was missed."),
        gettext_noop("Apologise, read their request back in full and confirm every point."),
        gettext_noop("Check the request with the customer before you start."),
        gettext_noop("Apologise for the slip and confirm it is now put right."),
    ),
]

TABLE = [("positive", POSITIVE), ("expected", EXPECTED), ("negative", NEGATIVE)]
AUDIENCES = ("reception", "technician", "confirmation")


def rows():
    """(category, position, code, label, description, {audience: guidance}) per code."""
    for category, codes in TABLE:
        for position, (code, label, description, *knacks) in enumerate(codes):
            yield (
                category,
                position,
                code,
                label,
                description,
                dict(zip(AUDIENCES, knacks, strict=True)),
            )
