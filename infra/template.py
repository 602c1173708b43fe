"""The CloudFormation that `chalice package --merge-template` merges into Chalice's SAM template.

Chalice writes the API (API Gateway + its Lambda functions, zip package). Everything
else is here: the worker, the sweep and the tasks function (account mail, exports) as
container-image Lambdas, the tasks queue, the data bucket and its upload trigger, the
tables (rendered from chalicelib.resources, the same definitions the local bootstrap
uses), the site behind CloudFront, least-privilege roles, log groups and the
worker's on-failure queue. The merge is a deep dict merge where this file wins, so it
also overrides what Chalice generated for its functions (role, name, environment).

Pure functions only: `infra/package.py` writes the result, the tests read it.
"""
from __future__ import annotations

import json
import re

from chalicelib import resources, settings
from infra import site_config

# `chalice package` bakes the CORS origin into API Gateway's OPTIONS mocks when it
# runs (chalicelib.web.edge reads PAGEVOICE_CORS_ORIGIN then). The packager exports this
# placeholder and `substitute_origin` swaps every occurrence for the real origin
# (the CloudFront domain, known only at deploy time, or the SiteOrigin parameter).
ORIGIN_PLACEHOLDER = "https://cors-origin.pagevoice.invalid"

WORKER_HANDLER = "chalicelib.jobs.worker.lambda_handler"
SWEEP_HANDLER = "chalicelib.jobs.sweep.lambda_handler"
TASKS_HANDLER = "chalicelib.account.tasks.lambda_handler"  # chalicelib.account.tasks.TASKS_HANDLER

# Managed CloudFront policies (fixed ids, the same in every account).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"

