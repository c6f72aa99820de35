"""The default code table: the reference method's classification, with guidance for the
receptionist, the technician and the confirmation call.

Loaded by migration 0002 as the rows without an organization; each organization works on its
own copy (services.table_for). The texts are stored in English and marked here so the
catalogs translate them (models.shown). A change here reaches a database only through a new
data migration.
"""

from django.utils.translation import gettext_noop as N_

# (code, label, what to look for, reception, technician, confirmation call)
POSITIVE = [
    (
        "P1",
        N_("Asked for a convenient visit time"),
        N_("Agrees readily to a time and plans around the visit."),
        N_("Offer the times that suit them first and confirm the one they pick."),
        N_("Arrive within the agreed window and thank them for making the time."),
        N_("Ask whether the time worked for them, and note it for next time."),
    ),
    (
        "P2",
        N_("Praised the technician"),
        N_("Speaks well of a technician who came before, often by name."),
        N_("Offer the same technician when they are free."),
        N_("Keep up the standard they liked; mention the colleague's good word."),
        N_("Pass the praise on and thank them for it."),
    ),
    (
        "P3",
        N_("Praised the receptionist"),
        N_("Thanks the desk for earlier help."),
        N_("Keep the same friendly, clear tone; give your name."),
        N_("Mention that reception arranged everything as discussed."),
        N_("Thank them for their kind words about reception."),
    ),
    (
        "P4",
        N_("Praised the company"),
        N_("Long-standing customer who trusts the company."),
        N_("Thank them for their loyalty; keep the promise you make."),
        N_("Take the same care as ever; small courtesies count."),
        N_("Thank them for their trust and ask what we could do even better."),
    ),
    (
        "P5",
        N_("Praised the products"),
        N_("Happy with the product itself; the fault is a surprise to them."),
        N_("Reassure them that the fault is unusual and will be looked at properly."),
        N_("Explain what failed and that it is not typical of the product."),
        N_("Check the product works as they expect again."),
    ),
]

EXPECTED = [
    (
        "E1",
        N_("Asked for a prompt visit"),
        N_("Wants someone today or as soon as possible."),
        N_("Offer the earliest free slot first; say honestly when that is."),
        N_("Go straight there; call ahead if anything delays you."),
        N_("Ask whether the visit came soon enough."),
    ),
    (
        "E2",
        N_("Asked for an excellent technician"),
        N_("Wants the most experienced person, or one they know."),
        N_("Offer a highly rated technician and say why they are a good fit."),
        N_("Explain what you check and why; show your expertise calmly."),
        N_("Ask whether the technician met their expectations."),
    ),
    (
        "E3",
        N_("Sense of authority"),
        N_("Expects to be treated as important; quick to point out their position."),
        N_("Be formal and respectful; confirm every detail back to them."),
        N_("Be punctual and formal; ask before you start anything."),
        N_("A courteous, formal call; ask for their assessment."),
    ),
    (
        "E4",
        N_("Relative in the company"),
        N_("Mentions someone who works for us."),
        N_("Serve them exactly as any other customer, by the rules, politely."),
        N_("Do the work by the book; don't discuss colleagues."),
        N_("Treat the call like any other; record the outcome plainly."),
    ),
    (
        "E5",
        N_("Asks about the warranty"),
        N_("Wants to know what is covered before agreeing to anything."),
        N_("Check the warranty status and tell them what it covers before booking."),
        N_("Tell them what is covered before you do work that isn't."),
        N_("Confirm what the warranty covered on this visit."),
    ),
    (
        "E6",
        N_("Asks for low charges"),
        N_("Worried about the cost; asks for prices up front."),
        N_("Give the call-out charge and the usual price range before booking."),
        N_("Quote before you repair; offer the cheaper sound option when there is one."),
        N_("Ask whether the charges were as explained."),
    ),
    (
        "E7",
        N_("Needs an exact visit time"),
        N_("Has little time; needs a precise arrival time."),
        N_("Book a narrow window and write down any constraint they mention."),
        N_("Arrive on time; call before if you will be even a few minutes late."),
        N_("Ask whether the time was kept."),
    ),
    (
        "E8",
        N_("Supervises through a third party"),
        N_("Someone else (family, a landlord, an agent) will be there or decides."),
        N_("Note who will be present and how to reach the person who decides."),
        N_("Explain the work to whoever is present and leave a clear written note."),
        N_("Call the person who decides as well as whoever was present."),
    ),
]

