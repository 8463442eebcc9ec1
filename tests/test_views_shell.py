"""The web shell: menu, sign-in and sign-out, language, profile and tokens, error pages, admin."""

import pytest
from django.urls import reverse

from salesdept.accounts.models import ApiToken, User

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _menu_keys(html: str) -> set[str]:
    import re

    return set(re.findall(r'data-menu="([\w-]+)"', html))


# --- menu ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees_audit"),
    [
        ("auditor", True),
        ("director", True),
        ("sales1", False),
        ("manager1", False),
        ("finance", False),
        ("admin", False),
    ],
)
def test_menu_shows_audit_trail_only_to_auditor_and_director(client, org, persona, sees_audit):
    # given a signed-in persona
    client.force_login(getattr(org, persona))
    # when they open the dashboard
    html = client.get("/").content.decode()
    # then the audit link is in the menu exactly for the roles holding audit.view_audit_trail
    assert ("audit" in _menu_keys(html)) is sees_audit
    assert (reverse("audit:list") in html) is sees_audit
    assert "dashboard" in _menu_keys(html)


def test_menu_shows_administration_only_to_staff(client, org):
    client.force_login(org.admin)
    assert "admin" in _menu_keys(client.get("/").content.decode())
    client.force_login(org.director)
    assert "admin" not in _menu_keys(client.get("/").content.decode())


def test_user_menu_shows_name_role_profile_password_and_post_sign_out(client, org):
    client.force_login(org.manager1)
    html = client.get("/").content.decode()
    assert "李明 Li Ming" in html
    assert "Sales manager" in html
    assert reverse("accounts:profile") in html
    assert reverse("accounts:password_change") in html
    assert f'<form method="post" action="{reverse("accounts:logout")}">' in html


def test_pages_are_built_for_phones_with_a_collapsible_menu(client, org):
    client.force_login(org.sales1)
    html = client.get("/").content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert 'class="navbar-toggler"' in html and 'class="collapse navbar-collapse" id="main-menu"' in html


def test_assets_are_served_from_the_package_not_a_cdn(client, org):
    client.force_login(org.sales1)
    html = client.get("/").content.decode()
    assert "/static/vendor/bootstrap/bootstrap.min.css" in html
    assert "/static/vendor/htmx/htmx.min.js" in html
    assert "https://" not in html and "http://" not in html.replace('xmlns="http://www.w3.org', "")


# --- sign in, sign out -----------------------------------------------------------------------


def test_dashboard_requires_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_login_with_wrong_password_shows_a_clear_message(client, org):
    response = client.post(LOGIN, {"username": "sales1", "password": "wrong"})
    assert response.status_code == 200
    assert 'data-testid="login-error"' in response.content.decode()
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_failure_message_is_translated_for_chinese(client, org):
    # given a visitor who chose 简体中文 before signing in
    client.post(reverse("accounts:language"), {"language": "zh-hans", "next": LOGIN})
    # when the password is wrong
    html = client.post(LOGIN, {"username": "sales1", "password": "wrong"}).content.decode()
    # then Django's own message comes in Chinese
    assert "请输入一个正确的" in html
    assert '<html lang="zh-hans">' in html


def test_login_with_right_password_goes_to_the_dashboard(client, org):
    response = client.post(LOGIN, {"username": "sales1", "password": "demo1234"})
    assert response.status_code == 302 and response.url == reverse("web:dashboard")
    assert client.session["_auth_user_id"] == str(org.sales1.pk)