# What each function may do with DynamoDB, per table: the calls chalicelib makes
# (tests/infra/test_iam.py checks the code against these lists).
API_TABLE_ACTIONS = [
    "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
    "dynamodb:Query", "dynamodb:BatchGetItem",
]
WORKER_TABLE_ACTIONS = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
# The sweep reads unfinished jobs and tombstones through the jobs table's sweep index (never a
# scan), forgets a tombstone once the deleted job's objects are gone, and deletes the jobs past
# their account's retention as DELETE /jobs/{id} does (a tombstone first).
SWEEP_TABLE_ACTIONS = ["dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                       "dynamodb:DeleteItem"]
# The tasks function (chalicelib.account.tasks): one-time links and export records in the auth
# table; a deleted account's jobs removed as DELETE /jobs/{id} removes them; a book's state on
# its job's record (chalicelib.books.export).
TASKS_AUTH_TABLE_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                            "dynamodb:BatchWriteItem"]
TASKS_JOBS_TABLE_ACTIONS = ["dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                            "dynamodb:DeleteItem"]
# A job's books (chalicelib.books.export.FILE_PREFIX): the only files beside a job's results the
# tasks function writes (n.objects adds the last "*": results/*/book-*).
BOOK_FILES = "*/book-"
TASKS_QUEUE = "TasksQueue"
SHARDS_QUEUE = "ShardsQueue"
FIRST_QUEUE = "FirstQueue"  # the shards a listener waits for (chalicelib.jobs.book_demand.listen_at)
RECORD_QUEUE = "RecordQueue"  # recording nobody waits for yet (the lowest share)
SHARDS_TABLE = "ShardsTable"
BOOKS_DEFAULTS = settings.load(settings.Books, environ={})


def worker_queue_concurrency(logical: str) -> int:
    """Workers one of the worker's queues may hold at once: its settings.books default (the event
    source's maximum concurrency; SQS event sources take 2 to 1,000)."""
    return max(2, int(getattr(BOOKS_DEFAULTS, resources.QUEUES[logical]["worker"]["concurrency"])))


# A book's shards (chalicelib.jobs.shards): claimed and ended by conditional writes, listed for
# its index; the end of a shard moves its job's counters in the same transaction.
WORKER_SHARDS_TABLE_ACTIONS = ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query"]
# Longest task: an export of a large account (Lambda's maximum). The queue's visibility
# timeout (chalicelib.resources.QUEUES) must be longer, as SQS event sources require.
TASKS_TIMEOUT = 900
# /tmp holds an export's zip while it is built: up to settings.account.export_max_bytes (4 GiB),
# plus the job that crossed that cap (its recordings), before it streams to S3. Ephemeral
# storage is billed per GB-second above 512 MB: cents a month even at this size.
TASKS_STORAGE_MB = 6144
# Tasks at once. Capped at the event source (not with reserved concurrency, under which SQS's
# pollers get throttled and a throttled message counts as a receive towards the dead-letter queue).
TASKS_MAX_CONCURRENCY = 5
SWEEP_EVERY_MINUTES = 5
# The worker's /tmp: a recording of up to 2 h (settings.limits.max_speech_seconds) is joined
# there, and a book's shards read its file from there (settings.books.max_book_bytes, streamed
# from S3 once per warm worker: chalicelib.jobs.book._local_copy).
WORKER_STORAGE_MB = 1024 + -(-BOOKS_DEFAULTS.max_book_bytes // 2**20)
WORKER_FUNCTION_ARN = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${ResourcePrefix}-worker"

LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                      2557, 2922, 3288, 3653]


def sub(text: str, variables: dict | None = None) -> dict:
    return {"Fn::Sub": [text, variables] if variables else text}


def ref(name: str) -> dict:
    return {"Ref": name}


def getatt(name: str, attr: str) -> dict:
    return {"Fn::GetAtt": [name, attr]}


# The data bucket's name is built, not generated: the bucket's notification needs the
# worker's permission to exist first, and that permission (and both roles) name the
# bucket, so a Ref to the bucket would be a dependency cycle.
DATA_BUCKET_NAME = "${ResourcePrefix}-data-${AWS::AccountId}-${AWS::Region}"
DATA_BUCKET_ARN = "arn:${AWS::Partition}:s3:::" + DATA_BUCKET_NAME

SITE_ORIGIN = {"Fn::If": ["HasSiteOrigin", ref("SiteOrigin"),
                          sub("https://${SiteDistribution.DomainName}")]}
MAIL_IDENTITY_ARN = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${MailIdentity}"


def table_logical_ids() -> list[str]:
    return list(resources.TABLES)


def table_name_suffix(logical: str) -> str:
    """AuthTable -> auth: physical names are `${ResourcePrefix}-auth`, like the dev stage's."""
    return re.sub(r"Table$", "", logical).lower()


def queue_name_suffix(logical: str) -> str:
    """TasksQueue -> tasks: `${ResourcePrefix}-tasks`, its dead-letter queue `...-tasks-dead`
    (as the local bootstrap names them)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", re.sub(r"Queue$", "", logical)).lower()


def function_name_suffix(logical: str) -> str:
    """Chalice's logical ids -> short names: APIHandler -> api, TokenAuth -> token-auth."""
    if logical == "APIHandler":
        return "api"
    return re.sub(r"(?<!^)(?=[A-Z])", "-", logical).lower()


def _parameters() -> dict:
    return {
        "ResourcePrefix": {
            "Type": "String", "Default": "pagevoice-dev",
            "AllowedPattern": "^[a-z][a-z0-9-]{2,23}$",
            "Description": "Lower-case prefix of every physical name (tables, functions, data bucket).",
        },
        "WorkerImageUri": {
            "Type": "String", "MinLength": 1,
            "Description": "ECR image of the OCR worker (infra/Dockerfile), as repo:tag or repo@sha256:digest.",
        },
        "JwtSecretParameterName": {
            "Type": "String", "Default": "/pagevoice/dev/jwt-secret",
            "AllowedPattern": "^/[A-Za-z0-9_.\\-/]+$",
            "Description": "SSM SecureString holding the JWT signing secret (create it first; see infra/README.md).",
        },
        "JwtSecretKmsKeyArn": {
            "Type": "String", "Default": "",
            "Description": "Customer-managed KMS key of that SecureString; empty for the default aws/ssm key.",
        },
        "SiteOrigin": {
            "Type": "String", "Default": "",
            "AllowedPattern": "^(https://[a-z0-9.-]+(:[0-9]+)?)?$",
            "Description": "Origin the site is served from, e.g. https://pagevoice.example.org; "
                           "empty for the CloudFront distribution's own domain.",
        },
        "WorkerMemorySize": {
            "Type": "Number", "Default": 2048, "MinValue": 1024, "MaxValue": 10240,
            "Description": "Worker memory (MB); also sets its CPU share. 2048 for rapidocr+piper, "
                           "4096 for keras-ocr.",
        },
        "WorkerArchitecture": {
            "Type": "String", "Default": "x86_64", "AllowedValues": ["x86_64", "arm64"],
            "Description": "The worker image's CPU architecture (build it with docker build --platform "
                           "linux/amd64 or linux/arm64 to match). arm64's GB-second price is 20% lower and "
                           "every pinned worker wheel has an aarch64 build; the keras-ocr image is x86_64 only.",
        },
        "WorkerTimeout": {
            "Type": "Number", "Default": 120, "MinValue": 30, "MaxValue": 900,
            "Description": "Worker timeout (s); also the job lease, so a retry can take over a timed-out job.",
        },
        "WorkerThreads": {
            "Type": "Number", "Default": 1, "MinValue": 1, "MaxValue": 6,
            "Description": "onnxruntime intra-op threads for OCR and TTS (1 up to ~1.8 GB, i.e. one vCPU).",
        },
        "WorkerReservedConcurrency": {
            "Type": "Number", "Default": 10, "MinValue": 0,
            "Description": "Cap on concurrent workers (cost, and one account's burst of uploads cannot take "
                           "the region's whole Lambda concurrency); 0 leaves it unreserved.",
        },
        "ApiThrottleRate": {
            "Type": "Number", "Default": 50, "MinValue": 1,
            "Description": "API Gateway's steady limit on requests per second for the whole API (before any Lambda runs).",
        },
        "ApiThrottleBurst": {
            "Type": "Number", "Default": 100, "MinValue": 1,
            "Description": "API Gateway's burst limit (requests at once) for the whole API.",
        },
        "MaxUploadBytes": {
            "Type": "Number", "Default": 15728640, "MinValue": 1,
            "Description": "Largest upload: the API's presigned POST policy and the worker's own check read this one value.",
        },
        "MaxPixels": {
            "Type": "Number", "Default": 40000000, "MinValue": 1,
            "Description": "Largest image (pixels) the worker decodes; the API states it in GET /kinds.",
        },
        "OcrEngine": {
            "Type": "String", "Default": "rapidocr", "AllowedValues": ["rapidocr", "keras-ocr"],
            "Description": "keras-ocr needs the image built with --build-arg OCR_ENGINES=keras-ocr.",
        },
        "TtsEngine": {
            "Type": "String", "Default": "piper", "AllowedValues": ["piper", "gtts"],
            "Description": "gtts sends the text to Google's servers; piper runs inside the worker.",
        },
        **_mail_parameters(),
        "LogRetentionDays": {
            "Type": "Number", "Default": 30, "AllowedValues": LOG_RETENTION_DAYS,
            "Description": "CloudWatch Logs retention of every function.",
        },
    }


def _mail_parameters() -> dict:
    return {
        "MailIdentity": {
            "Type": "String", "MinLength": 1,
            "Description": "The verified SES identity mail is sent as: a domain (example.org) or an address; "
                           "the only identity the tasks function may send from.",
        },
        "MailFrom": {
            "Type": "String", "MinLength": 3,
            "Description": "The From of every mail, an address of MailIdentity, e.g. "
                           "'PageVoice <no-reply@example.org>'.",
        },
    }


def _conditions() -> dict:
    return {
        "HasSiteOrigin": {"Fn::Not": [{"Fn::Equals": [ref("SiteOrigin"), ""]}]},
        "HasJwtKmsKey": {"Fn::Not": [{"Fn::Equals": [ref("JwtSecretKmsKeyArn"), ""]}]},
        "HasWorkerReservedConcurrency": {"Fn::Not": [{"Fn::Equals": [ref("WorkerReservedConcurrency"), "0"]}]},
    }


class CfnNames:
    """How the deploy template names what a role's statements grant on: CloudFormation
    intrinsics. infra/local/iam.py renders the same statements with concrete ARNs."""

    def objects(self, *prefixes: str) -> list:
        return [sub(f"{DATA_BUCKET_ARN}/{p}*") for p in prefixes]

    def bucket(self):
        return sub(DATA_BUCKET_ARN)

    def table(self, logical: str):
        return getatt(logical, "Arn")

    def indexes(self, logical: str) -> list:
        return [self.index(logical, index) for index in resources.TABLES[logical].get("indexes", {})]

    def log_groups(self, logical_ids: list[str]) -> list:
        return [getatt(g, "Arn") for g in logical_ids]

    def index(self, logical: str, index: str):
        return sub(f"${{{logical}.Arn}}/index/{index}")

    def dead_letter_queue(self):
        return getatt("WorkerDeadLetterQueue", "Arn")

    def tasks_queue(self):
        return getatt(TASKS_QUEUE, "Arn")

    def shards_queue(self):
        return [getatt(q, "Arn") for q in resources.worker_queues()]

    def first_queue(self):
        return [getatt(FIRST_QUEUE, "Arn"), getatt(RECORD_QUEUE, "Arn")]

    def mail_identity(self):
        return sub(MAIL_IDENTITY_ARN)

    def worker_function(self):
        # By name: the worker's own role naming its ARN would be a cycle.
        return sub(WORKER_FUNCTION_ARN)

    def jwt_parameter(self):
        return sub("arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${JwtSecretParameterName}")

    def if_kms_key(self, statement: dict):
        """`statement` on the JWT secret's customer-managed KMS key, when one is configured."""
        statement = {**statement, "Resource": ref("JwtSecretKmsKeyArn")}
        return {"Fn::If": ["HasJwtKmsKey", statement, ref("AWS::NoValue")]}


def _list_bucket(n) -> dict:
    # Without s3:ListBucket a missing key answers 403 instead of 404, and the code tells a
    # vanished object (NoSuchKey: fail the job, answer 404) from an outage by that code. The
    # 404/403 choice is made without an s3:prefix in the request, so a prefix condition would
    # take the 404s away again. Listing shows key names only; both roles already read every
    # object under the prefixes they work on.
    return {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": n.bucket()}


def _logs(n, log_groups: list[str]) -> dict:
    # The log groups are resources of the stack (with retention), so no CreateLogGroup.
    return {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": n.log_groups(log_groups)}


AUTH_TABLE = "AuthTable"
JOBS_TABLE = "JobsTable"
WORKER_LOG_GROUPS = ["WorkerLogGroup"]
SWEEP_LOG_GROUPS = ["SweepLogGroup"]
TASKS_LOG_GROUPS = ["TasksLogGroup"]
ACCOUNTS_INDEX = "sweep"  # chalicelib.auth.users.SWEEP_INDEX, one of resources.TABLES[AUTH_TABLE]'s
LEXICON_ITEMS = "LEXICON#*"  # chalicelib.auth.pronunciations.key
USER_ITEMS = "USER#*"  # chalicelib.auth.users' accounts
VOICE_ATTRIBUTES = ["pk", "voices"]  # chalicelib.auth.users.VOICE_ATTRIBUTES: an account's voices alone
USAGE_ITEMS = "USAGE#*"  # chalicelib.auth.usage.key (and its deleted jobs' markers, usage.gone_key)
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600


# --- The roles' statements: one function per role, rendered by the template (CfnNames) and by
# the local stack (infra/local/iam.py), so a call the deployed role refuses is refused locally.

def worker_statements(n) -> list:
    return [
        _logs(n, WORKER_LOG_GROUPS),
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": n.objects(resources.UPLOAD_PREFIX)},
        # Get: a long job's later turns read what the earlier ones stored. Delete: outputs of a
        # job removed while it was processing are cleaned up (results/ only). Tagging: outputs
        # kept only while the job grows are tagged for the lifecycle rule as they are put.
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject"],
         "Resource": n.objects(resources.RESULT_PREFIX)},
        _list_bucket(n),
        {"Effect": "Allow", "Action": WORKER_TABLE_ACTIONS, "Resource": n.table(JOBS_TABLE)},
        # Of the auth table, it may read only accounts' pronunciations (LEXICON#<id> items), never
        # a USER item (its password hash) or a session.
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": n.table(AUTH_TABLE),
         "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [LEXICON_ITEMS]}}},
        # ...and of an account's USER item, its voices alone (a projection of those attributes:
        # AWS's fine-grained access control), to read a job in the voices the account chose.
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": n.table(AUTH_TABLE),
         "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [USER_ITEMS]},
                       "ForAllValues:StringEquals": {"dynamodb:Attributes": VOICE_ATTRIBUTES},
                       "StringEqualsIfExists": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"}}},
        # A finished job's pages are counted against its account's quota, and a file read by link
        # against its storage once its bytes are known (read, then updated: USAGE#<id> items only).
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:UpdateItem"], "Resource": n.table(AUTH_TABLE),
         "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [USAGE_ITEMS]}}},
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": n.dead_letter_queue()},
        # A long job's next turn: the worker invokes itself.
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": n.worker_function()},
        {"Effect": "Allow", "Action": WORKER_SHARDS_TABLE_ACTIONS, "Resource": n.table(SHARDS_TABLE)},
        # A book's shards: sent by the worker that plans them (and by reading shards: their
        # sections), taken by the event source (the last four), a failed one brought back sooner.
        {"Effect": "Allow", "Resource": n.shards_queue(), "Action": [
            "sqs:GetQueueUrl", "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage",
            "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]},
    ]


def sweep_statements(n) -> list:
    return [
        _logs(n, SWEEP_LOG_GROUPS),
        {"Effect": "Allow", "Action": SWEEP_TABLE_ACTIONS, "Resource": [n.table(JOBS_TABLE), *n.indexes(JOBS_TABLE)]},
        # The accounts it looks after (a retention chosen, files of a deleted account to erase)
        # come from their index, with the days projected: it reads no USER item (password hashes).
        {"Effect": "Allow", "Action": "dynamodb:Query", "Resource": n.index(AUTH_TABLE, ACCOUNTS_INDEX)},
        # Of the auth table, it may delete only the ERASE# markers of accounts it has erased.
        {"Effect": "Allow", "Action": "dynamodb:DeleteItem", "Resource": n.table(AUTH_TABLE),
         "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["ERASE#*"]}}},
        # A job deleted past its account's retention comes off the account's storage, once (a
        # marker put and the count updated in one transaction: USAGE# items only).
        {"Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem"], "Resource": n.table(AUTH_TABLE),
         "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [USAGE_ITEMS]}}},
        # HeadObject (does the upload exist?) needs s3:GetObject.
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": n.objects(resources.UPLOAD_PREFIX)},
        # What lands for a deleted job after its DELETE (a worker's last write, an upload through
        # its still-valid presigned POST) is removed, from the job's tombstone.
        # A deleted account's exports go with the rest of its files.
        {"Effect": "Allow", "Action": ["s3:DeleteObject"],
         "Resource": n.objects(resources.UPLOAD_PREFIX, resources.RESULT_PREFIX, resources.EXPORT_PREFIX)},
        _list_bucket(n),
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": n.worker_function()},
    ]


def api_statements(n, log_groups: list[str]) -> list:
    tag = resources.BUCKET["abandoned_upload_tag"]
    statements = [
        _logs(n, log_groups),
        {"Effect": "Allow", "Action": API_TABLE_ACTIONS, "Resource": [n.table(t) for t in table_logical_ids()]},
        # The presigned POST is signed with this role: it can only create uploads (with their tag).
        {"Effect": "Allow", "Action": ["s3:PutObject"] + (["s3:PutObjectTagging"] if tag else []),
         "Resource": n.objects(resources.UPLOAD_PREFIX)},
        # A book's multipart upload (chalicelib.jobs.multipart): created, its parts presigned and
        # completed under s3:PutObject; which parts arrived, and dropping it when its job is deleted.
        {"Effect": "Allow", "Action": ["s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"],
         "Resource": n.objects(resources.UPLOAD_PREFIX)},
        # Finding a job's multipart upload by its key (S3 keeps the upload id, not the job record).
        {"Effect": "Allow", "Action": "s3:ListBucketMultipartUploads", "Resource": n.bucket()},
        # Presigned GETs (image, speech, an export's zip), reading result.json, deleting a job's
        # objects and a replaced export.
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:DeleteObject"],
         "Resource": n.objects(resources.UPLOAD_PREFIX, resources.RESULT_PREFIX, resources.EXPORT_PREFIX)},
        # Whether a voice's sample is made, and its presigned GET (never written here).
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": n.objects(resources.SAMPLE_PREFIX)},
        _list_bucket(n),
        # Ending an account's sessions and API keys at once (auth.table.delete_many).
        {"Effect": "Allow", "Action": "dynamodb:BatchWriteItem", "Resource": n.table(AUTH_TABLE)},
        # Work for the tasks function (mail, exports, erasing an account): the API only enqueues.
        {"Effect": "Allow", "Action": ["sqs:GetQueueUrl", "sqs:SendMessage"], "Resource": n.tasks_queue()},
        # A listener who moves in a book: the recording of that place and the minutes after it
        # (the listener's queue); an export of a book not recorded whole: the rest (the record queue).
        {"Effect": "Allow", "Action": ["sqs:GetQueueUrl", "sqs:SendMessage"], "Resource": n.first_queue()},
        {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": n.jwt_parameter()},
        n.if_kms_key({"Effect": "Allow", "Action": "kms:Decrypt"}),
    ]
    return [st for st in statements if st is not None]


def tasks_statements(n) -> list:
    return [
        _logs(n, TASKS_LOG_GROUPS),
        # What Lambda's SQS event source does with the function's role.
        {"Effect": "Allow", "Resource": n.tasks_queue(), "Action": [
            "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]},
        {"Effect": "Allow", "Action": TASKS_AUTH_TABLE_ACTIONS, "Resource": n.table(AUTH_TABLE)},
        {"Effect": "Allow", "Action": TASKS_JOBS_TABLE_ACTIONS, "Resource": n.table(JOBS_TABLE)},
        # An export reads each job's result and kept source.
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": n.objects(resources.RESULT_PREFIX)},
        # The zip (multipart past 8 MB: a failed upload is aborted rather than left to the
        # lifecycle rule).
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
         "Resource": n.objects(resources.EXPORT_PREFIX)},
        # A job's books, beside its results (results/{user}/{job}/book-<build>.epub|.mp3): a
        # whole book's MP3 goes up in parts as it is made, aborted should it fail.
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
         "Resource": n.objects(resources.RESULT_PREFIX + BOOK_FILES)},
        # Voices' samples, made once each (chalicelib.voices.samples): whether one is made, and it.
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": n.objects(resources.SAMPLE_PREFIX)},
        # Erasing a deleted account's objects, as DELETE /jobs/{id} does, and its export.
        {"Effect": "Allow", "Action": "s3:DeleteObject",
         "Resource": n.objects(resources.UPLOAD_PREFIX, resources.RESULT_PREFIX, resources.EXPORT_PREFIX)},
        _list_bucket(n),
        # Mail only from PageVoice's own sender (SES checks the identity the From belongs to).
        {"Effect": "Allow", "Action": "ses:SendEmail", "Resource": n.mail_identity()},
    ]


def _limits() -> dict:
    """The upload limits, one value each for the API (policy, GET /kinds) and the worker (its check)."""
    return {"PAGEVOICE_MAX_UPLOAD_BYTES": ref("MaxUploadBytes"), "PAGEVOICE_MAX_PIXELS": ref("MaxPixels")}


def _image_function(name: str, description: str, handler: str, role: str, memory, timeout,
                    reserved, variables: dict, storage_mb: int = 512) -> dict:
    """A function of the worker's container image, running `handler`, with its own log group
    (`{Name}LogGroup`) and role."""
    return {
        "Type": "AWS::Lambda::Function",
        "DependsOn": [f"{name.title()}LogGroup"],
        "Properties": {
            "FunctionName": sub(f"${{ResourcePrefix}}-{name}"),
            "Description": description,
            "PackageType": "Image",
            "Code": {"ImageUri": ref("WorkerImageUri")},
            "ImageConfig": {"Command": [handler]},
            "Architectures": [ref("WorkerArchitecture")],  # every function of the image shares it
            "MemorySize": memory,
            "Timeout": timeout,
            "EphemeralStorage": {"Size": storage_mb},
            "ReservedConcurrentExecutions": reserved,
            "Role": getatt(role, "Arn"),
            "Environment": {"Variables": variables},
        },
    }


def _role(description: str, statements: list) -> dict:
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "Description": description,
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                               "Action": "sts:AssumeRole"}],
            },
            "Policies": [{"PolicyName": "least-privilege",
                          "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}],
        },
    }


def _log_group(function_suffix: str) -> dict:
    return {
        "Type": "AWS::Logs::LogGroup",
        "DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete",
        "Properties": {"LogGroupName": sub(f"/aws/lambda/${{ResourcePrefix}}-{function_suffix}"),
                       "RetentionInDays": ref("LogRetentionDays")},
    }


def _private_bucket_properties() -> dict:
    return {
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True, "BlockPublicPolicy": True,
            "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]},
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
    }


def _tls_only(bucket_arn) -> dict:
    return {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [bucket_arn, {"Fn::Join": ["", [bucket_arn, "/*"]]}],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def _gateway_responses() -> dict:
    """API Gateway's own 4XX/5XX (throttled, authorizer denied, integration timeout) carry no
    CORS headers by default, so the site could not read them. Merged into the API's OpenAPI
    body (not AWS::ApiGateway::GatewayResponse resources), so SAM's deployment includes them."""
    params = {
        "gatewayresponse.header.Access-Control-Allow-Origin": sub("'${Origin}'", {"Origin": SITE_ORIGIN}),
        "gatewayresponse.header.Vary": "'Origin'",
    }
    return {kind: {"responseParameters": dict(params)} for kind in ("DEFAULT_4XX", "DEFAULT_5XX")}


def build(api_functions: list[str], api_stage: str = "api") -> dict:
    """The template to merge, given the logical ids of the functions Chalice generated."""
    if not api_functions:
        raise ValueError("Chalice generated no Lambda function for the API")
    tables = table_logical_ids()
    names = CfnNames()
    return {
        "Description": "PageVoice: API (Chalice), OCR worker (container Lambda), data, static site",
        "Parameters": _parameters(),
        "Conditions": _conditions(),
        "Resources": {
            **_tables(tables),
            **_data_bucket(),
            **_worker(names),
            **_sweep(names),
            **_queues(),
            **_tasks(names),
            **_api(api_functions, names),
            **_site(),
        },
        "Outputs": _outputs(tables, api_stage),
    }


def _tables(tables: list[str]) -> dict:
    """One definition (chalicelib.resources), as the local bootstrap creates them."""
    res = {}
    for logical in tables:
        table = resources.table_cfn(logical, sub(f"${{ResourcePrefix}}-{table_name_suffix(logical)}"))
        table["DeletionPolicy"] = "Retain"
        table["UpdateReplacePolicy"] = "Retain"
        res[logical] = table
    return res


def _data_bucket() -> dict:
    """uploads/ in (presigned POST), results/ out; the upload trigger."""
    prefix = resources.BUCKET["notification_prefix"]
    return {
        "DataBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
            "DependsOn": ["WorkerS3InvokePermission"],
            "Properties": {
                "BucketName": sub(DATA_BUCKET_NAME),
                **_private_bucket_properties(),
                "CorsConfiguration": {"CorsRules": resources.bucket_cors_cfn(SITE_ORIGIN)},
                "LifecycleConfiguration": {"Rules": resources.bucket_lifecycle_cfn()},
                "NotificationConfiguration": {"LambdaConfigurations": [
                    {"Event": event, "Function": getatt("Worker", "Arn"),
                     "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": prefix}]}}}
                    for event in resources.BUCKET["notification_events"]]},
            },
        },
        "DataBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {"Bucket": ref("DataBucket"), "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [_tls_only(getatt("DataBucket", "Arn"))]}},
        },
    }