NEGATIVE = [
    (
        "N1",
        N_("No visit at the requested time"),
        N_("Could not get the time they wanted."),
        N_("Apologise; offer the nearest slots and a call if an earlier one frees up."),
        N_("Acknowledge the wait and thank them for their patience."),
        N_("Apologise again for the wait and check the result."),
    ),
    (
        "N2",
        N_("Repeated trouble"),
        N_("The same fault came back after an earlier repair."),
        N_("Say you see the earlier visits; book the most experienced technician free."),
        N_("Read the earlier reports first; find the root cause, not only the symptom."),
        N_("Ask whether the fault has really gone; offer a follow-up visit at once if not."),
    ),
    (
        "N3",
        N_("Distrusts technical ability"),
        N_("Doubts that we can fix it; may have been let down before."),
        N_("Describe the technician's experience with this product."),
        N_("Explain the diagnosis step by step and show the faulty part."),
        N_("Ask whether the explanation made sense and the fix holds."),
    ),
    (
        "N4",
        N_("Unhappy with travel charges"),
        N_("Objects to paying for the journey."),
        N_("Explain the travel charge before booking and when it is waived."),
        N_("Don't raise it again unprompted; answer calmly if asked."),
        N_("Check whether the charges were clear; pass complaints on."),
    ),
    (
        "N5",
        N_("Unhappy with repair charges"),
        N_("Finds the repair too expensive."),
        N_("Give a price range up front and say the technician will quote first."),
        N_("Quote before repairing; show what the price covers."),
        N_("Ask whether the final price was as quoted."),
    ),
    (
        "N6",
        N_("Hard to reach by phone"),
        N_("Misses calls; answers late or not at all."),
        N_("Confirm a second number and the best time to call; use SMS."),
        N_("Send a message when you set off; don't rely on a call."),
        N_("Call at the time they gave; otherwise send a message."),
    ),
    (
        "N7",
        N_("Impatient"),
        N_("Wants it done now; interrupts; short with the desk."),
        N_("Be brief and concrete: who, when, what happens next."),
        N_("Start promptly, say how long it will take, keep them posted."),
        N_("Keep the call short and to the point."),
    ),
    (
        "N8",
        N_("Asks for another technician"),
        N_("Did not want the technician who came before."),
        N_("Book a different technician and note the reason."),
        N_("Don't mention the earlier visit unless they do; be thorough."),
        N_("Ask whether the new technician suited them."),
    ),
    (
        "N9",
        N_("Distrusts the product"),
        N_("Believes the product itself is poor."),
        N_("Don't argue; promise a proper check."),
        N_("Explain what failed and how to avoid it; give honest advice."),
        N_("Ask how the product is doing since the visit."),
    ),
    (
        "N10",
        N_("Excessive repairs"),
        N_("Feels the product has needed too many repairs."),
        N_("Acknowledge the history; tell a manager when it is the third time or more."),
        N_(
            "Check for a common cause across the repairs; tell the desk if a replacement "
            "should be discussed."
        ),
        N_("Ask whether they want to discuss a replacement or other options."),
    ),
    (
        "N11",
        N_("Reception omitted"),
        N_("Something they asked for at reception was missed."),
        N_("Apologise, read their request back in full and confirm every point."),
        N_("Check the request with the customer before you start."),
        N_("Apologise for the slip and confirm it is now put right."),
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