def test_login_is_locked_out_after_repeated_failures(client, org, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(LOGIN, {"username": "sales1", "password": "wrong"}).status_code == 200
    response = client.post(LOGIN, {"username": "sales1", "password": "wrong"})
    assert response.status_code == 429
    assert 'data-testid="locked-out"' in response.content.decode()
    # even the right password is refused while locked
    response = client.post(LOGIN, {"username": "sales1", "password": "demo1234"})
    assert response.status_code == 429 and "_auth_user_id" not in client.session


def test_logout_by_get_is_refused(client, org):
    client.force_login(org.sales1)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.session.get("_auth_user_id") == str(org.sales1.pk)


def test_logout_needs_the_csrf_token(org):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(org.sales1)
    assert strict.post(reverse("accounts:logout")).status_code == 403
    assert strict.session.get("_auth_user_id") == str(org.sales1.pk)


def test_logout_by_post_signs_out(client, org):
    client.force_login(org.sales1)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


# --- language --------------------------------------------------------------------------------


def test_language_switch_is_remembered_on_the_user_and_used_on_another_device(client, org):
    from django.test import Client

    # given sales1 signed in, switching to 简体中文
    client.force_login(org.sales1)
    response = client.post(reverse("accounts:language"), {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302 and response.url == "/"
    # then the choice is stored on the user
    assert User.objects.get(pk=org.sales1.pk).language == "zh-hans"
    # and a fresh browser (no language cookie) gets Chinese pages after signing in
    other = Client()
    other.force_login(org.sales1)
    html = other.get(reverse("accounts:password_change")).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "旧密码" in html  # Django's own "Old password"


def test_language_switch_back_to_english(client, org):
    client.force_login(org.sales1)
    client.post(reverse("accounts:language"), {"language": "zh-hans"})
    client.post(reverse("accounts:language"), {"language": "en"})
    assert User.objects.get(pk=org.sales1.pk).language == "en"
    assert "Old password" in client.get(reverse("accounts:password_change")).content.decode()


def test_language_switch_ignores_unknown_languages_and_foreign_redirects(client, org):
    client.force_login(org.sales1)
    response = client.post(reverse("accounts:language"), {"language": "xx", "next": "https://evil.example/"})
    assert response.url == "/"
    assert User.objects.get(pk=org.sales1.pk).language == ""


# --- password --------------------------------------------------------------------------------


def test_password_change_shows_errors_next_to_each_field(client, org):
    client.force_login(org.sales1)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": "abc", "new_password2": "abd"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_old_password-errors"' in html
    assert 'id="id_new_password2-errors"' in html
    assert 'aria-invalid="true"' in html


def test_password_change_succeeds_and_keeps_the_user_signed_in(client, org):
    client.force_login(org.sales1)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "demo1234",
            "new_password1": "Lantern-Harbor-42",
            "new_password2": "Lantern-Harbor-42",
        },
    )
    assert response.status_code == 302 and response.url == reverse("accounts:profile")
    assert User.objects.get(pk=org.sales1.pk).check_password("Lantern-Harbor-42")
    assert client.get(reverse("accounts:profile")).status_code == 200


# --- profile and API tokens ------------------------------------------------------------------


def test_token_is_shown_once_after_creation(client, org):
    client.force_login(org.sales1)
    response = client.post(reverse("accounts:token_create"), {"name": "Excel report"}, follow=True)
    html = response.content.decode()
    assert 'data-testid="new-token"' in html
    token = ApiToken.objects.get(user=org.sales1)
    assert token.prefix in html
    # the next visit no longer shows the key
    assert 'data-testid="new-token"' not in client.get(reverse("accounts:profile")).content.decode()


def test_token_without_a_name_is_refused_with_a_field_error(client, org):
    client.force_login(org.sales1)
    response = client.post(reverse("accounts:token_create"), {"name": "  "})
    assert response.status_code == 400
    assert 'id="id_name-errors"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_token_revoke_asks_for_confirmation_and_revokes(client, org):
    client.force_login(org.sales1)
    client.post(reverse("accounts:token_create"), {"name": "script"})
    token = ApiToken.objects.get(user=org.sales1)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert f'action="{reverse("accounts:token_revoke", args=[token.pk])}" data-confirm=' in html
    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_of_someone_else_cannot_be_revoked(client, org):
    client.force_login(org.sales2)
    client.post(reverse("accounts:token_create"), {"name": "theirs"})
    token = ApiToken.objects.get(user=org.sales2)
    client.force_login(org.sales1)
    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_profile_shows_role_labels(client, org):
    client.force_login(org.regional_east)
    assert "Regional manager" in client.get(reverse("accounts:profile")).content.decode()


# --- error pages -----------------------------------------------------------------------------


def test_unknown_page_answers_404_in_the_layout(client, org):
    client.force_login(org.sales1)
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'data-testid="error-page"' in html and 'data-testid="main-menu"' in html
    assert "Page not found" in html


def test_forbidden_page_answers_403_in_the_layout(client, org):
    client.force_login(org.sales1)
    response = client.get(reverse("audit:list"))
    assert response.status_code == 403
    assert 'data-testid="error-page"' in response.content.decode()


def test_server_error_page_renders_in_the_layout(rf, org):
    from salesdept.web.views import server_error

    request = rf.get("/")
    request.user = org.sales1
    response = server_error(request)
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_error_pages_are_translated(client, org):
    User.objects.filter(pk=org.sales1.pk).update(language="zh-hans")
    client.force_login(org.sales1)
    html = client.get("/no-such-page/").content.decode()
    assert '<html lang="zh-hans">' in html


# --- admin -----------------------------------------------------------------------------------


def test_admin_role_manages_users_but_cannot_delete_them(client, org):
    client.force_login(org.admin)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_user_change", args=[org.sales1.pk])).status_code == 200
    # deleting is refused even with the URL: users are deactivated instead
    assert client.get(reverse("admin:accounts_user_delete", args=[org.sales1.pk])).status_code == 403
    assert (
        client.post(reverse("admin:accounts_user_delete", args=[org.sales1.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert User.objects.filter(pk=org.sales1.pk).exists()


def test_admin_deactivate_action_deactivates_users(client, org):
    client.force_login(org.admin)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate", "_selected_action": [org.sales2.pk]},
    )
    assert response.status_code == 302
    assert not User.objects.get(pk=org.sales2.pk).is_active


def test_admin_role_cannot_make_itself_superuser(client, org):
    client.force_login(org.admin)
    html = client.get(reverse("admin:accounts_user_change", args=[org.admin.pk])).content.decode()
    assert 'name="is_superuser"' not in html
    assert 'name="user_permissions"' not in html


def test_superuser_cannot_delete_users_either(client, org):
    root = User.objects.create_superuser("root", "root@example.com", "x-Long-Passw0rd")
    client.force_login(root)
    assert client.get(reverse("admin:accounts_user_delete", args=[org.sales1.pk])).status_code == 403


@pytest.mark.parametrize(
    "url_name",
    ["admin:auditlog_logentry_add", "admin:auth_group_add", "admin:accounts_apitoken_add"],
)
def test_evidence_and_roles_cannot_be_added_in_admin(client, org, url_name):
    root = User.objects.create_superuser("root", "root@example.com", "x-Long-Passw0rd")
    client.force_login(root)
    assert client.get(reverse(url_name)).status_code == 403


def test_audit_log_entries_are_read_only_in_admin(client, org):
    from auditlog.models import LogEntry

    root = User.objects.create_superuser("root", "root@example.com", "x-Long-Passw0rd")
    client.force_login(root)
    entry = LogEntry.objects.get_for_object(org.sales1).first()
    assert entry is not None
    before = (entry.action, entry.changes, entry.actor_id)
    # viewing works; saving and deleting are refused
    assert client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk])).status_code == 200
    client.post(reverse("admin:auditlog_logentry_change", args=[entry.pk]), {"action": 2, "changes": "{}"})
    assert (
        client.post(reverse("admin:auditlog_logentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
    entry.refresh_from_db()
    assert (entry.action, entry.changes, entry.actor_id) == before
    html = client.get(reverse("admin:auditlog_logentry_changelist")).content.decode()
    assert "delete_selected" not in html


def test_role_groups_are_read_only_in_admin(client, org):
    from django.contrib.auth.models import Group

    client.force_login(org.admin)
    group = Group.objects.get(name="salesperson")
    before = set(group.permissions.values_list("pk", flat=True))
    assert client.get(reverse("admin:auth_group_change", args=[group.pk])).status_code == 200
    client.post(
        reverse("admin:auth_group_change", args=[group.pk]), {"name": "salesperson", "permissions": []}
    )
    assert set(group.permissions.values_list("pk", flat=True)) == before


def test_form_sent_without_csrf_token_answers_403_in_the_layout(org):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(LOGIN, {"username": "sales1", "password": "demo1234"})
    assert response.status_code == 403
    assert 'data-testid="error-page"' in response.content.decode()
    assert "This form has expired" in response.content.decode()


def test_server_error_page_survives_a_failing_context(rf, org, monkeypatch):
    # when the database itself is what failed, the 500 page still renders without the menu
    from salesdept.web import views

    def broken(*args, **kwargs):
        raise RuntimeError("database is gone")

    monkeypatch.setattr(views, "render", broken)
    request = rf.get("/")
    request.user = org.sales1
    response = views.server_error(request)
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