def _worker(names: CfnNames) -> dict:
    """Container-image Lambda triggered by the bucket, failures to a queue."""
    worker = _image_function(
        "worker", "PageVoice worker: every kind of job (container image from infra/Dockerfile)",
        WORKER_HANDLER, "WorkerRole", ref("WorkerMemorySize"), ref("WorkerTimeout"),
        {"Fn::If": ["HasWorkerReservedConcurrency", ref("WorkerReservedConcurrency"), ref("AWS::NoValue")]}, {
            "PAGEVOICE_BUCKET": sub(DATA_BUCKET_NAME),
            "PAGEVOICE_JOBS_TABLE": ref(JOBS_TABLE),
            "PAGEVOICE_AUTH_TABLE": ref(AUTH_TABLE),  # its pronunciations only (WorkerRole)
            "PAGEVOICE_OCR_ENGINE": ref("OcrEngine"),
            "PAGEVOICE_TTS_ENGINE": ref("TtsEngine"),
            "PAGEVOICE_OCR_THREADS": ref("WorkerThreads"),
            "PAGEVOICE_TTS_THREADS": ref("WorkerThreads"),
            "PAGEVOICE_JOB_LEASE_SECONDS": ref("WorkerTimeout"),
            "PAGEVOICE_SHARDS_TABLE": ref(SHARDS_TABLE),
            **_queue_names(),
            **_limits(),
        }, storage_mb=WORKER_STORAGE_MB)
    # A long job goes on in turns, each invoking the worker again; Lambda's recursive loop
    # detection would stop such a chain after about 16 invocations and drop the job's next turn.
    # A chain ends by itself: each turn makes progress, and a job's turns end with the job.
    worker["Properties"]["RecursiveLoop"] = "Allow"
    return {
        "WorkerDeadLetterQueue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {"MessageRetentionPeriod": DEAD_LETTER_RETENTION_SECONDS, "SqsManagedSseEnabled": True},
        },
        "WorkerLogGroup": _log_group("worker"),
        "WorkerRole": _role("PageVoice OCR worker: read uploads, write results, move jobs along",
                            worker_statements(names)),
        "Worker": worker,
        "WorkerEventInvokeConfig": {
            "Type": "AWS::Lambda::EventInvokeConfig",
            "Properties": {
                "FunctionName": ref("Worker"), "Qualifier": "$LATEST",
                "MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600,
                "DestinationConfig": {"OnFailure": {"Destination": getatt("WorkerDeadLetterQueue", "Arn")}},
            },
        },
        # A book's work on its three queues (chalicelib.resources.worker_queues: what a listener
        # waits for, reading, recording nobody waits for yet), each its own event source with its
        # own maximum concurrency: a book never takes every worker, other people's uploads (the
        # S3 trigger) go on being read, and a listener never waits behind anyone's recording.
        **{event_source_id(q): _sqs_source(q, "Worker", worker_queue_concurrency(q)) for q in resources.worker_queues()},
        "WorkerS3InvokePermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": getatt("Worker", "Arn"), "Action": "lambda:InvokeFunction",
                "Principal": "s3.amazonaws.com", "SourceAccount": ref("AWS::AccountId"),
                "SourceArn": sub(DATA_BUCKET_ARN),
            },
        },
    }


