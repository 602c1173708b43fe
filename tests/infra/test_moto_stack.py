"""The template's non-Lambda resources create in moto's CloudFormation, and the tables it
defines are the ones the local bootstrap creates (both from chalicelib.resources)."""
from __future__ import annotations

import json
import re
import warnings

import boto3
import pytest
from moto import mock_aws

from chalicelib import aws, resources, settings
from infra import template as tpl
from infra.local.bootstrap import ensure_resources

PSEUDO = {"AWS::AccountId", "AWS::Region", "AWS::Partition", "AWS::NoValue", "AWS::URLSuffix",
          "AWS::StackName", "AWS::StackId"}
# What moto's CloudFormation cannot create, and so is left out (Lambda and API Gateway via
# SAM, CloudFront, S3 bucket policies, Lambda's async config). Anything else the template
# gains is created: a new type that moto cannot create fails this test until listed here.
NOT_IN_MOTO = {"AWS::Serverless::Function", "AWS::Serverless::Api", "AWS::Lambda::Function",
               "AWS::Lambda::Permission", "AWS::Lambda::EventInvokeConfig", "AWS::Lambda::EventSourceMapping",
               "AWS::S3::BucketPolicy",
               "AWS::CloudFront::Distribution", "AWS::CloudFront::OriginAccessControl",
               "AWS::CloudFront::ResponseHeadersPolicy"}
# Properties that name a left-out resource: the only ones dropped (moto ignores them anyway).
EXPECTED_DROPS = {("DataBucket", "NotificationConfiguration"), ("DataBucket", "CorsConfiguration"),
                  ("SweepSchedule", "Targets")}  # they name the functions
WORKER_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/pagevoice-worker:test"
PARAMETERS = {"WorkerImageUri": WORKER_IMAGE, "MailIdentity": "pagevoice.example.org",
              "MailFrom": "PageVoice <no-reply@pagevoice.example.org>"}


