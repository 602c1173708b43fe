"""The feed's addresses (chalicelib.feeds.paths): what the routes take apart and GET /me puts together."""
from __future__ import annotations

import secrets

import pytest

from chalicelib.feeds import paths

# A fixed secret: the parametrized ids below must be the same in every pytest-xdist worker.
SECRET = "aqUyMC9WAPTFz7vP8dLsc2TmdMYjxWlKgcnSASIv6GU"
JOB = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


def test_a_secret_is_43_url_safe_characters():
    assert paths.is_secret(SECRET) and len(SECRET) == 43
    assert paths.is_secret(secrets.token_urlsafe(paths.SECRET_BYTES))
    assert not any(paths.is_secret(v) for v in (SECRET[:-1], SECRET + "A", SECRET[:-1] + "/", None, 7))


def test_feed_addresses_round_trip():
    url = paths.feed_url("http://api.test/", SECRET)
    assert url == f"http://api.test/feeds/{SECRET}.xml"
    assert paths.secret_of_feed(url.rsplit("/", 1)[1]) == SECRET
    assert paths.feed_url("http://api.test", None) is None
    assert paths.file_url("https://api.test/prod", SECRET, JOB, paths.RECORDING) == (
        f"https://api.test/prod/feeds/{SECRET}/{JOB}.mp3")


@pytest.mark.parametrize("name", [SECRET, f"{SECRET}.json", f"{SECRET[:-1]}.xml", ".xml", "", None])
def test_not_a_feed(name):
    assert paths.secret_of_feed(name) is None


def test_episode_files():
    assert [paths.split_file(f"{JOB}{s}") for s in paths.FILES] == [(JOB, s) for s in paths.FILES]
    for name in (JOB, f"{JOB}.exe", f"{JOB.lower()}.mp3", f"{JOB}.mp3.mp3", f"x{JOB}.mp3", None):
        assert paths.split_file(name) is None