def _sweep(names: CfnNames) -> dict:
    """On a schedule, hands jobs whose delivery was lost or whose worker died to the worker again
    (chalicelib.jobs.sweep; the local bridge runs the same code). Same image as the worker,
    another command: it loads no model."""
    return {
        "SweepLogGroup": _log_group("sweep"),
        "SweepRole": _role("PageVoice sweep: find unfinished jobs, invoke the worker for them",
                           sweep_statements(names)),
        "Sweep": _image_function(
            "sweep", "PageVoice sweep: re-drives unfinished jobs to the worker (the worker's image)",
            SWEEP_HANDLER, "SweepRole", 256, 300, 1, {  # one sweep at a time
                "PAGEVOICE_BUCKET": sub(DATA_BUCKET_NAME),
                "PAGEVOICE_JOBS_TABLE": ref(JOBS_TABLE),
                "PAGEVOICE_AUTH_TABLE": ref(AUTH_TABLE),  # retention and erasure (SweepRole)
                "PAGEVOICE_WORKER_FUNCTION": ref("Worker"),
            }),
        "SweepSchedule": {
            "Type": "AWS::Events::Rule",
            "Properties": {"Description": "PageVoice: re-drive unfinished jobs",
                           "ScheduleExpression": f"rate({SWEEP_EVERY_MINUTES} minutes)", "State": "ENABLED",
                           "Targets": [{"Arn": getatt("Sweep", "Arn"), "Id": "sweep"}]},
        },
        "SweepSchedulePermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {"FunctionName": ref("Sweep"), "Action": "lambda:InvokeFunction",
                           "Principal": "events.amazonaws.com", "SourceArn": getatt("SweepSchedule", "Arn")},
        },
    }


