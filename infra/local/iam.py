"""IAM, enforced by local AWS: the stack's identities, their keys and their policies.

Each process of the stack signs its calls as one IAM user of moto's account:

    admin    the stack itself: bootstrap, snapshots, restore, journal replay (Allow *)
    api      chalice local                       the template's ApiRole statements
    worker   the bridge's worker processes       the template's WorkerRole statements
    sweep    the bridge (its sweep, its polling)  the template's SweepRole statements, plus
             the local event queue that stands in for Lambda's S3 trigger
    tasks    the tasks runner (tasks.py)         the template's TasksRole statements, plus
             finding its queue by name (deployed, the event source knows it)

The role statements come from the functions the template renders (infra/template.py:
`api_statements`, `worker_statements`, `sweep_statements`, `tasks_statements`), here with
concrete ARNs, so a call the deployed role would refuse is refused locally. Keys are generated
once per state directory (0600), so the journal's signed requests replay after a restart.

moto 5.2.5 enforces IAM (INITIAL_NO_AUTH_ACTION_COUNT=0) on header-signed S3, SQS, SES and DynamoDB
calls, with gaps `install` closes in the server process: DynamoDB is checked against resource
"*" (so a table-scoped grant would allow nothing: checked per table here, each item's action
for transactions), so are SQS CreateQueue and GetQueueUrl (checked against the queue named),
S3 DeleteObjects is checked on the bucket (here: s3:DeleteObject on each key), SES SendEmail
against "*" (here: on the identity its From belongs to, as AWS does), and a presigned URL or
POST form makes moto fail (it wants an Authorization header): guard.py verifies those and
moto's check is skipped for them.
"""
from __future__ import annotations

import json
import re
import secrets
import string
from email.utils import parseaddr
from pathlib import Path

from infra.local.files import default_state_dir, private_dir, write_private

ACCOUNT = "123456789012"  # moto's default account
PARTITION = "aws"
IDENTITIES = ("admin", "api", "worker", "sweep", "tasks")
CREDENTIALS_FILE = "aws-credentials.json"
USER_PREFIX = "pagevoice-local-"
EVENT_QUEUE = "pagevoice-local-uploads"  # infra.local.bridge.QUEUE_NAME (the bridge imports the worker stack)
API_LOG_GROUPS = ["APIHandlerLogGroup"]


def _new_key() -> dict[str, str]:
    alphabet = string.ascii_uppercase + string.digits
    return {"key": "AKIA" + "".join(secrets.choice(alphabet) for _ in range(16)),
            "secret": secrets.token_urlsafe(30)}


def credentials(state_dir: Path) -> dict[str, dict[str, str]]:
    """identity -> {"key", "secret"}: generated once per state directory, kept 0600."""
    path = state_dir / CREDENTIALS_FILE
    known = json.loads(path.read_text()) if path.exists() else {}
    if set(IDENTITIES) - set(known):
        known = {name: known.get(name) or _new_key() for name in IDENTITIES}
        private_dir(state_dir)
        write_private(path, json.dumps(known).encode())
    return known


class LocalNames:
    """The template's resource names (infra.template.CfnNames), as concrete ARNs of the local
    stack: moto's account and region, the bucket, tables, tasks queue and sender from settings."""

    def __init__(self, region: str, bucket: str, tables: dict[str, str], tasks_queue_name: str, mail_from: str,
                 prefix: str = "pagevoice-local") -> None:
        self.region, self.bucket_name, self.tables, self.prefix = region, bucket, tables, prefix
        self.tasks_queue_name, self.mail_address = tasks_queue_name, parseaddr(mail_from)[1]

    def _arn(self, service: str, rest: str) -> str:
        return f"arn:{PARTITION}:{service}:{self.region}:{ACCOUNT}:{rest}"

    def objects(self, *prefixes: str) -> list[str]:
        return [f"arn:{PARTITION}:s3:::{self.bucket_name}/{p}*" for p in prefixes]

    def bucket(self) -> str:
        return f"arn:{PARTITION}:s3:::{self.bucket_name}"

    def table(self, logical: str) -> str:
        return self._arn("dynamodb", f"table/{self.tables[logical]}")

    def index(self, logical: str, index: str) -> str:
        return f"{self.table(logical)}/index/{index}"

    def indexes(self, logical: str) -> list[str]:
        from chalicelib import resources

        return [self.index(logical, index) for index in resources.TABLES[logical].get("indexes", {})]

    def log_groups(self, logical_ids: list[str]) -> list[str]:
        from infra.template import function_name_suffix

        names = [function_name_suffix(g.removesuffix("LogGroup")) for g in logical_ids]
        return [self._arn("logs", f"log-group:/aws/lambda/{self.prefix}-{n}:*") for n in names]

    def dead_letter_queue(self) -> str:
        return self._arn("sqs", f"{self.prefix}-worker-dlq")

    def worker_function(self) -> str:
        return self._arn("lambda", f"function:{self.prefix}-worker")

    def jwt_parameter(self) -> str:
        return self._arn("ssm", "parameter/pagevoice/local/jwt-secret")

    def if_kms_key(self, statement: dict) -> None:
        return None  # locally the JWT secret comes from the state directory, no KMS key

    def queue(self, name: str) -> str:
        return self._arn("sqs", name)

    def tasks_queue(self) -> str:
        return self.queue(self.tasks_queue_name)

    def shards_queue(self) -> list[str]:
        from chalicelib import resources

        return [self._named(q) for q in resources.worker_queues()]

    def first_queue(self) -> list[str]:
        return [self._named("FirstQueue"), self._named("RecordQueue")]

    def _named(self, logical: str) -> str:
        from chalicelib import resources, settings

        return self.queue(resources.queue_name(logical, settings.get()))

    def mail_identity(self) -> str:
        # The sender's address, as the local bootstrap verifies it (bootstrap.ensure_mail_identity).
        return self._arn("ses", f"identity/{self.mail_address}")


