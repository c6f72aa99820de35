"""The reception's and technicians' pages: guidance as codes are picked, the call list."""

urlpatterns: list = []