def _queues() -> dict:
    """The queues of chalicelib.resources.QUEUES, each with its dead-letter queue (the same
    attributes as the local bootstrap's)."""
    res = {}
    for logical, spec in resources.QUEUES.items():
        name = f"${{ResourcePrefix}}-{queue_name_suffix(logical)}"
        attributes = resources.queue_attributes(logical, getatt(spec["dead_letter"], "Arn"))
        res[spec["dead_letter"]] = {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": sub(f"{name}-dead"), "MessageRetentionPeriod": DEAD_LETTER_RETENTION_SECONDS,
            "SqsManagedSseEnabled": True}}
        res[logical] = {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": sub(name),
            "VisibilityTimeout": int(attributes["VisibilityTimeout"]),
            "MessageRetentionPeriod": int(attributes["MessageRetentionPeriod"]),
            # The SQS API takes this policy as a JSON string; CloudFormation as an object, so
            # the dead-letter queue's ARN can be an intrinsic in it.
            "RedrivePolicy": json.loads(attributes["RedrivePolicy"]),
            "SqsManagedSseEnabled": True}}
    return res


def event_source_id(logical: str) -> str:
    """ShardsQueue -> WorkerShardsEventSource."""
    return f"Worker{logical.removesuffix('Queue')}EventSource"


