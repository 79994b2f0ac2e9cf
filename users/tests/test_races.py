"""Parallel requests on one account, each a real thread and a real HTTP request to a live server."""
import threading

import pytest
import requests
from django.test import override_settings
from rest_framework_simplejwt.tokens import RefreshToken

from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PARALLEL = 8


def post_at_once(*posts):
    """Send each (url, body, headers) POST from its own thread, all released together; return the status codes."""
    barrier = threading.Barrier(len(posts))
    statuses = [None] * len(posts)

    def send(index):
        url, body, headers = posts[index]
        barrier.wait()
        statuses[index] = requests.post(url, json=body, headers=headers, timeout=60).status_code

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(posts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    return statuses


# The throttle would refuse some with 429: these count what the token's own checks answer.
@override_settings(THROTTLE_AUTH=None)
@pytest.mark.parametrize("attempt", range(3))
def test_parallel_refreshes_of_one_token_exactly_one_succeeds(live_server, attempt):
    refresh = str(RefreshToken.for_user(UserFactory()))
    post = (f"{live_server.url}/api/auth/token/refresh/", {"refresh": refresh}, None)

    statuses = post_at_once(*[post] * PARALLEL)

    assert sorted(statuses) == [200] + [401] * (PARALLEL - 1)


@override_settings(THROTTLE_AUTH=None)
@pytest.mark.parametrize("attempt", range(3))
def test_a_refresh_and_a_logout_of_one_token_at_once_never_both_succeed(live_server, attempt):
    user = UserFactory()
    access = str(RefreshToken.for_user(user).access_token)
    refresh = str(RefreshToken.for_user(user))

    statuses = post_at_once(
        (f"{live_server.url}/api/auth/token/refresh/", {"refresh": refresh}, None),
        (f"{live_server.url}/api/auth/logout/", {"refresh": refresh}, {"Authorization": f"Bearer {access}"}),
    )

    assert statuses in ([200, 401], [401, 205])
