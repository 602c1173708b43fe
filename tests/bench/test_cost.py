"""bench/cost.py: the cost arithmetic, and the worker's AWS requests counted on a real job."""
from __future__ import annotations

import pytest

from bench import cost
from tests import images

GIB = 1024 ** 3


def test_job_cost_by_component():
    prices = {**cost.PRICES, "lambda_gb_s_x86_64": 1e-5, "lambda_gb_s_arm64": 8e-6}
    fig = {"wall_s": 3.0, "invocations": 2, "s3": {"put": 10, "get": 100}, "ddb_wru": 8, "ddb_rru": 4,
           "stored_bytes": GIB, "months": 2, "upload_bytes": GIB, "upload_days": 15,
           "transient_bytes": 3 * GIB, "transient_days": 1, "cold_extra_s": 5.0, "cold_every": 50}
    out = cost.job_cost(fig, prices, memory_mb=2048)
    assert out["compute"] == pytest.approx(3.0 * 2 * 1e-5)  # 3 s at 2 GB
    assert out["cold_start"] == pytest.approx(5.0 / 50 * 2 * 1e-5)
    assert out["lambda_requests"] == pytest.approx(2 * 0.20 / 1e6)
    assert out["s3_requests"] == pytest.approx(10 * 0.005 / 1000 + 100 * 0.0004 / 1000)
    assert out["dynamodb"] == pytest.approx(8 * 0.625 / 1e6 + 4 * 0.125 / 1e6)
    assert out["storage"] == pytest.approx(2 * 0.023 + 0.5 * 0.023 + 0.1 * 0.023)  # 2 months, 15 and 3x1 of 30 days
    assert out["total"] == pytest.approx(sum(v for k, v in out.items() if k != "total"))
    arm = cost.job_cost(fig, prices, memory_mb=2048, arch="arm64")
    assert arm["compute"] == pytest.approx(3.0 * 2 * 8e-6) and arm["storage"] == out["storage"]


def test_api_side_arithmetic():
    prices = cost.PRICES
    one = cost.api_cost(1, prices, api_memory_mb=512, ms_per_request=100)
    assert one == pytest.approx(3.50 / 1e6 + 0.20 / 1e6 + 0.1 * 0.5 * prices["lambda_gb_s_x86_64"])
    more = cost.api_cost(1, prices, 512, 100, ddb_rru=2, ddb_wru=1, s3_put=1, s3_get=3)
    assert more - one == pytest.approx(2 * 0.125 / 1e6 + 0.625 / 1e6 + 0.005 / 1000 + 3 * 0.0004 / 1000)


def test_s3_price_classes():
    assert {op: cost.s3_class(op) for op in ("PutObject", "CopyObject", "ListObjectsV2", "UploadPart",
                                             "CompleteMultipartUpload", "GetObject", "HeadObject",
                                             "GetObjectTagging", "DeleteObject", "DeleteObjects")} == {
        "PutObject": "put", "CopyObject": "put", "ListObjectsV2": "put", "UploadPart": "put",
        "CompleteMultipartUpload": "put", "GetObject": "get", "HeadObject": "get", "GetObjectTagging": "get",
        "DeleteObject": "free", "DeleteObjects": "free"}


def test_item_sizes_and_read_units():
    plain = {"user_id": "u-1", "job_id": "J" * 26, "attempts": 3, "outputs": {"speech.wav": "k" * 40}}
    typed = {"user_id": {"S": "u-1"}, "job_id": {"S": "J" * 26}, "attempts": {"N": "3"},
             "outputs": {"M": {"speech.wav": {"S": "k" * 40}}}}
    assert cost.item_bytes(plain) == cost.item_bytes(typed)
    assert 7 + 3 + 6 + 26 + 8 + 2 + 7 + 3 + 10 + 40 <= cost.item_bytes(plain) < 120
    assert cost.read_units([]) == 1  # a GetItem that finds nothing still costs a unit
    assert cost.read_units([{"blob": "x" * 5000}]) == 2  # 4 KB per unit


def test_a_digits_job_counts_the_worker_requests_only():
    """The worker's own calls, by service and operation: the result's PutObject, the job record's
    UpdateItems; not the PutItem that created the job nor the test's upload (made before)."""
    png = images.encode(images.text_image(["7"], size=90, width=160).image, "PNG")
    with cost.Moto() as moto:
        fig = moto.run(cost.Item("seven.png", png, "image/png"), "digits", timeout_s=60)
    ops = fig["ops"]
    assert fig["outcome"] == "done" and fig["invocations"] == 1
    assert ops.get("s3:PutObject", 0) >= 1 and ops.get("dynamodb:UpdateItem", 0) >= 1
    assert ops.get("s3:GetObject", 0) >= 1  # the upload read
    assert "dynamodb:PutItem" not in ops  # jobs.create, before the worker ran
    assert fig["s3"]["put"] == sum(n for op, n in ops.items() if op.startswith("s3:") and cost.s3_class(op[3:]) == "put")
    assert fig["ddb_wru"] >= ops["dynamodb:UpdateItem"] and fig["ddb_rru"] >= ops.get("dynamodb:GetItem", 0)
    assert fig["stored_bytes"] > 0 and fig["upload_bytes"] == len(png)
    assert fig["wall_s"] > 0 and fig["cpu_s"] > 0 and fig["peak_mb"] > 0
    assert "fetch" in fig["stages_ms"] and sum(fig["stages_ms"].values()) <= fig["wall_s"] * 1000  # the result's stages


