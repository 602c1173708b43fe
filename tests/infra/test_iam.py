"""Least privilege that still works: each role grants the AWS calls its code makes, and no more
than its part of the data.

The code is read, not run: from each function's entry point (the API's routes in app.py,
the worker's, the sweep's and the tasks function's handlers, named as the template names
them) every chalicelib function it can reach is followed, and the
boto3 calls in them are mapped to IAM actions. A new call (say `s3.copy_object` in the
worker) fails here, not with AccessDenied after a deploy.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from chalicelib import resources
from infra import template as template_module

ROOT = Path(__file__).resolve().parents[2]

OPS = {
    # S3 (presigned URLs are signed with the role: the operation they name is what it needs)
    "get_object": {"s3:GetObject"}, "head_object": {"s3:GetObject"}, "download_fileobj": {"s3:GetObject"},
    "put_object": {"s3:PutObject"}, "upload_fileobj": {"s3:PutObject"}, "generate_presigned_post": {"s3:PutObject"},
    "copy_object": {"s3:GetObject", "s3:PutObject"},
    "delete_object": {"s3:DeleteObject"}, "delete_objects": {"s3:DeleteObject"},
    "list_objects_v2": {"s3:ListBucket"}, "list_objects": {"s3:ListBucket"},
    "put_object_tagging": {"s3:PutObjectTagging"}, "delete_object_tagging": {"s3:DeleteObjectTagging"},
    # Multipart uploads (creating, sending a part and completing are s3:PutObject)
    "create_multipart_upload": {"s3:PutObject"}, "upload_part": {"s3:PutObject"},
    "complete_multipart_upload": {"s3:PutObject"}, "abort_multipart_upload": {"s3:AbortMultipartUpload"},
    "list_parts": {"s3:ListMultipartUploadParts"}, "list_multipart_uploads": {"s3:ListBucketMultipartUploads"},
    # DynamoDB
    "get_item": {"dynamodb:GetItem"}, "put_item": {"dynamodb:PutItem"}, "update_item": {"dynamodb:UpdateItem"},
    "delete_item": {"dynamodb:DeleteItem"}, "query": {"dynamodb:Query"}, "scan": {"dynamodb:Scan"},
    "batch_get_item": {"dynamodb:BatchGetItem"}, "batch_write_item": {"dynamodb:BatchWriteItem"},
    "batch_writer": {"dynamodb:BatchWriteItem"}, "transact_get_items": {"dynamodb:GetItem"},
    "transact_write_items": set(),  # each item's own action (a ConditionCheck item: ConditionCheckItem), below
    # SSM, SQS, SES
    "get_parameter": {"ssm:GetParameter"}, "get_parameters": {"ssm:GetParameters"},
    "send_message": {"sqs:SendMessage"}, "get_queue_url": {"sqs:GetQueueUrl"},
    "send_email": {"ses:SendEmail"}, "send_raw_email": {"ses:SendRawEmail"},
    # Lambda (the sweep re-drives jobs to the worker)
    "invoke": {"lambda:InvokeFunction"},
}
# Operations named by a string argument (paginators, presigned URLs).
NAMED_BY = {"get_paginator", "generate_presigned_url", "can_paginate"}
TRANSACT_KINDS = {"Put": "dynamodb:PutItem", "Update": "dynamodb:UpdateItem", "Delete": "dynamodb:DeleteItem",
                  "ConditionCheck": "dynamodb:ConditionCheckItem"}


class Module:
    def __init__(self, name: str, path: Path):
        self.name, self.path = name, path
        self.tree = ast.parse(path.read_text())
        self.defs = {n.name: n for n in self.tree.body
                     if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        self.aliases: dict[str, str] = {}  # local name -> "module" or "module:attr"
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("chalicelib"):
                        self.aliases[a.asname or a.name.split(".")[0]] = a.asname and a.name or a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("chalicelib"):
                for a in node.names:
                    full = f"{node.module}.{a.name}"
                    self.aliases[a.asname or a.name] = full if _file(full) else f"{node.module}:{a.name}"

    def toplevel(self) -> list[ast.AST]:
        return [n for n in self.tree.body if n not in self.defs.values()]


def _file(module: str) -> Path | None:
    base = ROOT / Path(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


_modules: dict[str, Module] = {}


def module(name: str) -> Module | None:
    if name not in _modules:
        path = _file(name)
        if path is None:
            return None
        _modules[name] = Module(name, path)
    return _modules[name]


def _edges(mod: Module, nodes: list[ast.AST]) -> set[tuple[str, str | None]]:
    """(module, function) pairs the nodes refer to; (module, None) means the module's top level."""
    out = set()
    for top in nodes:
        for node in ast.walk(top):
            if isinstance(node, ast.Name):
                if node.id in mod.defs:
                    out.add((mod.name, node.id))
                target = mod.aliases.get(node.id)
                if target and ":" in target:
                    m, f = target.split(":")
                    out |= {(m, None), (m, f)}
                elif target:
                    out.add((target, None))
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                target = mod.aliases.get(node.value.id)
                if target and ":" not in target:
                    sub = f"{target}.{node.attr}"
                    if _file(sub):
                        out.add((sub, None))
                    else:
                        out |= {(target, None), (target, node.attr)}
    return out


