"""chalicelib.aws.translated: what AWS's refusals mean to the persistence doors. The doors'
own tests (tests/jobs/test_objects.py, tests/auth/test_table.py) meet these errors from moto;
here, the shapes moto does not make (an error passed on unchanged, a transaction cancelled for
another reason than a condition)."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from chalicelib import aws
from chalicelib.errors import ConditionFailed, ObjectMissing


def refusal(code: str, **extra) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}, **extra}, "Op")


def raised(exc: Exception) -> Exception:
    with pytest.raises(Exception) as caught, aws.translated():
        raise exc
    return caught.value


@pytest.mark.parametrize("code", ["NoSuchKey", "404", "NotFound"])
def test_not_there_is_object_missing(code):
    assert isinstance(raised(refusal(code)), ObjectMissing)


def test_a_failed_condition_is_condition_failed_naming_a_transactions_actions():
    assert isinstance(raised(refusal("ConditionalCheckFailedException")), ConditionFailed)
    reasons = [{"Code": "None"}, {"Code": "ConditionalCheckFailed"}, {"Code": "None"}]
    exc = raised(refusal("TransactionCanceledException", CancellationReasons=reasons))
    assert isinstance(exc, ConditionFailed) and exc.failed == {1}


@pytest.mark.parametrize("error", [refusal("SlowDown"), refusal("ThrottlingException"),
                                   refusal("TransactionCanceledException",
                                           CancellationReasons=[{"Code": "TransactionConflict"}])])
def test_anything_else_passes_unchanged_for_the_callers_retry(error):
    assert raised(error) is error


def test_clients_built_again_read_the_service_models_once_and_the_credentials_anew(monkeypatch):
    """Clients after reset() (a test's next case, a worker's new credentials) share botocore's
    parsed service models, not its credentials; the loader's paths do not grow per session."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "first")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "first-secret")
    aws.reset()
    s3, table = aws.s3(), aws.jobs_table()
    paths = list(aws._loader().search_paths)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "second")
    aws.reset()
    again = aws.s3()
    assert again is not s3 and aws.jobs_table() is not table
    assert again._loader is s3._loader is aws._loader()  # one parse of the models for all of them
    assert aws._loader().search_paths == paths
    assert s3._request_signer._credentials.access_key == "first"
    assert again._request_signer._credentials.access_key == "second"
    aws.reset()
