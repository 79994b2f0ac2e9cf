"""The admin's login attempts (django-axes): clearing the expired ones is a delete, offered to those who may delete."""
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from conftest import staff_with_permissions
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/axes/accessattempt/"


def clean_up(client, user):
    """Log `user` in, then, with an attempt older than the cool-off and a fresh one (a login itself clears
    expired attempts), list them and post the clean-up action on both: the actions offered and the answer."""
    client.force_login(user)
    expired, fresh = (AccessAttempt.objects.create(username=name, ip_address="192.0.2.1", user_agent="test",
                                                   failures_since_start=1) for name in ("old", "new"))
    AccessAttempt.objects.filter(pk=expired.pk).update(attempt_time=timezone.now() - timedelta(days=1))
    listing = client.get(CHANGELIST)
    assert listing.status_code == 200
    form = listing.context["action_form"]
    offered = set() if form is None else {name for name, _ in form.fields["action"].choices if name}
    answer = client.post(CHANGELIST, {"action": "cleanup_expired_attempts", "_selected_action": [expired.pk, fresh.pk]},
                         follow=True)
    return offered, answer


def test_viewing_attempts_does_not_clean_them_up(client):
    offered, answer = clean_up(client, staff_with_permissions("axes.view_accessattempt"))

    assert "cleanup_expired_attempts" not in offered
    assert answer.status_code == 200
    assert AccessAttempt.objects.count() == 2


@pytest.mark.parametrize("who", ["delete_accessattempt", "superuser"])
def test_delete_accessattempt_cleans_up_the_expired_ones(client, who):
    user = (UserFactory(is_staff=True, is_superuser=True) if who == "superuser"
            else staff_with_permissions("axes.view_accessattempt", "axes.delete_accessattempt"))
    offered, answer = clean_up(client, user)

    assert "cleanup_expired_attempts" in offered
    assert answer.status_code == 200
    assert b"Cleaned up 1 expired access attempts" in answer.content
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["new"]