def _names(node) -> set[str]:
    """Logical ids and parameters a template fragment refers to."""
    out: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref":
                out.add(value)
            elif key == "Fn::GetAtt":
                out.add(value[0] if isinstance(value, list) else value.split(".")[0])
            elif key == "Fn::Sub":
                text, variables = (value, {}) if isinstance(value, str) else value
                out |= {m.split(".")[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", text)} - set(variables)
                out |= _names(variables)
            else:
                out |= _names(value)
    elif isinstance(node, list):
        for value in node:
            out |= _names(value)
    return out


def moto_template(template: dict) -> tuple[dict, set, set]:
    """The template without what moto cannot create; returns it, the left-out types and dropped properties."""
    # Imported here: moto's CloudFormation imports nearly every moto backend (~1.6 CPU s), which
    # every pytest process of `make test` paid at collection.
    from moto.cloudformation.parsing import get_model_map

    supported = set(get_model_map())
    kept = {k: json.loads(json.dumps(v)) for k, v in template["Resources"].items()
            if v["Type"] not in NOT_IN_MOTO}
    left_out = {v["Type"] for k, v in template["Resources"].items() if k not in kept}
    unsupported = {v["Type"] for v in kept.values()} - supported
    assert not unsupported, f"moto cannot create {unsupported}: add them to NOT_IN_MOTO if that is right"
    known = set(kept) | set(template["Parameters"]) | PSEUDO
    dropped = set()
    for name, res in kept.items():
        props = res.get("Properties", {})
        for prop in list(props):
            if _names(props[prop]) - known:
                dropped.add((name, prop))
                del props[prop]
        if "DependsOn" in res:
            res["DependsOn"] = [d for d in res["DependsOn"] if d in kept]
    body = {"AWSTemplateFormatVersion": "2010-09-09", "Parameters": template["Parameters"],
            "Conditions": template["Conditions"], "Resources": kept}
    return body, left_out, dropped


@pytest.fixture
def moto_stack(template, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    body, left_out, dropped = moto_template(template)
    with mock_aws(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cf = boto3.client("cloudformation", region_name="us-east-1")
        cf.create_stack(StackName="pagevoice-test", TemplateBody=json.dumps(body),
                        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in PARAMETERS.items()],
                        Capabilities=["CAPABILITY_IAM"])
        stack = cf.describe_stacks(StackName="pagevoice-test")["Stacks"][0]
        summaries = cf.list_stack_resources(StackName="pagevoice-test")["StackResourceSummaries"]
        yield {"stack": stack, "resources": {r["LogicalResourceId"]: r for r in summaries},
               "left_out": left_out, "dropped": dropped, "body": body}


def test_non_lambda_resources_create_in_moto(moto_stack, template):
    assert moto_stack["stack"]["StackStatus"] == "CREATE_COMPLETE", moto_stack["stack"].get("StackStatusReason")
    assert moto_stack["dropped"] == EXPECTED_DROPS
    created = moto_stack["resources"]
    for name in ("AuthTable", "JobsTable", "DataBucket", "SiteBucket", "WorkerDeadLetterQueue",
                 "ApiRole", "WorkerRole", "WorkerLogGroup", "SweepRole", "SweepLogGroup", "SweepSchedule",
                 "TasksQueue", "TasksDeadLetterQueue", "TasksRole", "TasksLogGroup"):
        assert created[name]["ResourceStatus"] == "CREATE_COMPLETE", name
    assert set(created) == set(moto_stack["body"]["Resources"])
    assert {"AWS::Lambda::Function", "AWS::Serverless::Function"} <= moto_stack["left_out"]

    ddb = boto3.client("dynamodb", region_name="us-east-1")
    for logical in resources.TABLES:
        name = created[logical]["PhysicalResourceId"]
        assert name == f"pagevoice-dev-{tpl.table_name_suffix(logical)}"
        described = ddb.describe_table(TableName=name)["Table"]
        expected = resources.table_kwargs(logical, name)
        assert described["KeySchema"] == expected["KeySchema"]
        assert sorted(described["AttributeDefinitions"], key=str) == sorted(expected["AttributeDefinitions"], key=str)
        assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"

    s3 = boto3.client("s3", region_name="us-east-1")
    bucket = created["DataBucket"]["PhysicalResourceId"]
    assert bucket == "pagevoice-dev-data-123456789012-us-east-1"
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    # What moto's CloudFormation ignores (CORS, lifecycle, public access block): the same
    # settings through the S3 API are accepted, in the API's own shape from resources.py.
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": resources.bucket_cors_rules("https://x.example")})
    s3.put_bucket_lifecycle_configuration(Bucket=bucket,
                                          LifecycleConfiguration={"Rules": resources.bucket_lifecycle_rules()})
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert {r["ID"] for r in got} == {r["ID"] for r in resources.bucket_lifecycle_rules()}

    iam = boto3.client("iam", region_name="us-east-1")
    for role in ("ApiRole", "WorkerRole", "SweepRole", "TasksRole"):
        name = created[role]["PhysicalResourceId"]
        policies = iam.list_role_policies(RoleName=name)["PolicyNames"]
        assert policies == ["least-privilege"], (role, policies)


def test_the_tasks_queue_is_the_local_bootstraps(moto_stack):
    """Deployed as locally (bootstrap.ensure_queues): one definition, chalicelib.resources.QUEUES."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    created = moto_stack["resources"]
    for logical, spec in resources.QUEUES.items():
        url = created[logical]["PhysicalResourceId"]
        assert url.endswith(f"/pagevoice-dev-{tpl.queue_name_suffix(logical)}")
        got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        dead_url = created[spec["dead_letter"]]["PhysicalResourceId"]
        assert dead_url == url + "-dead"
        dead = sqs.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["All"])["Attributes"]
        dead_arn = dead["QueueArn"]
        assert dead["MessageRetentionPeriod"] == str(tpl.DEAD_LETTER_RETENTION_SECONDS)  # as bootstrap.ensure_queues
        wanted = resources.queue_attributes(logical, dead_arn)
        assert got["VisibilityTimeout"] == wanted["VisibilityTimeout"]
        assert got["MessageRetentionPeriod"] == wanted["MessageRetentionPeriod"]
        assert json.loads(got["RedrivePolicy"]) == json.loads(wanted["RedrivePolicy"])


def test_local_bootstrap_and_template_define_the_same_tables(template, monkeypatch):
    """The local stack (bootstrap.ensure_resources) and the deployed stack: same tables, keys, TTL."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    in_template = {k: v for k, v in template["Resources"].items() if v["Type"] == "AWS::DynamoDB::Table"}
    assert set(in_template) == set(resources.TABLES)
    with mock_aws():
        aws.reset()
        try:
            ensure_resources()
            ddb = boto3.client("dynamodb", region_name=settings.get().aws.region)
            for logical, spec in resources.TABLES.items():
                local = ddb.describe_table(TableName=getattr(settings.get().aws, spec["setting"]))["Table"]
                props = in_template[logical]["Properties"]
                assert props["KeySchema"] == local["KeySchema"], logical
                assert (sorted(props["AttributeDefinitions"], key=str)
                        == sorted(local["AttributeDefinitions"], key=str)), logical
                assert props["BillingMode"] == local["BillingModeSummary"]["BillingMode"]
                ttl = ddb.describe_time_to_live(TableName=local["TableName"])["TimeToLiveDescription"]
                if spec["ttl"]:
                    assert props["TimeToLiveSpecification"] == {"AttributeName": spec["ttl"], "Enabled": True}
                    assert ttl["TimeToLiveStatus"] == "ENABLED" and ttl["AttributeName"] == spec["ttl"]
                else:
                    assert "TimeToLiveSpecification" not in props
                    assert ttl["TimeToLiveStatus"] == "DISABLED"
            # And the bucket: the same CORS rules, the template's in CloudFormation's spelling.
            s3 = aws.s3()
            cors = s3.get_bucket_cors(Bucket=settings.get().aws.bucket)["CORSRules"]
            assert cors == resources.bucket_cors_rules(settings.get().auth.cors_origin)
        finally:
            aws.reset()
    assert resources.bucket_cors_cfn("o") == [{
        "AllowedOrigins": r["AllowedOrigins"], "AllowedMethods": r["AllowedMethods"],
        "AllowedHeaders": r["AllowedHeaders"], "ExposedHeaders": r["ExposeHeaders"], "MaxAge": r["MaxAgeSeconds"],
    } for r in resources.bucket_cors_rules("o")]


def test_lifecycle_rules_say_the_same_in_both_shapes():
    api, cfn = resources.bucket_lifecycle_rules(), resources.bucket_lifecycle_cfn()
    assert len(api) == len(cfn)
    for a, c in zip(api, cfn):
        assert a["ID"] == c["Id"] and a["Status"] == c["Status"] == "Enabled"
        if a["ID"] == "expire-exports":  # an account's export: a copy of its data, for a day
            assert c["ExpirationInDays"] == a["Expiration"]["Days"] == resources.BUCKET["export_days"]
            assert c["Prefix"] == resources.EXPORT_PREFIX and "TagFilters" not in c
        elif a["ID"] == "expire-transient-outputs":  # only outputs tagged so (a recording's parts), a day
            transient = resources.BUCKET["transient_tag"]
            assert c["ExpirationInDays"] == a["Expiration"]["Days"] == resources.BUCKET["transient_days"] == 1
            assert c["Prefix"] == resources.RESULT_PREFIX
            assert c["TagFilters"] == [{"Key": transient[0], "Value": transient[1]}]
            assert resources.transient_tagging() == f"{transient[0]}={transient[1]}"
        elif "Expiration" in a:
            assert c["ExpirationInDays"] == a["Expiration"]["Days"] == resources.BUCKET["abandoned_upload_days"]
            assert c["Prefix"] == resources.UPLOAD_PREFIX  # never results/
        else:
            assert c["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] >= 1
    tag = resources.BUCKET["abandoned_upload_tag"]
    if tag:
        assert cfn[0]["TagFilters"] == [{"Key": tag[0], "Value": tag[1]}]
        assert f"<Key>{tag[0]}</Key><Value>{tag[1]}</Value>" in resources.pending_upload_tagging()