def _actions(nodes: list[ast.AST]) -> dict[str, set[str]]:
    """IAM actions -> where the boto3 calls needing them are."""
    found: dict[str, set[str]] = {}

    def add(actions, where):
        for a in actions:
            found.setdefault(a, set()).add(where)

    for top in nodes:
        for node in ast.walk(top):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                op = node.func.attr
                if op in OPS:
                    add(OPS[op], op)
                if op in NAMED_BY and node.args and isinstance(node.args[0], ast.Constant):
                    add(OPS.get(node.args[0].value, set()), f"{op}({node.args[0].value})")
            if isinstance(node, ast.Dict):  # transact_write_items([{"Put": ...}, ...]) built anywhere
                for key in node.keys:
                    if isinstance(key, ast.Constant) and key.value in TRANSACT_KINDS:
                        add({TRANSACT_KINDS[key.value]}, f"transact {key.value}")
    return found


def reach(roots: list[tuple[str, str | None]], visited: list | None = None) -> dict[str, set[str]]:
    """IAM action -> where the code reachable from `roots` needs it; with `visited`, also
    collects the code (AST nodes) reached."""
    seen: set[tuple[str, str | None]] = set()
    todo = list(roots)
    actions: dict[str, set[str]] = {}
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        mod = module(key[0])
        if mod is None:
            continue
        if key[1] is None:
            nodes = mod.toplevel()
            # a package's parents run on import
            parent = key[0].rpartition(".")[0]
            if parent:
                todo.append((parent, None))
        elif key[1] in mod.defs:
            nodes = [mod.defs[key[1]]]
            todo.append((key[0], None))
        else:
            continue
        for action, where in _actions(nodes).items():
            actions.setdefault(action, set()).update(f"{mod.name}.{key[1] or '<module>'}: {w}" for w in where)
        if visited is not None:
            visited += nodes
        todo += list(_edges(mod, nodes))
    return actions


def api_roots() -> list:
    return [("app", None)] + [("app", name) for name in module("app").defs]


def api_needs() -> dict[str, set[str]]:
    return reach(api_roots())


def _handler(target: str) -> tuple[str, str]:
    module, _, func = target.rpartition(".")
    return module, func


def worker_roots() -> list:
    from chalicelib import kinds
    from chalicelib.engines import ocr, tts

    module, func = _handler(template_module.WORKER_HANDLER)
    roots = [(module, None), (module, func)]
    for kind in kinds.BUILT_IN.values():  # the worker imports each kind's runner by name
        for target in filter(None, (kind.runner, kind.warm_up)):
            roots.append(tuple(target.split(":")))
    for registry in (ocr.ENGINES, tts.ENGINES):
        for target in registry.values():
            mod, cls = target.split(":")
            if _file(mod):
                roots.append((mod, cls))
    return roots