def test_fit_is_least_squares():
    assert cost.fit([(1, 3.0), (2, 5.0), (4, 9.0)]) == pytest.approx((1.0, 2.0))
    assert cost.fit([(8, 2.0), (8, 4.0)]) == (3.0, 0.0)  # one size only: its mean
    assert cost.fit([]) == (0.0, 0.0)


def test_a_books_shards_are_scheduled_in_queue_order():
    """The reading shards first (all sent at planning), each one's sections queued when it ends."""
    one = cost.schedule(1.0, [2.0, 2.0], [[3.0], [3.0]], workers=1)
    assert one == {"read": 5.0, "first_audio": 8.0, "done": 11.0}
    two = cost.schedule(1.0, [2.0, 2.0], [[3.0], [3.0]], workers=2)
    assert two == {"read": 3.0, "first_audio": 6.0, "done": 6.0}
    many = cost.schedule(0.0, [1.0] * 4, [[2.0, 2.0]] * 4, workers=100)  # as wide as the work: one shard's time
    assert many == {"read": 1.0, "first_audio": 3.0, "done": 3.0}


def test_a_books_cost_from_its_shards():
    assert cost.reading_shards(20, 8) == [1, 8, 8, 3]
    zero = {"s3_put": (0.0, 0.0), "s3_get": (0.0, 0.0), "sqs": (0.0, 0.0), "ddb_wru": (0.0, 0.0), "ddb_rru": (0.0, 0.0)}
    model = {"shard_pages": 8, "plan_s": 2.0, "plan_cpu_s": 1.0,
             "plan_requests": {"s3_put": 1, "s3_get": 1, "sqs": 2, "ddb_wru": 3, "ddb_rru": 1},
             "text": {"wall": (1.0, 0.5), "cpu": (0.5, 0.25), "requests": {**zero, "s3_put": (3.0, 1.0)}},
             "ocr": {"wall": (1.0, 4.0), "cpu": (1.0, 4.0), "requests": zero},
             "record": {"wall": (0.0, 0.1), "cpu": (0.0, 0.05), "requests": {**zero, "s3_get": (2.0, 0.0)}},
             "chars_per_page": 1000.0, "section_chars_mean": 1000.0, "speech_s_per_char": 0.05,
             "stored_per_page": {"text": 1024.0, "ocr": 2048.0}, "stored_per_speech_s": 100.0}
    out = cost.book_cost(model, 20, False, cost.PRICES, memory_mb=2048, workers=(1, 100))
    assert out["reading_shards"] == 4 and out["sections"] == 20 and out["invocations"] == 25  # 1 + 4 + 20
    assert out["gb_s"]["plan"] == pytest.approx(4.0)  # 2 s at 2 GB
    assert out["gb_s"]["read"] == pytest.approx(2 * (4 * 1.0 + 0.5 * 20))
    assert out["gb_s"]["record"] == pytest.approx(2 * 20 * 0.1 * 50)  # 50 s of speech a section, 0.1 s each
    assert out["requests"]["s3_put"] == pytest.approx(1 + 4 * 3 + 20)
    assert out["requests"]["s3_get"] == pytest.approx(1 + 20 * 2)
    assert out["requests"]["sqs"] == pytest.approx(2 + 24 * cost.SQS_EVENT_SOURCE_PER_MESSAGE)
    d = out["dollars"]
    assert d["lambda_compute"] == pytest.approx(sum(out["gb_s"].values()) * cost.PRICES["lambda_gb_s_x86_64"])
    assert d["storage_month"] == pytest.approx((20 * 1024 + 100 * 1000) / GIB * cost.PRICES["s3_gb_month"])
    assert d["total"] == pytest.approx(sum(v for k, v in d.items() if k != "total"))
    assert out["wall"][1]["done"] == pytest.approx(2 + 14 + 100)  # one worker does it all, one after another
    assert out["wall"][100]["done"] == pytest.approx(2 + 5 + 5)  # the longest reading shard, then one section
    cheaper = cost.book_cost(model, 20, False, cost.PRICES, memory_mb=2048, basis="cpu")
    assert cheaper["gb_s"]["plan"] == pytest.approx(2.0) and cheaper["lambda_s"] < out["lambda_s"]
