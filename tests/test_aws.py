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
