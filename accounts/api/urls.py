from django.urls import path

from . import views

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("me/", views.MeView.as_view(), name="me"),
    path("me/email/", views.MeEmailView.as_view(), name="me-email"),
    path("me/password/", views.MePasswordView.as_view(), name="me-password"),
    path("me/tokens/", views.ApiTokenListView.as_view(), name="api-token-list"),
    path("me/tokens/<int:pk>/", views.ApiTokenDetailView.as_view(), name="api-token-detail"),
    path("organizations/", views.OrganizationListView.as_view(), name="organization-list"),
    path(
        "organizations/<slug:slug>/members/",
        views.MemberListView.as_view(),
        name="member-list",
    ),
    path(
        "organizations/<slug:slug>/members/<int:pk>/",
        views.MemberDetailView.as_view(),
        name="member-detail",
    ),
    path(
        "organizations/<slug:slug>/invitations/",
        views.InvitationListView.as_view(),
        name="invitation-list",
    ),
    path(
        "organizations/<slug:slug>/invitations/<int:pk>/",
        views.InvitationDetailView.as_view(),
        name="invitation-detail",
    ),
]