def _queue_names() -> dict:
    """The worker's queues' names in its environment (PAGEVOICE_SHARDS_QUEUE, ...) and their concurrency."""
    out = {}
    for q in resources.worker_queues():
        spec = resources.QUEUES[q]
        out[f"PAGEVOICE_{spec['setting'].upper()}"] = getatt(q, "QueueName")
        out[f"PAGEVOICE_{spec['worker']['concurrency'].upper()}"] = str(worker_queue_concurrency(q))
    return out


def _sqs_source(queue: str, function: str, concurrency: int) -> dict:
    """An SQS queue as a function's event source: one message per invocation, failures named in
    the answer (ReportBatchItemFailures) and brought back alone, at most `concurrency` at once
    (capped here, not with reserved concurrency, under which SQS's pollers get throttled)."""
    return {
        "Type": "AWS::Lambda::EventSourceMapping",
        "Properties": {
            "EventSourceArn": getatt(queue, "Arn"), "FunctionName": ref(function),
            "BatchSize": 1, "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "ScalingConfig": {"MaximumConcurrency": concurrency},
        },
    }


def _tasks(names: CfnNames) -> dict:
    """The tasks queue's function (chalicelib.account.tasks): mail, exports, erasing accounts.
    The worker's image, another command: it loads no model."""
    return {
        "TasksLogGroup": _log_group("tasks"),
        "TasksRole": _role("PageVoice tasks: send account mail, build exports, erase deleted accounts",
                           tasks_statements(names)),
        "Tasks": _image_function(
            "tasks", "PageVoice tasks: account mail, exports, erasing accounts (the worker's image)",
            TASKS_HANDLER, "TasksRole", 1024, TASKS_TIMEOUT, ref("AWS::NoValue"), {
                "PAGEVOICE_BUCKET": sub(DATA_BUCKET_NAME),
                "PAGEVOICE_AUTH_TABLE": ref(AUTH_TABLE),
                "PAGEVOICE_JOBS_TABLE": ref(JOBS_TABLE),
                "PAGEVOICE_TASKS_QUEUE": getatt(TASKS_QUEUE, "QueueName"),
                "PAGEVOICE_MAIL_FROM": ref("MailFrom"),
                "PAGEVOICE_SITE_URL": SITE_ORIGIN,  # the links in mails open the site
            }, storage_mb=TASKS_STORAGE_MB),
        # One task per invocation; a task that raised is named and comes back alone.
        "TasksEventSource": _sqs_source(TASKS_QUEUE, "Tasks", TASKS_MAX_CONCURRENCY),
    }


