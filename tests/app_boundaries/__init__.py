"""Apps from the bottom up: each may use those before it, never those after (DESIGN.md)."""

APPS = ["accounts", "notifications", "tickets", "technicians", "chat", "sensitivity", "ratings"]
# The lower apps that have pages of their own, each proven to render without the apps above.
WITH_PAGES = ["accounts", "notifications", "tickets", "technicians"]


def above(app: str) -> list[str]:
    return APPS[APPS.index(app) + 1 :]
