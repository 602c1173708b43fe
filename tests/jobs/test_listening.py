"""A listener's place (jobs.listening) and the recording's length the worker keeps on the record."""
from __future__ import annotations

import math

import pytest

from chalicelib import aws, settings
from chalicelib.errors import InputError
from chalicelib.jobs import keys, listening, worker
from chalicelib.jobs import table as jobs
from chalicelib.kinds import get as kind
from tests import images

pytest_plugins = ["tests.apifixtures"]
USER = "u-listening"


@pytest.mark.parametrize("t,expected", [(0, 0.0), (12, 12.0), (31.2504, 31.25), (61.0, 61.0)])
def test_good_places(t, expected):
    assert listening.checked({"t": t}, 60.0) == expected


def test_without_a_known_length_any_place_a_recording_could_reach_is_kept():
    assert listening.checked({"t": 5 * 3600.0}, None) == 5 * 3600.0
    with pytest.raises(InputError, match="past the end of any recording"):
        listening.checked({"t": 1e9}, None)  # no recording is that long (and 1e300 is past what DynamoDB holds)


@pytest.mark.parametrize("t,part", [(None, "required"), ("1", "number"), (True, "number"), (False, "number"),
                                    ({"t": 1}, "number"), (math.nan, "finite"), (math.inf, "finite"),
                                    (10 ** 400, "finite"), (-0.001, "negative"), (61.01, "past the end")])
def test_bad_places(t, part):
    with pytest.raises(InputError, match=part) as err:
        listening.checked({"t": t}, 60.0)
    assert err.value.details == {"field": "t"}


def test_the_kind_says_how_long_its_recording_is():
    page = kind("page")
    assert page.seconds({"speech": {"seconds": 12.5}}) == 12.5
    assert page.seconds({"text": ""}) is None and page.seconds({"speech": {"seconds": 0}}) is None
    assert page.seconds({"speech": {"seconds": True}}) is None
    assert kind("speech").seconds({"speech": {"seconds": 3}}) is None  # no recording of its own


def test_saving_a_place_needs_the_callers_job(api_env):
    job = jobs.create(USER, filename="a.png", content_type="image/png", size=1)
    assert listening.save(USER, job["job_id"], {"t": 2})
    assert not listening.save("someone-else", job["job_id"], {"t": 2})
    assert not jobs.save_position(USER, keys.new_job_id(), 2.0)  # no record is made for a missing job
    assert jobs.get(USER, keys.new_job_id()) is None
    assert listening.public(jobs.get(USER, job["job_id"]))["position"]["t"] == 2


def test_the_worker_keeps_the_recordings_length_on_the_record(api_env):
    data = images.encode(images.text_image(["HELLO THERE"]).image, "PNG")
    job = jobs.create(USER, filename="a.png", content_type="image/png", size=len(data))
    key = keys.upload_key(USER, job["job_id"])
    aws.s3().put_object(Bucket=settings.get().aws.bucket, Key=key, Body=data)
    assert worker.handle_upload(settings.get().aws.bucket, key) == "done"
    record = jobs.get(USER, job["job_id"])
    assert 0.5 < record["seconds"] < 10
    [listed], _ = jobs.list_page(USER)
    assert listed["seconds"] == record["seconds"]
    with pytest.raises(InputError, match="past the end"):
        listening.save(USER, job["job_id"], {"t": record["seconds"] + 1.5})