def worker_needs() -> dict[str, set[str]]:
    return reach(worker_roots())


def _statements(role: dict) -> list[dict]:
    out = []
    for policy in role["Properties"]["Policies"]:
        for st in policy["PolicyDocument"]["Statement"]:
            if "Fn::If" in st:
                out += [b for b in st["Fn::If"][1:] if isinstance(b, dict) and "Effect" in b]
            else:
                out.append(st)
    return out


def granted(role: dict) -> dict[str, list]:
    """action -> resources it is granted on."""
    out: dict[str, list] = {}
    for st in _statements(role):
        assert st["Effect"] == "Allow"
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        res = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        for a in actions:
            assert "*" not in a, f"wildcard action {a}"
            out.setdefault(a, []).extend(res)
    return out


def sweep_roots() -> list:
    module, func = _handler(template_module.SWEEP_HANDLER)
    return [(module, None), (module, func)]


def sweep_needs() -> dict[str, set[str]]:
    return reach(sweep_roots())


def tasks_roots() -> list:
    from chalicelib.account import tasks

    module, func = _handler(template_module.TASKS_HANDLER)
    # The handler runs each task by its "module:function" name.
    return [(module, None), (module, func)] + [tuple(target.split(":")) for target in tasks.HANDLERS.values()]


def tasks_needs() -> dict[str, set[str]]:
    return reach(tasks_roots())


ROLE_NEEDS = [("ApiRole", api_needs), ("WorkerRole", worker_needs), ("SweepRole", sweep_needs),
              ("TasksRole", tasks_needs)]


@pytest.mark.parametrize("role, needs", ROLE_NEEDS)
def test_each_role_grants_the_calls_its_code_makes(template, role, needs):
    have = granted(template["Resources"][role])
    required = needs()
    assert required, f"found no AWS call for {role}: is the code reader broken?"
    missing = {a: sorted(w) for a, w in required.items() if a not in have}
    assert not missing, f"{role} lacks actions its code needs: {missing}"


@pytest.mark.parametrize("role, needs", ROLE_NEEDS)
def test_no_role_grants_table_actions_its_code_never_calls(template, role, needs):
    """Least privilege both ways for DynamoDB: nothing granted that no code path calls."""
    have = {a for a in granted(template["Resources"][role]) if a.startswith("dynamodb:")}
    extra = have - set(needs())
    assert not extra, f"{role} grants {sorted(extra)} that its code never calls"


def test_the_readers_see_the_known_calls():
    api, worker = api_needs(), worker_needs()
    assert {"dynamodb:PutItem", "dynamodb:Query", "s3:PutObject", "s3:ListBucket", "ssm:GetParameter"} <= set(api)
    assert {"s3:GetObject", "s3:PutObject", "dynamodb:UpdateItem"} <= set(worker)
    assert "dynamodb:Query" in worker  # a book's shards, listed for its index (chalicelib.jobs.shards)
    assert "s3:DeleteObject" in worker  # a job deleted mid-processing: its outputs are removed


def _text(res) -> str:
    return json.dumps(res)