def local_names() -> LocalNames:
    from chalicelib import resources, settings

    s = settings.get()
    return LocalNames(s.aws.region, s.aws.bucket,
                      {logical: getattr(s.aws, spec["setting"]) for logical, spec in resources.TABLES.items()},
                      s.account.tasks_queue, s.account.mail_from)


def _document(statements: list) -> dict:
    return {"Version": "2012-10-17", "Statement": statements}


def policies(names: LocalNames | None = None) -> dict[str, dict]:
    """identity -> its policy document."""
    from infra import template

    n = names or local_names()
    # The bridge's own calls: deployed, Lambda's S3 trigger does this part.
    event_queue = {"Effect": "Allow", "Resource": [n.queue(EVENT_QUEUE), *n.shards_queue()], "Action": [
        "sqs:CreateQueue", "sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes",
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"]}
    return {
        "admin": _document([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
        "api": _document(template.api_statements(n, API_LOG_GROUPS)),
        "worker": _document(template.worker_statements(n)),
        "sweep": _document(template.sweep_statements(n) + [event_queue]),
        "tasks": _document(template.tasks_statements(n) + [
            {"Effect": "Allow", "Action": "sqs:GetQueueUrl", "Resource": n.tasks_queue()}]),
    }


def process_env(creds: dict[str, str]) -> dict[str, str]:
    return {"AWS_ACCESS_KEY_ID": creds["key"], "AWS_SECRET_ACCESS_KEY": creds["secret"]}


# --- In the local AWS server process -------------------------------------------------------

def install(creds: dict[str, dict[str, str]], docs: dict[str, dict]) -> None:
    """Create the identities in moto's IAM, with these exact keys, and turn enforcement on."""
    from moto import settings as moto_settings
    from moto.iam.models import iam_backends

    backend = iam_backends[ACCOUNT][PARTITION]
    for name in IDENTITIES:
        user = USER_PREFIX + name
        if user not in backend.users:
            backend.create_user(None, user)
        backend.put_user_policy(user, "least-privilege", json.dumps(docs[name]))
        if not backend.list_access_keys(user):
            key = backend.create_access_key(user)
            key.access_key_id, key.secret_access_key = creds[name]["key"], creds[name]["secret"]
    moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    _patch()


def identity_policies(key_id: str) -> list:
    """The policies of the user owning `key_id` (moto's IAM), for checks moto does not make."""
    from moto.iam.access_control import IAMUserAccessKey

    return IAMUserAccessKey(ACCOUNT, PARTITION, key_id, {}).collect_policies()


def permitted(policies: list, action: str, resource: str) -> bool:
    from moto.iam.access_control import IAMPolicy, PermissionResult

    results = [IAMPolicy(p).is_action_permitted(action, resource) for p in policies]
    return PermissionResult.DENIED not in results and PermissionResult.PERMITTED in results


SQS_BATCH = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage",
             "ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}
_TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}


def dynamodb_checks(action: str, params: dict) -> list[tuple[str, str | None]]:
    """(action, resource within the account: `table/T` or `table/T/index/I`) pairs AWS
    authorizes for one DynamoDB call: batch calls per table, transactions per item with the
    item's own action, a Query or Scan on an index on that index."""
    if action in ("BatchGetItem", "BatchWriteItem"):
        return [(action, f"table/{t}") for t in params.get("RequestItems", {})]
    if action in ("TransactWriteItems", "TransactGetItems"):
        out = []
        for item in params.get("TransactItems", []):
            for kind, body in item.items():
                out.append(("GetItem" if kind == "Get" else _TRANSACT.get(kind, kind), f"table/{body.get('TableName')}"))
        return out
    table = params.get("TableName")
    if not table:
        return [(action, None)]
    index = params.get("IndexName")
    return [(action, f"table/{table}/index/{index}" if index else f"table/{table}")]


def partition_keys(action: str, params: dict) -> list[str | None]:
    """The partition-key values one DynamoDB item call touches (`dynamodb:LeadingKeys`); None
    where the call names no item (a query, a scan, a batch: checked without the condition)."""
    def pk(body: dict) -> str | None:
        key = body.get("Key") or body.get("Item") or {}
        return next(iter(key.get("pk", {}).values()), None) if isinstance(key.get("pk"), dict) else None

    if action in ("TransactWriteItems", "TransactGetItems"):
        return [pk(body) for item in params.get("TransactItems", []) for body in item.values()]
    return [pk(params) if action in ("GetItem", "PutItem", "UpdateItem", "DeleteItem") else None]


def _statements(policies: list):
    from moto.iam.access_control import IAMPolicy

    for policy in policies:
        statements = IAMPolicy(policy)._policy_json.get("Statement", [])  # the document as moto reads it
        yield from (statements if isinstance(statements, list) else [statements])


def projected(params: dict) -> frozenset[str] | None:
    """The attributes an item call asks for (`dynamodb:Attributes`: its ProjectionExpression's,
    names resolved); None when it asks for the whole item."""
    expr = params.get("ProjectionExpression")
    if not expr:
        return None
    names = params.get("ExpressionAttributeNames") or {}
    return frozenset(names.get(p.strip(), p.strip()) for p in expr.split(","))


def leading_keys_permit(policies: list, action: str, arn: str, key: str | None,
                        attributes: frozenset[str] | None = None) -> bool:
    """moto ignores policy conditions; AWS does not. Of the statements allowing `action` on
    `arn`, one must carry no `dynamodb:LeadingKeys` condition, or one the item's key matches
    (the sweep may delete only ERASE# items of the auth table), and no `dynamodb:Attributes`
    condition, or one holding every attribute the call asks for (`attributes`, which it must
    name: the worker may read an account's voices, not its whole USER item)."""
    import fnmatch

    from moto.iam.access_control import IAMPolicy, PermissionResult

    allowing = [st for st in _statements(policies) if st.get("Effect") == "Allow" and IAMPolicy(json.dumps({
        "Version": "2012-10-17", "Statement": [{k: v for k, v in st.items() if k != "Condition"}]})
    ).is_action_permitted(f"dynamodb:{action}", arn) == PermissionResult.PERMITTED]
    for st in allowing:
        condition = st.get("Condition") or {}
        allowed = condition.get("ForAllValues:StringEquals", {}).get("dynamodb:Attributes")
        if allowed is not None and (attributes is None or not attributes <= set(allowed)):
            continue
        patterns = condition.get("ForAllValues:StringLike", {}).get("dynamodb:LeadingKeys")
        if patterns is None or (key is not None and any(fnmatch.fnmatchcase(key, p) for p in patterns)):
            return True
    return not allowing  # nothing allows it: moto's own check has refused it already


def _check_leading_keys(handler, action: str, arn: str, key: str | None, attributes=None) -> None:
    from moto.core.exceptions import AccessDeniedError

    match = re.search(r"Credential=([^/,\s]+)/", handler.headers.get("Authorization", ""))
    if match and not leading_keys_permit(identity_policies(match.group(1)), action, arn, key, attributes):
        raise AccessDeniedError(user_arn=match.group(1), action=f"dynamodb:{action}")


def _patch() -> None:
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.dynamodb.responses import DynamoHandler

    original = ActionAuthenticatorMixin._authenticate_and_authorize_action
    if getattr(original, "pagevoice", False):
        return

    def authorize(self, iam_request_cls, resource: str = "*") -> None:
        # No Authorization header: a presigned URL or form, verified by guard.py (requests
        # without valid credentials of ours never get here).
        if "Authorization" not in self.headers:
            return
        original(self, iam_request_cls, resource)

    authorize.pagevoice = True
    ActionAuthenticatorMixin._authenticate_and_authorize_action = authorize

    def dynamodb_authorize(self, resource: str = "*") -> None:
        region = self.region
        params = getattr(self, "body", None) or {}
        checks = dynamodb_checks(self._get_action(), params)
        keys = partition_keys(self._get_action(), params)
        for (action, resource), key in zip(checks, keys if len(keys) == len(checks) else [None] * len(checks),
                                           strict=True):
            arn = f"arn:{PARTITION}:dynamodb:{region}:{ACCOUNT}:{resource}" if resource else "*"
            self._get_action = lambda a=action: a  # the action IAM checks for this part
            try:
                ActionAuthenticatorMixin._authenticate_and_authorize_normal_action(self, arn)
            finally:
                del self._get_action
            _check_leading_keys(self, action, arn, key, projected(params) if action == "GetItem" else None)

    DynamoHandler._authenticate_and_authorize_normal_action = dynamodb_authorize


    from moto.sqs.responses import SQSResponse

    by_url = SQSResponse._determine_resource

    def queue_resource(self) -> str:
        # CreateQueue and GetQueueUrl name the queue, not its URL (moto checks them against "*").
        name = self._get_param("QueueName") if self._get_action() in ("CreateQueue", "GetQueueUrl") else None
        return f"arn:{PARTITION}:sqs:{self.region}:{ACCOUNT}:{name}" if name else by_url(self)

    SQSResponse._determine_resource = queue_resource

    _patch_sqs_batches()

    from moto.s3.responses import S3Response

    delete_keys = S3Response._bucket_response_delete_keys

    def delete_keys_per_key(self, bucket_name: str, authenticated: bool = True):
        # AWS authorizes DeleteObjects key by key (s3:DeleteObject on each); moto on the bucket
        # alone, which a grant on a prefix never matches.
        if not authenticated and "Authorization" in self.headers:
            import xmltodict

            objects = xmltodict.parse(self.body).get("Delete", {}).get("Object", [])
            keys = [o["Key"] for o in (objects if isinstance(objects, list) else [objects])]
            key_id = re.search(r"Credential=([^/]+)/", self.headers["Authorization"]).group(1)
            policies = identity_policies(key_id)
            authenticated = bool(keys) and all(
                permitted(policies, "s3:DeleteObject", f"arn:{PARTITION}:s3:::{bucket_name}/{k}") for k in keys)
        return delete_keys(self, bucket_name, authenticated)

    S3Response._bucket_response_delete_keys = delete_keys_per_key
    _patch_ses()


def _patch_sqs_batches() -> None:
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.sqs.responses import SQSResponse

    def sqs_authorize(self, resource: str = "*") -> None:
        # AWS authorizes SQS's batch calls as their single action (SendMessageBatch needs
        # sqs:SendMessage); moto as actions of their own, which no policy names.
        single = SQS_BATCH.get(self._get_action())
        if single is None:
            return ActionAuthenticatorMixin._authenticate_and_authorize_normal_action(self, resource)
        self._get_action = lambda: single
        try:
            return ActionAuthenticatorMixin._authenticate_and_authorize_normal_action(self, resource)
        finally:
            del self._get_action

    SQSResponse._authenticate_and_authorize_normal_action = sqs_authorize


def _patch_ses() -> None:
    from moto.ses.responses import EmailResponse

    def mail_identity(self) -> str:
        # AWS authorizes a send on the identity its From belongs to: the address if it is one,
        # else its domain (moto checks every SES call against "*").
        if self._get_action() not in ("SendEmail", "SendRawEmail"):
            return "*"
        address = parseaddr(self._get_param("Source") or "")[1]
        identity = address if address in self.backend.email_identities else address.rpartition("@")[2]
        return f"arn:{PARTITION}:ses:{self.region}:{ACCOUNT}:identity/{identity}"

    EmailResponse._determine_resource = mail_identity


def main(argv: list[str] | None = None) -> None:
    """`python -m infra.local.iam [--state-dir DIR] [IDENTITY]`: shell exports of one identity's
    keys (made if missing), for running the stack's pieces by hand."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m infra.local.iam")
    ap.add_argument("--state-dir", default=default_state_dir())
    ap.add_argument("identity", nargs="?", default="admin", choices=IDENTITIES)
    args = ap.parse_args(argv)
    env = process_env(credentials(Path(args.state_dir))[args.identity])
    print("export " + " ".join(f"{k}={v}" for k, v in env.items()))


if __name__ == "__main__":
    main()