def _api(api_functions: list[str], names: CfnNames) -> dict:
    """The functions Chalice generated: our role, names, log groups, environment."""
    res = {}
    api_log_groups = []
    for fn in api_functions:
        lg = f"{fn}LogGroup"
        res[lg] = _log_group(function_name_suffix(fn))
        api_log_groups.append(lg)
        res[fn] = _api_function(fn, lg)
    res["ApiRole"] = _role("PageVoice API: its tables, presigned URLs on the job prefixes, the JWT secret",
                           api_statements(names, api_log_groups))
    res["RestAPI"] = {"Properties": {
        "DefinitionBody": {"x-amazon-apigateway-gateway-responses": _gateway_responses()},
        # A flood is refused by API Gateway (429) before it costs a Lambda invocation.
        "MethodSettings": [{"ResourcePath": "/*", "HttpMethod": "*",
                            "ThrottlingRateLimit": ref("ApiThrottleRate"),
                            "ThrottlingBurstLimit": ref("ApiThrottleBurst")}]}}
    return res


def _api_function(fn: str, log_group: str) -> dict:
    return {
        "DependsOn": [log_group],
        "Properties": {
            "FunctionName": sub(f"${{ResourcePrefix}}-{function_name_suffix(fn)}"),
            "Role": getatt("ApiRole", "Arn"),
            "Environment": {"Variables": {
                "PAGEVOICE_BUCKET": sub(DATA_BUCKET_NAME),
                "PAGEVOICE_AUTH_TABLE": ref("AuthTable"),
                "PAGEVOICE_JOBS_TABLE": ref(JOBS_TABLE),
                "PAGEVOICE_JWT_SECRET_PARAM": ref("JwtSecretParameterName"),
                "PAGEVOICE_CORS_ORIGIN": SITE_ORIGIN,
                "PAGEVOICE_TASKS_QUEUE": getatt(TASKS_QUEUE, "QueueName"),
                # A book's shards (its index while it is made), the listener's queue (a place moved
                # to) and the record queue (the rest of a book an export asks for).
                "PAGEVOICE_SHARDS_TABLE": ref(SHARDS_TABLE),
                "PAGEVOICE_FIRST_QUEUE": getatt(FIRST_QUEUE, "QueueName"),
                "PAGEVOICE_RECORD_QUEUE": getatt(RECORD_QUEUE, "QueueName"),
                **_limits(),
            }},
        },
    }


