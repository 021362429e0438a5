"""Invitations and consent: a therapist invites, the client accepts and chooses what to
share, changes it or stops; codes that are expired, withdrawn or used make no link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from backease.accounts.models import AccessLog, User
from backease.clinic import invites
from backease.clinic.adapter import INVITATION_SESSION_KEY
from backease.clinic.models import CareLink, Invitation, Notice, Programme
from backease.store.models import Person
from tests.clinic.conftest import make_user, signed_in

pytestmark = pytest.mark.django_db


def make_invitation(therapist: User, **extra: object) -> Invitation:
    return invites.create_invitation(therapist, **extra)  # type: ignore[arg-type]


def test_it_makes_an_invitation_with_a_short_unambiguous_code_and_a_link(therapist: User) -> None:
    response = signed_in(therapist).post("/clinic/invitations/", {"email": "", "note": ""}, follow=True)
    assert response.status_code == 200
    row = Invitation.objects.get()
    assert len(row.code) == invites.CODE_LENGTH == 8
    assert set(row.code) <= set(invites.ALPHABET)
    assert not set("01ILO") & set(invites.ALPHABET)
    assert timedelta(days=13, hours=23) < row.expires_at - timezone.now() <= timedelta(days=14)
    page = response.content.decode()
    assert invites.pretty_code(row.code) in page
    assert f"/invite/{row.code}/" in page


def test_codes_are_unique_and_random(therapist: User) -> None:
    codes = {make_invitation(therapist).code for _ in range(50)}
    assert len(codes) == 50


def test_it_emails_the_invitation_when_an_address_is_given(therapist: User) -> None:
    signed_in(therapist).post("/clinic/invitations/", {"email": "New@Example.org", "note": "See you Tuesday"})
    row = Invitation.objects.get()
    assert row.email == "new@example.org"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.org"]
    assert "Sam Rivera" in message.subject
    assert f"/invite/{row.code}/" in message.body
    assert invites.pretty_code(row.code) in message.body
    assert "See you Tuesday" in message.body


def test_a_bad_email_address_is_named_and_nothing_is_stored(therapist: User) -> None:
    response = signed_in(therapist).post("/clinic/invitations/", {"email": "not an address"})
    assert response.status_code == 400
    assert "email" in response.content.decode()
    assert not Invitation.objects.exists()


def test_clients_and_signed_out_visitors_cannot_make_invitations(client_a: User) -> None:
    assert signed_in(client_a).get("/clinic/invitations/").status_code == 403
    assert signed_in(client_a).post("/clinic/invitations/", {}).status_code == 403
    assert Client().get("/clinic/invitations/").status_code == 302
    assert not Invitation.objects.exists()


def test_a_therapist_withdraws_an_open_invitation_and_nobody_else_can(
    therapist: User, outsider: User
) -> None:
    row = make_invitation(therapist)
    assert signed_in(outsider).post(f"/clinic/invitations/{row.pk}/withdraw/").status_code == 404
    assert signed_in(therapist).post(f"/clinic/invitations/{row.pk}/withdraw/").status_code == 302
    row.refresh_from_db()
    assert row.withdrawn_at is not None
    assert "Withdrawn" in signed_in(therapist).get("/clinic/invitations/").content.decode()


def test_a_signed_out_visitor_sees_who_invites_and_the_code_is_kept_for_sign_up(therapist: User) -> None:
    row = make_invitation(therapist)
    browser = Client()
    response = browser.get(f"/invite/{row.code}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Sam Rivera invites you" in page
    assert "What sharing means" in page
    assert f"/accounts/signup/?next=/invite/{row.code}/" in page
    assert f"/accounts/login/?next=/invite/{row.code}/" in page
    assert browser.session[INVITATION_SESSION_KEY] == row.code
    # The invitation in the session opens sign-up (backease.clinic.adapter).
    assert browser.get("/accounts/signup/").status_code == 200


def test_the_client_accepts_and_chooses_what_to_share_and_the_therapist_is_told(
    therapist: User, client_a: User
) -> None:
    row = make_invitation(therapist)
    browser = signed_in(client_a)
    page = browser.get(f"/invite/{row.code}/").content.decode()
    assert "Only whether I did my programme" in page
    response = browser.post(f"/invite/{row.code}/", {"share": "adherence"})
    assert response.status_code == 302
    assert response["Location"].startswith("/me/sharing/")
    link = CareLink.objects.get()
    assert (link.therapist, link.client.user, link.share, link.active) == (
        therapist,
        client_a,
        "adherence",
        True,
    )
    row.refresh_from_db()
    assert row.accepted_at is not None and row.accepted_by == link.client
    notice = Notice.objects.get(recipient=therapist, kind="link_accepted")
    assert "a@example.org" in notice.text and "only whether" in notice.text
    sharing = browser.get("/me/sharing/").content.decode()
    assert "Sam Rivera" in sharing and "Only whether you did the programme" in sharing


def test_a_code_typed_on_the_sharing_page_opens_the_invitation(therapist: User, client_a: User) -> None:
    row = make_invitation(therapist)
    typed = invites.pretty_code(row.code).lower().replace("-", " ")
    response = signed_in(client_a).post("/me/sharing/", {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/invite/{row.code}/"


@pytest.mark.parametrize("state", ["expired", "withdrawn", "used", "unknown"])
def test_closed_or_unknown_codes_say_so_and_make_no_link(
    therapist: User, client_a: User, client_b: User, state: str
) -> None:
    row = make_invitation(therapist)
    code = row.code
    if state == "expired":
        Invitation.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif state == "withdrawn":
        invites.withdraw(therapist, row.pk)
    elif state == "used":
        invites.accept(code, client_b, "full")
    else:
        code = "ZZZZ" + ("2345" if not code.endswith("2345") else "6789")
    links_before = CareLink.objects.count()
    browser = signed_in(client_a)
    opened = browser.get(f"/invite/{code}/")
    assert opened.status_code in (404, 410)
    assert invites.CLOSED_MESSAGES[state] in opened.content.decode()
    accepted = browser.post(f"/invite/{code}/", {"share": "full"})
    assert accepted.status_code in (404, 410)
    typed = browser.post("/me/sharing/", {"code": code})
    assert typed.status_code == 400
    assert invites.CLOSED_MESSAGES[state] in typed.content.decode()
    assert CareLink.objects.count() == links_before
    assert not CareLink.objects.filter(client__user=client_a).exists()


def test_a_therapist_cannot_accept_their_own_invitation(therapist: User) -> None:
    row = make_invitation(therapist)
    browser = signed_in(therapist)
    assert "your own invitation" in browser.get(f"/invite/{row.code}/").content.decode()
    browser.post(f"/invite/{row.code}/", {"share": "full"})
    assert not CareLink.objects.exists()
    with pytest.raises(invites.InputError):
        invites.accept(row.code, therapist, "full")


def test_a_bad_share_choice_is_refused(therapist: User, client_a: User) -> None:
    row = make_invitation(therapist)
    response = signed_in(client_a).post(f"/invite/{row.code}/", {"share": "everything"})
    assert response.status_code == 400
    assert not CareLink.objects.exists()


def test_the_client_changes_the_share_and_the_therapist_loses_full_access(
    therapist: User, client_a: User, link: CareLink
) -> None:
    from backease.clinic.access import link_for

    assert link_for(therapist, link.client_id, "full") == link
    response = signed_in(client_a).post(f"/me/sharing/{link.pk}/share/", {"share": "adherence"})
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.share == "adherence"
    with pytest.raises(Exception, match="no such client"):
        link_for(therapist, link.client_id, "full")
    assert Notice.objects.filter(recipient=therapist, kind="link_changed").exists()


def test_the_client_revokes_and_the_therapist_loses_access_at_once_but_data_stays(
    therapist: User, client_a: User, link: CareLink, person_a: Person
) -> None:
    programme = Programme.objects.create(therapist=therapist, client=person_a, title="Home", steps=[])
    browser = signed_in(client_a)
    confirm = browser.get(f"/me/sharing/{link.pk}/end/")
    assert "Stop sharing with Sam Rivera?" in confirm.content.decode()
    assert browser.post(f"/me/sharing/{link.pk}/end/").status_code == 302
    link.refresh_from_db()
    assert link.ended_at is not None and link.ended_by == "client"
    assert signed_in(therapist).get(f"/clinic/clients/{person_a.pk}/programme/").status_code == 404
    assert signed_in(therapist).post(f"/clinic/clients/{person_a.pk}/end/").status_code == 404
    assert Programme.objects.filter(pk=programme.pk).exists()
    assert Notice.objects.filter(recipient=therapist, kind="link_ended").exists()
    assert "no-links" in browser.get("/me/sharing/").content.decode()


def test_a_client_cannot_touch_another_clients_links(client_b: User, link: CareLink) -> None:
    browser = signed_in(client_b)
    assert browser.post(f"/me/sharing/{link.pk}/share/", {"share": "adherence"}).status_code == 404
    assert browser.post(f"/me/sharing/{link.pk}/end/").status_code == 404
    link.refresh_from_db()
    assert link.active and link.share == "full"


def test_a_client_may_share_with_several_therapists(therapist: User, outsider: User, client_a: User) -> None:
    invites.accept(make_invitation(therapist).code, client_a, "full")
    invites.accept(make_invitation(outsider).code, client_a, "adherence")
    page = signed_in(client_a).get("/me/sharing/").content.decode()
    assert page.count('data-testid="link"') == 2


def test_a_therapist_ends_a_link_and_it_is_logged(therapist: User, outsider: User, link: CareLink) -> None:
    assert signed_in(outsider).post(f"/clinic/clients/{link.client_id}/end/").status_code == 404
    assert signed_in(therapist).post(f"/clinic/clients/{link.client_id}/end/").status_code == 302
    link.refresh_from_db()
    assert link.ended_by == "therapist" and not link.active
    assert AccessLog.objects.filter(subject=link.client, action="change").exists()


def test_a_deleted_therapist_loses_every_link_and_the_programme_stays(
    therapist: User, link: CareLink, person_a: Person
) -> None:
    programme = Programme.objects.create(therapist=therapist, client=person_a, title="Home", steps=[])
    therapist.delete()
    assert not CareLink.objects.exists()
    programme.refresh_from_db()
    assert programme.therapist is None


def test_an_invitation_from_a_deactivated_therapist_cannot_be_used(therapist: User, client_a: User) -> None:
    row = make_invitation(therapist)
    therapist.is_active = False
    therapist.save()
    assert signed_in(client_a).post(f"/invite/{row.code}/", {"share": "full"}).status_code == 410
    assert not CareLink.objects.exists()


def test_accepting_twice_from_the_same_therapist_keeps_one_active_link(
    therapist: User, client_a: User
) -> None:
    invites.accept(make_invitation(therapist).code, client_a, "full")
    invites.accept(make_invitation(therapist).code, client_a, "adherence")
    assert CareLink.objects.filter(ended_at__isnull=True).count() == 1
    assert CareLink.objects.get().share == "adherence"


def test_after_sign_up_the_sharing_page_offers_the_pending_invitation(therapist: User) -> None:
    row = make_invitation(therapist)
    newcomer = make_user("new@example.org")
    browser = signed_in(newcomer)
    session = browser.session
    session[INVITATION_SESSION_KEY] = row.code
    session.save()
    page = browser.get("/me/sharing/").content.decode()
    assert 'data-testid="pending"' in page and f"/invite/{row.code}/" in page


def test_signing_in_with_an_invitation_open_comes_back_to_it(therapist: User, client_a: User) -> None:
    from tests.clinic.conftest import PASSWORD

    row = make_invitation(therapist)
    browser = Client()
    browser.get(f"/invite/{row.code}/")
    response = browser.post("/accounts/login/", {"login": client_a.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == f"/invite/{row.code}/"


def test_signing_up_with_an_invitation_then_accepting_it(therapist: User) -> None:
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC

    row = make_invitation(therapist)
    browser = Client()
    browser.get(f"/invite/{row.code}/")
    password = "another long password 77"
    response = browser.post(
        f"/accounts/signup/?next=/invite/{row.code}/",
        {"email": "newcomer@example.org", "password1": password, "password2": password},
    )
    assert response.status_code == 302, response.content[:500]
    address = EmailAddress.objects.get(email="newcomer@example.org")
    confirmed = browser.post(f"/accounts/confirm-email/{EmailConfirmationHMAC(address).key}/")
    assert confirmed.status_code == 302
    # The confirmation asks them to sign in; signing in brings them back to the invitation.
    signed = browser.post("/accounts/login/", {"login": "newcomer@example.org", "password": password})
    assert signed["Location"] == f"/invite/{row.code}/"
    assert browser.post(f"/invite/{row.code}/", {"share": "full"}).status_code == 302
    assert CareLink.objects.get().client.user.email == "newcomer@example.org"