def test_roles_keep_to_their_part_of_the_data(template):
    api = granted(template["Resources"]["ApiRole"])
    worker = granted(template["Resources"]["WorkerRole"])
    # The worker: reads uploads (and what its earlier turns stored), writes results, one table,
    # never deletes an upload (only the outputs of a job deleted while it was processing), and
    # invokes nothing but itself.
    assert all(resources.UPLOAD_PREFIX in _text(r) or resources.RESULT_PREFIX in _text(r)
               for r in worker["s3:GetObject"])
    assert all(_text(r).endswith('-worker"}') for r in worker["lambda:InvokeFunction"])
    assert all(resources.RESULT_PREFIX in _text(r) for r in worker["s3:PutObject"])
    assert all(resources.RESULT_PREFIX in _text(r) and resources.UPLOAD_PREFIX not in _text(r)
               for r in worker["s3:DeleteObject"])
    assert all("JobsTable" in _text(r) or "ShardsTable" in _text(r) for a, rs in worker.items()
               if a.startswith("dynamodb:") and a not in ("dynamodb:GetItem", "dynamodb:UpdateItem") for r in rs)
    assert all("ShardsTable" in _text(r) for r in worker["dynamodb:Query"])  # never the jobs or auth table
    # Of the auth table, the worker reads accounts' pronunciations only (LEXICON# items, never USER items)
    # and counts pages read, and a file read by link, on accounts' usage (USAGE# items only).
    lexicon, voices, counted = [st for st in template["Resources"]["WorkerRole"]["Properties"]["Policies"][0]
                                ["PolicyDocument"]["Statement"] if "AuthTable" in _text(st.get("Resource"))]
    assert lexicon["Action"] == voices["Action"] == "dynamodb:GetItem"
    assert lexicon["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["LEXICON#*"]}}
    # ...and of USER items the account's voices alone (never the password hash)
    assert voices["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["USER#*"]},
                                   "ForAllValues:StringEquals": {"dynamodb:Attributes": ["pk", "voices"]},
                                   "StringEqualsIfExists": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"}}
    assert counted["Action"] == ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    assert counted["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["USAGE#*"]}}
    from chalicelib.auth import pronunciations, usage, users

    assert list(users.VOICE_ATTRIBUTES) == voices["Condition"]["ForAllValues:StringEquals"]["dynamodb:Attributes"]
    assert pronunciations.key("u1") == "LEXICON#u1"
    assert usage.key("u1") == "USAGE#u1" and usage.gone_key("u1", "j").startswith("USAGE#")
    assert "ssm:GetParameter" not in worker
    # The API: its presigned POSTs can only create uploads (not results); no table scans.
    assert all(resources.UPLOAD_PREFIX in _text(r) for r in api["s3:PutObject"])
    assert "dynamodb:Scan" not in api
    assert all("JwtSecretParameterName" in _text(r) for r in api["ssm:GetParameter"])
    for rs in (api, worker):
        for action, res in rs.items():
            assert all(r != "*" for r in res), f"{action} on *"


ROLES = ("ApiRole", "WorkerRole", "SweepRole", "TasksRole")


def tpl_objects(prefix: str) -> dict:
    return template_module.sub(f"{template_module.DATA_BUCKET_ARN}/{prefix}*")


def test_only_the_tasks_function_sends_mail_and_only_as_pagevoices_identity(template):
    tasks = granted(template["Resources"]["TasksRole"])
    assert tasks["ses:SendEmail"] == [{"Fn::Sub": template_module.MAIL_IDENTITY_ARN}]
    assert "${MailIdentity}" in template_module.MAIL_IDENTITY_ARN and "*" not in template_module.MAIL_IDENTITY_ARN
    assert not [a for a in tasks if a.startswith("ses:") and a != "ses:SendEmail"]
    for role in set(ROLES) - {"TasksRole"}:
        assert not [a for a in granted(template["Resources"][role]) if a.startswith("ses:")], role
    assert "ses:SendEmail" in tasks_needs()  # the reader sees the mail code


def test_only_the_api_enqueues_tasks_and_only_the_tasks_function_consumes_them(template):
    queue = {"Fn::GetAtt": [template_module.TASKS_QUEUE, "Arn"]}
    on_queue = {role: sorted(a for a, rs in granted(template["Resources"][role]).items() if queue in rs)
                for role in ROLES}
    assert on_queue == {
        "ApiRole": ["sqs:GetQueueUrl", "sqs:SendMessage"], "WorkerRole": [], "SweepRole": [],
        "TasksRole": ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                      "sqs:ReceiveMessage"]}
    assert {"sqs:SendMessage", "sqs:GetQueueUrl"} <= set(api_needs())


def test_the_tasks_function_keeps_to_its_part_of_the_data(template):
    tasks = granted(template["Resources"]["TasksRole"])
    # Reads results (an export's files), writes only exports and jobs' books (results/*/book-*,
    # chalicelib.books.export) and voices' samples, deletes what erasing an account removes.
    from chalicelib.books import export as books

    samples = tpl_objects(resources.SAMPLE_PREFIX)
    assert sorted(map(_text, tasks["s3:GetObject"])) == sorted(map(_text, [tpl_objects(resources.RESULT_PREFIX), samples]))
    assert template_module.BOOK_FILES.endswith(f"/{books.FILE_PREFIX}")
    writes = sorted(map(_text, [tpl_objects(resources.EXPORT_PREFIX),
                                tpl_objects(resources.RESULT_PREFIX + template_module.BOOK_FILES)]))
    # (both go up in parts past 8 MB: a failed upload is aborted where it is written; a sample is small)
    assert sorted(map(_text, tasks["s3:PutObject"])) == sorted([*writes, _text(samples)])
    assert sorted(map(_text, tasks["s3:AbortMultipartUpload"])) == writes
    assert "s3:PutObjectTagging" not in tasks and "dynamodb:Scan" not in tasks
    # Tables, not their indexes.
    for action, rs in tasks.items():
        if action.startswith("dynamodb:"):
            assert all("/index/" not in _text(r) for r in rs), action
    assert "ssm:GetParameter" not in tasks and "lambda:InvokeFunction" not in tasks
    for action, rs in tasks.items():
        assert all(r != "*" for r in rs), f"{action} on *"


def test_the_api_presigns_and_replaces_exports_but_never_writes_them(template):
    api = granted(template["Resources"]["ApiRole"])
    assert tpl_objects(resources.EXPORT_PREFIX) in api["s3:GetObject"]
    assert tpl_objects(resources.EXPORT_PREFIX) in api["s3:DeleteObject"]
    assert tpl_objects(resources.EXPORT_PREFIX) not in api["s3:PutObject"]


def test_only_the_tasks_function_writes_voices_samples_and_the_api_only_reads_them(template):
    samples = tpl_objects(resources.SAMPLE_PREFIX)
    for role in ROLES:
        actions = sorted(a for a, rs in granted(template["Resources"][role]).items() if samples in rs)
        assert actions == {"ApiRole": ["s3:GetObject"], "TasksRole": ["s3:GetObject", "s3:PutObject"]}.get(role, []), role


def test_the_sweep_reads_the_accounts_index_and_writes_only_erase_markers_and_usage_of_the_auth_table(template):
    from chalicelib.auth import users

    assert template_module.ACCOUNTS_INDEX == users.SWEEP_INDEX
    index = resources.TABLES["AuthTable"]["indexes"][users.SWEEP_INDEX]
    assert index["include"] == ["retention_days"]  # so the sweep never reads a USER item (its password hash)
    sweep = granted(template["Resources"]["SweepRole"])
    on_auth = sorted(a for a, rs in sweep.items() for r in rs if "AuthTable" in _text(r))
    assert on_auth == ["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"]
    assert template_module.sub(f"${{AuthTable.Arn}}/index/{users.SWEEP_INDEX}") in sweep["dynamodb:Query"]
    assert {"Fn::GetAtt": ["AuthTable", "Arn"]} not in sweep["dynamodb:Query"]
    [delete] = [st for st in template["Resources"]["SweepRole"]["Properties"]["Policies"][0]["PolicyDocument"]
                ["Statement"] if "AuthTable" in _text(st.get("Resource")) and "dynamodb:DeleteItem" in _text(st["Action"])]
    assert delete["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["ERASE#*"]}}
    # A job deleted past its retention comes off its account's storage (USAGE# items only).
    [usage] = [st for st in template["Resources"]["SweepRole"]["Properties"]["Policies"][0]["PolicyDocument"]
               ["Statement"] if "AuthTable" in _text(st.get("Resource")) and "dynamodb:PutItem" in _text(st["Action"])]
    assert usage["Action"] == ["dynamodb:PutItem", "dynamodb:UpdateItem"]
    assert usage["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["USAGE#*"]}}


# ---- Permissions AWS requires on top of an operation's own action, depending on its arguments
# (from the S3 and DynamoDB documentation: CopyObject, PutObject, GetObject, Query, SSE-KMS).

ROLE_ROOTS = [("ApiRole", api_roots), ("WorkerRole", worker_roots), ("SweepRole", sweep_roots),
              ("TasksRole", tasks_roots)]


def _kw(call: ast.Call) -> dict[str, ast.AST]:
    return {k.arg: k.value for k in call.keywords if k.arg}


def _const(node) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def conditional_needs(call: ast.Call) -> set[str]:
    """The extra actions one boto3 call needs because of the arguments it passes."""
    op, kw = call.func.attr, _kw(call)
    extra_args = kw.get("ExtraArgs")  # upload_fileobj's dict of put_object arguments
    if isinstance(extra_args, ast.Dict):
        kw.update({_const(k): v for k, v in zip(extra_args.keys, extra_args.values, strict=True)})
    needs = set()
    # CopyObject copies the source's tags unless TaggingDirective is REPLACE: then it needs
    # s3:GetObjectTagging on the source and s3:PutObjectTagging on the copy.
    if op == "copy_object" and _const(kw.get("TaggingDirective")) != "REPLACE":
        needs |= {"s3:GetObjectTagging", "s3:PutObjectTagging"}
    if "Tagging" in kw and op in ("copy_object", "put_object", "upload_fileobj", "create_multipart_upload"):
        needs.add("s3:PutObjectTagging")  # tags set with the write
    if "VersionId" in kw:  # a specific version: its own action
        needs.add({"get_object": "s3:GetObjectVersion", "head_object": "s3:GetObjectVersion",
                   "delete_object": "s3:DeleteObjectVersion"}.get(op, "s3:GetObjectVersion"))
    if _const(kw.get("ServerSideEncryption")) in ("aws:kms", "aws:kms:dsse") or "SSEKMSKeyId" in kw:
        needs |= {"kms:GenerateDataKey", "kms:Decrypt"}  # SSE-KMS writes (multipart reads back too)
    return needs


def role_code(roots) -> list[ast.AST]:
    visited: list[ast.AST] = []
    reach(roots(), visited)
    return [n for top in visited for n in ast.walk(top)]


def role_calls(roots) -> list[ast.Call]:
    return [n for n in role_code(roots)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in OPS]


@pytest.mark.parametrize("role, roots", ROLE_ROOTS)
def test_each_role_grants_what_its_calls_arguments_require(template, role, roots):
    have = granted(template["Resources"][role])
    missing = {}
    for call in role_calls(roots):
        for action in conditional_needs(call) - set(have):
            missing.setdefault(action, []).append(f"{call.func.attr} at line {call.lineno}")
    assert not missing, f"{role} lacks what AWS requires for these calls' arguments: {missing}"


def test_the_workers_copy_of_an_upload_does_not_copy_its_tags():
    """The upload carries the pending tag; the worker's copy replaces tags (so it needs no
    tagging permission), rather than its role being granted both tagging actions."""
    copies = [c for c in role_calls(worker_roots) if c.func.attr == "copy_object"]
    assert copies, "the worker makes no copy_object call: is the code reader broken?"
    for call in copies:
        assert _const(_kw(call).get("TaggingDirective")) == "REPLACE" and "Tagging" not in _kw(call), \
            f"copy_object at line {call.lineno} copies tags"


def test_the_conditional_rules_catch_what_aws_would_refuse():
    call = ast.parse("s3.copy_object(Bucket=b, Key=k, CopySource=src)").body[0].value
    assert conditional_needs(call) == {"s3:GetObjectTagging", "s3:PutObjectTagging"}
    call = ast.parse('s3.copy_object(Bucket=b, Key=k, CopySource=src, TaggingDirective="REPLACE")').body[0].value
    assert conditional_needs(call) == set()
    call = ast.parse('s3.put_object(Bucket=b, Key=k, Body=x, Tagging="a=b", ServerSideEncryption="aws:kms")'
                     ).body[0].value
    assert conditional_needs(call) == {"s3:PutObjectTagging", "kms:GenerateDataKey", "kms:Decrypt"}


def test_the_presigned_upload_form_with_tags_is_covered_by_the_api_role(template):
    # The form carries a `tagging` field (resources.pending_upload_tagging): a POST with tags
    # needs s3:PutObjectTagging as well as s3:PutObject.
    if resources.pending_upload_tagging():
        have = granted(template["Resources"]["ApiRole"])
        assert "s3:PutObjectTagging" in have
        assert all(resources.UPLOAD_PREFIX in _text(r) for r in have["s3:PutObjectTagging"])


def kms_gaps(template) -> list[str]:
    """With SSE-KMS as the data bucket's default encryption, every role writing objects needs
    kms:GenerateDataKey and every role reading them kms:Decrypt (on the key)."""
    rules = template["Resources"]["DataBucket"]["Properties"]["BucketEncryption"][
        "ServerSideEncryptionConfiguration"]
    if not any(r["ServerSideEncryptionByDefault"]["SSEAlgorithm"].startswith("aws:kms") for r in rules):
        return []
    gaps = []
    for role in ("ApiRole", "WorkerRole", "SweepRole", "TasksRole"):
        have = granted(template["Resources"][role])
        if "s3:PutObject" in have and "kms:GenerateDataKey" not in have:
            gaps.append(f"{role}: kms:GenerateDataKey")
        if "s3:GetObject" in have and "kms:Decrypt" not in have:
            gaps.append(f"{role}: kms:Decrypt")
    return gaps


def test_bucket_encryption_needs_no_grant_the_roles_lack(template):
    assert kms_gaps(template) == []
    # Were the bucket switched to a KMS key, the roles would need the key too: caught here.
    config = template["Resources"]["DataBucket"]["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    config[0]["ServerSideEncryptionByDefault"] = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/x"}
    assert "WorkerRole: kms:Decrypt" in kms_gaps(template)


def test_the_jwt_secrets_kms_key_is_granted_when_configured(template):
    # A SecureString under a customer-managed key: GetParameter(WithDecryption) needs kms:Decrypt on it.
    statements = template["Resources"]["ApiRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    conditional = [st["Fn::If"] for st in statements if "Fn::If" in st]
    assert any(c[0] == "HasJwtKmsKey" and c[1]["Action"] == "kms:Decrypt"
               and c[1]["Resource"] == {"Ref": "JwtSecretKmsKeyArn"} for c in conditional)


def test_queries_on_an_index_are_granted_on_the_index(template):
    # A Query or Scan naming IndexName (as a keyword or in a dict of arguments) is authorized on
    # `table/<table>/index/<index>`, which a grant on the table alone does not cover.
    for role, roots in ROLE_ROOTS:
        code = role_code(roots)
        names_index = any(isinstance(n, ast.keyword) and n.arg == "IndexName" for n in code) or any(
            isinstance(n, ast.Dict) and any(_const(k) == "IndexName" for k in n.keys) for n in code)
        have = granted(template["Resources"][role])
        on_index = "/index/" in _text(have.get("dynamodb:Query", []) + have.get("dynamodb:Scan", []))
        assert names_index == on_index, f"{role}: queries an index: {names_index}, granted on one: {on_index}"
