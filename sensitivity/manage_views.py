"""The managers' pages: the code table, the statistics, the access log."""

urlpatterns: list = []