def _site() -> dict:
    """Private bucket, CloudFront with origin access control."""
    behaviour = {"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https",
                 "AllowedMethods": ["GET", "HEAD"], "CachedMethods": ["GET", "HEAD"], "Compress": True,
                 "ResponseHeadersPolicyId": ref("SiteHeadersPolicy")}
    return {
        "SiteBucket": {"Type": "AWS::S3::Bucket", "Properties": _private_bucket_properties()},
        "SiteOriginAccessControl": {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {"OriginAccessControlConfig": {
                "Name": sub("${ResourcePrefix}-site-${AWS::Region}"),
                "OriginAccessControlOriginType": "s3", "SigningBehavior": "always", "SigningProtocol": "sigv4"}},
        },
        "SiteHeadersPolicy": _site_headers_policy(),
        "SiteDistribution": {
            "Type": "AWS::CloudFront::Distribution",
            "Properties": {"DistributionConfig": {
                "Enabled": True, "Comment": sub("${ResourcePrefix} static site"),
                "DefaultRootObject": "index.html", "HttpVersion": "http2and3", "IPV6Enabled": True,
                "PriceClass": "PriceClass_100",
                "Origins": [{"Id": "site", "DomainName": getatt("SiteBucket", "RegionalDomainName"),
                             "S3OriginConfig": {"OriginAccessIdentity": ""},
                             "OriginAccessControlId": getatt("SiteOriginAccessControl", "Id")}],
                "DefaultCacheBehavior": {**behaviour, "CachePolicyId": CACHING_OPTIMIZED},
                # config.js is rewritten by every deploy: never cached.
                "CacheBehaviors": [{**behaviour, "PathPattern": "config.js", "CachePolicyId": CACHING_DISABLED}],
            }},
        },
        "SiteBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {"Bucket": ref("SiteBucket"), "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Sid": "CloudFrontReadsTheSite", "Effect": "Allow",
                 "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
                 "Resource": {"Fn::Join": ["", [getatt("SiteBucket", "Arn"), "/*"]]},
                 "Condition": {"StringEquals": {"AWS:SourceArn": sub(
                     "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${SiteDistribution}")}}},
                _tls_only(getatt("SiteBucket", "Arn")),
            ]}},
        },
    }


def _site_headers_policy() -> dict:
    """The same headers as the local server's (infra/site_config.py), with the API and the data
    bucket in the Content-Security-Policy."""
    headers = site_config.security_headers("${Api}", "${Storage}")
    return {
        "Type": "AWS::CloudFront::ResponseHeadersPolicy",
        "Properties": {"ResponseHeadersPolicyConfig": {
            "Name": sub("${ResourcePrefix}-site-headers-${AWS::Region}"),
            "SecurityHeadersConfig": {
                "ContentSecurityPolicy": {"Override": True, "ContentSecurityPolicy": sub(
                    headers["Content-Security-Policy"],
                    # Any API Gateway API of the region: naming this one (RestAPI) would be a cycle,
                    # as the API's CORS origin names the distribution.
                    {"Api": sub("https://*.execute-api.${AWS::Region}.${AWS::URLSuffix}"),
                     # Presigned URLs name the bucket with or without its region.
                     "Storage": sub(f"https://{DATA_BUCKET_NAME}.s3.${{AWS::Region}}.${{AWS::URLSuffix}} "
                                    f"https://{DATA_BUCKET_NAME}.s3.${{AWS::URLSuffix}}")})},
                "ContentTypeOptions": {"Override": True},
                "FrameOptions": {"Override": True, "FrameOption": headers["X-Frame-Options"]},
                "ReferrerPolicy": {"Override": True, "ReferrerPolicy": headers["Referrer-Policy"]},
                "StrictTransportSecurity": {"Override": True, "AccessControlMaxAgeSec": 63072000,
                                            "IncludeSubdomains": True},
            },
            "CustomHeadersConfig": {"Items": [{"Header": "Permissions-Policy", "Override": True,
                                               "Value": headers["Permissions-Policy"]}]},
        }},
    }


def _outputs(tables: list[str], api_stage: str) -> dict:
    return {
        "ApiBaseUrl": {"Description": "apiBase for the site's config.js (no trailing slash)",
                       "Value": sub(f"https://${{RestAPI}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{api_stage}")},
        "SiteUrl": {"Value": SITE_ORIGIN},
        "SiteBucketName": {"Value": ref("SiteBucket")},
        "SiteDistributionId": {"Value": ref("SiteDistribution")},
        "DataBucketName": {"Value": ref("DataBucket")},
        "WorkerFunctionName": {"Value": ref("Worker")},
        "SweepFunctionName": {"Value": ref("Sweep")},
        "TasksFunctionName": {"Value": ref("Tasks")},
        "TasksDeadLetterQueueUrl": {"Value": ref(resources.QUEUES[TASKS_QUEUE]["dead_letter"])},
        "WorkerDeadLetterQueueUrl": {"Value": ref("WorkerDeadLetterQueue")},
        **{f"{t}Name": {"Value": ref(t)} for t in tables},
    }


def substitute_origin(node, placeholder: str = ORIGIN_PLACEHOLDER):
    """Every string that contains the placeholder origin becomes an Fn::Sub of the real one.

    Returns the new node and how many strings were replaced."""
    count = 0

    def walk(value):
        nonlocal count
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, str) and placeholder in value:
            count += 1
            escaped = value.replace("${", "${!")  # a literal ${ in Fn::Sub is written ${!
            return sub(escaped.replace(placeholder, "${CorsOrigin}"), {"CorsOrigin": SITE_ORIGIN})
        return value

    return walk(node), count
