from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("signup/", views.SignUpView.as_view(), name="signup"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("invitation/<str:token>/", views.InvitationView.as_view(), name="invitation"),
    path(
        "invitation/<str:token>/decline/",
        views.InvitationDeclineView.as_view(),
        name="invitation-decline",
    ),
    path("me/", views.CustomerHomeView.as_view(), name="customer-home"),
    path("me/settings/", views.AccountSettingsView.as_view(), name="account-settings"),
    path("me/settings/email/", views.AccountEmailView.as_view(), name="account-email"),
    path("me/settings/password/", views.AccountPasswordView.as_view(), name="account-password"),
    path("me/email/<str:token>/", views.EmailConfirmView.as_view(), name="email-confirm"),
    path("language/", views.set_language_view, name="set-language"),
    path("me/tokens/new/", views.ApiTokenCreateView.as_view(), name="api-token-new"),
    path("me/tokens/<int:pk>/revoke/", views.ApiTokenRevokeView.as_view(), name="api-token-revoke"),
    path("o/<slug:slug>/console/", views.ManagerConsoleView.as_view(), name="manager-console"),
    path(
        "o/<slug:slug>/settings/",
        views.OrganizationSettingsView.as_view(),
        name="organization-settings",
    ),
    path(
        "o/<slug:slug>/members/<int:pk>/<slug:action>/",
        views.MemberActionView.as_view(),
        name="member-action",
    ),
    path(
        "o/<slug:slug>/invitations/<int:pk>/<slug:action>/",
        views.InvitationActionView.as_view(),
        name="invitation-action",
    ),
    path("o/<slug:slug>/agent/", views.AgentDashboardView.as_view(), name="agent-dashboard"),
    path("o/<slug:slug>/desk/", views.ReceptionDeskView.as_view(), name="reception-desk"),
    path("o/<slug:slug>/today/", views.TechnicianTodayView.as_view(), name="technician-today"),
]
