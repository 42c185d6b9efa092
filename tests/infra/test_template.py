"""The template `make package` writes: the wiring that linters cannot see.

A new function needs a role in infra/template.yaml and a line in FUNCTION_ACTIONS below,
or these tests say which.
"""

from __future__ import annotations

import ast
import json
import re

import pytest

from chalicelib.adapters.dynamodb import table_definition
from chalicelib.adapters.mail_stream import FILTER_PATTERN
from chalicelib.config import PUBLIC_DEFAULT_SECRET_KEY, SECRET_NAMES
from tests.builders import ROOT

# Every data-plane call the store makes, as IAM actions.
TABLE_WRITES = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"}
SEND = {"ses:SendEmail", "ses:SendRawEmail"}  # SES v2 SendEmail with raw content
START = {"logs:CreateLogStream", "logs:PutLogEvents", "ssm:GetParametersByPath"}  # own logs, secrets at start
# The outbox use case: claim and mark (UpdateItem), due mails (Query), and the timeline
# event of a mail given up (a transaction: Update of the request + Put of the event).
OUTBOX = {"dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:PutItem"}
# What the event source mapping reads the table's stream with, as the function's role.
STREAM_READ = {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}

# What each function's code reaches, and nothing more.
FUNCTION_ACTIONS = {
    # forms, API, answer links, directory replacement (DeleteItem), /health (DescribeTable)
    # and the console's quarantine (raw mail read, reprocessed, deleted)
    # and an erasure's long timeline (BatchWriteItem)
    "APIHandler": START
    | SEND
    | TABLE_WRITES
    | {"dynamodb:DeleteItem", "dynamodb:DescribeTable", "s3:GetObject", "s3:DeleteObject", "dynamodb:BatchWriteItem"},
    # SQS -> raw mail in S3 -> the intake use case (acknowledgement mail); raw mail kept
    # for nothing deleted (automatic mail once handled, a reply to an erased request)
    "InboundMail": START
    | SEND
    | TABLE_WRITES
    | {
        "s3:GetObject",
        "s3:DeleteObject",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "kms:Decrypt",
    },
    # SES bounce -> route onward (mail to the next association)
    "MailBounced": START | SEND | TABLE_WRITES,
    # the table's stream -> each new mail sent; failed batches to the on-failure queue (KMS-encrypted)
    "MailStream": START | SEND | OUTBOX | STREAM_READ | {"sqs:SendMessage", "kms:GenerateDataKey", "kms:Decrypt"},
    # the outbox sweeper: what the stream missed, retries, attempts cut off
    "SendOutbox": START | SEND | OUTBOX,
    # reminders and rerouting after silence
    "UnansweredRequests": START | SEND | TABLE_WRITES,
    # the operators' daily digest: reads what waits, stores its mails in the outbox (the stream sends them)
    "ConsoleDigest": START | {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"},
}

SETUP_ONLY = {"create_table", "update_table", "update_time_to_live", "get_waiter", "describe_table"}  # local/setup.py
# Run by an operator's own credentials from scripts/recount.py (`make recount`), never by a
# Lambda: its Scan is granted to no function role.
ADMIN_ONLY_MODULES = {"recount.py"}


def resources(template, kind):
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def functions(template):
    return resources(template, "AWS::Serverless::Function")


def statements(role):
    for policy in role["Properties"]["Policies"]:
        yield from policy["PolicyDocument"]["Statement"]


def as_list(value):
    return value if isinstance(value, list) else [value]


def granted(role) -> set[str]:
    return {a for s in statements(role) if s["Effect"] == "Allow" for a in as_list(s["Action"])}


def store_actions() -> set[str]:
    """The DynamoDB IAM actions the chalicelib/adapters/dynamodb/ package needs, read from its code."""
    source = "\n".join(
        p.read_text(encoding="utf-8")
        for p in sorted((ROOT / "chalicelib" / "adapters" / "dynamodb").glob("*.py"))
        if p.name not in ADMIN_ONLY_MODULES
    )
    calls = {
        node.func.attr
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, (ast.Name, ast.Attribute))
        and (getattr(node.func.value, "id", None) == "client" or getattr(node.func.value, "attr", None) == "client")
    }
    actions = {"dynamodb:" + "".join(w.title() for w in c.split("_")) for c in calls - SETUP_ONLY - {"exceptions"}}
    # A transaction is authorised item by item: Put, Update, Delete, ConditionCheck.
    if "dynamodb:TransactWriteItems" in actions:
        actions.discard("dynamodb:TransactWriteItems")
        kinds = set(re.findall(r'"(Put|Update|Delete|ConditionCheck)":', source))
        actions |= {f"dynamodb:{k}Item" for k in kinds}
    return actions


def test_make_package_writes_one_template_and_the_zip_it_names(package_dir, template):
    assert sorted(p.name for p in package_dir.iterdir()) == ["deployment.zip", "sam.yaml"]
    assert {f["Properties"]["CodeUri"] for f in functions(template).values()} == {"./deployment.zip"}


def test_the_queue_reports_partial_batch_failures_and_redrives_to_a_watched_dead_letter_queue(template):
    events = template["Resources"]["InboundMail"]["Properties"]["Events"]
    (source,) = [e["Properties"] for e in events.values() if e["Type"] == "SQS"]
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["Queue"] == {"Fn::GetAtt": ["InboundQueue", "Arn"]}  # one intrinsic, not a mix
    redrive = template["Resources"]["InboundQueue"]["Properties"]["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["InboundDeadLetterQueue", "Arn"]}
    assert 1 <= redrive["maxReceiveCount"] <= 10
    alarms = resources(template, "AWS::CloudWatch::Alarm").values()
    dlq = [
        a["Properties"]
        for a in alarms
        if {"Name": "QueueName", "Value": {"Fn::GetAtt": ["InboundDeadLetterQueue", "QueueName"]}}
        in a["Properties"].get("Dimensions", [])
    ]
    assert len(dlq) == 1 and dlq[0]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert dlq[0]["Threshold"] == 0 and dlq[0]["ComparisonOperator"] == "GreaterThanThreshold"


# What the inbound function's process holds besides the child reading a mail: the app, the
# libraries, a 10 MB mail (about 100 MB measured; twice that, for what is not measured).
INBOUND_PROCESS_MB = 200
STORAGE_SECONDS_PER_MAIL = 3  # S3 read, the intake transaction, the raw mail's quarantine record


def test_the_inbound_function_outlasts_a_batch_of_mails_each_read_within_its_budget(template):
    from chalicelib.config import Settings

    budget = Settings()
    function = template["Resources"]["InboundMail"]["Properties"]
    (source,) = [e["Properties"] for e in function["Events"].values() if e["Type"] == "SQS"]
    # A slow mail is stopped and quarantined: a batch of them must not time the function out,
    # or the queue would deliver the whole batch again.
    assert function["Timeout"] >= source["BatchSize"] * (budget.mail_read_seconds + STORAGE_SECONDS_PER_MAIL)
    assert template["Resources"]["InboundQueue"]["Properties"]["VisibilityTimeout"] >= 6 * function["Timeout"]
    # The child's budget, what it may copy of its parent, and the parent.
    assert function["MemorySize"] >= budget.mail_read_memory_mb + 2 * INBOUND_PROCESS_MB


def test_mail_arrives_through_ses_s3_sns_and_sqs(template):
    r = template["Resources"]
    rule = r["ReceiptRule"]["Properties"]["Rule"]
    assert rule["TlsPolicy"] == "Require" and rule["ScanEnabled"] is True
    (action,) = rule["Actions"]
    assert action["S3Action"]["BucketName"] == {"Ref": "RawMailBucket"}
    assert action["S3Action"]["TopicArn"] == {"Ref": "InboundTopic"}
    assert r["InboundSubscription"]["Properties"] == {
        "TopicArn": {"Ref": "InboundTopic"},
        "Protocol": "sqs",
        "Endpoint": {"Fn::GetAtt": ["InboundQueue", "Arn"]},
    }
    ses_write = next(
        s
        for s in r["RawMailBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Principal") == {"Service": "ses.amazonaws.com"}
    )
    assert ses_write["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    bucket = r["RawMailBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    # Raw mail is deleted after the same retention the functions apply to requests.
    (lifecycle,) = bucket["LifecycleConfiguration"]["Rules"]
    assert lifecycle["ExpirationInDays"] == {"Ref": "RetentionDays"}
    assert template["Globals"]["Function"]["Environment"]["Variables"]["RETENTION_DAYS"] == {"Ref": "RetentionDays"}


def test_bounces_reach_the_bounce_function_through_the_configuration_set(template):
    r = template["Resources"]
    destination = r["MailBounceEvents"]["Properties"]
    assert destination["ConfigurationSetName"] == {"Ref": "MailConfigurationSet"}
    assert set(destination["EventDestination"]["MatchingEventTypes"]) == {"bounce", "complaint"}
    assert destination["EventDestination"]["SnsDestination"]["TopicARN"] == {"Ref": "BounceTopic"}
    (event,) = r["MailBounced"]["Properties"]["Events"].values()
    assert event == {"Type": "SNS", "Properties": {"Topic": {"Ref": "BounceTopic"}}}
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert env["SES_CONFIGURATION_SET"] == {"Ref": "MailConfigurationSet"}


def test_the_table_matches_the_code_and_keeps_its_data(template):
    table = template["Resources"]["Table"]
    props = table["Properties"]
    code = table_definition("x")
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["KeySchema"] == code["KeySchema"]
    assert sorted(props["AttributeDefinitions"], key=str) == sorted(code["AttributeDefinitions"], key=str)
    assert sorted(props["GlobalSecondaryIndexes"], key=lambda i: i["IndexName"]) == sorted(
        code["GlobalSecondaryIndexes"], key=lambda i: i["IndexName"]
    )
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] is True and table["DeletionPolicy"] == "Retain"
    # The stream the mail consumer reads (docs/storage.md).
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}


def test_each_function_has_a_role_of_its_own_allowing_exactly_what_its_code_calls(template):
    fns = functions(template)
    assert set(fns) == set(FUNCTION_ACTIONS), "a function without its line in FUNCTION_ACTIONS, or the reverse"
    roles = resources(template, "AWS::IAM::Role")
    seen = set()
    for name, fn in fns.items():
        role_ref = fn["Properties"]["Role"]
        assert role_ref == {"Fn::GetAtt": [f"{name}Role", "Arn"]}, name
        seen.add(role_ref["Fn::GetAtt"][0])
        role = roles[f"{name}Role"]
        assert granted(role) == FUNCTION_ACTIONS[name], name
        for s in statements(role):
            assert all("*" not in a for a in as_list(s["Action"])), (name, s["Action"])
            assert s["Resource"] != "*" and "*" not in as_list(s["Resource"]), (name, s["Sid"])
    assert len(seen) == len(fns)
    assert set(roles) == seen, "a role no function uses"


def test_table_access_covers_every_call_of_the_store_and_no_more(template):
    roles = resources(template, "AWS::IAM::Role").values()
    table_actions = {a for role in roles for a in granted(role) if a.startswith("dynamodb:")} - STREAM_READ
    assert table_actions == store_actions() | {"dynamodb:DescribeTable"}  # /health
    for role in roles:
        for s in statements(role):
            actions = set(as_list(s["Action"]))
            if actions & STREAM_READ:
                assert actions <= STREAM_READ, s["Sid"]  # never mixed with the table's data
                assert s["Resource"] in ({"Fn::GetAtt": ["Table", "StreamArn"]}, {"Fn::Sub": "${Table.Arn}/stream/*"})
            elif any(a.startswith("dynamodb:") for a in actions):
                assert s["Resource"] == [{"Fn::GetAtt": ["Table", "Arn"]}, {"Fn::Sub": "${Table.Arn}/index/*"}]


def test_the_stream_consumer_sends_new_mails_reports_failures_and_is_watched(template):
    r = template["Resources"]
    (source,) = r["MailStream"]["Properties"]["Events"].values()
    assert source["Type"] == "DynamoDB"
    props = source["Properties"]
    assert props["Stream"] == {"Fn::GetAtt": ["Table", "StreamArn"]}  # one intrinsic, not a mix
    assert r["Table"]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    assert props["StartingPosition"] == "TRIM_HORIZON"
    # Only the failed records come back, a failing batch is split to find the record, and
    # a record that keeps failing ends in the failure queue instead of blocking its shard.
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["BisectBatchOnFunctionError"] is True
    assert 1 <= props["MaximumRetryAttempts"] <= 10
    destination = props["DestinationConfig"]["OnFailure"]
    assert destination["Destination"] == {"Fn::GetAtt": ["MailStreamFailureQueue", "Arn"]}
    queue = r["MailStreamFailureQueue"]
    assert queue["Type"] == "AWS::SQS::Queue" and queue["Properties"]["KmsMasterKeyId"] == {"Ref": "MessagingKey"}
    # The filter lets through what the code sends, and nothing the code would not.
    (flt,) = props["FilterCriteria"]["Filters"]
    assert json.loads(flt["Pattern"]) == FILTER_PATTERN
    # Its role reads this stream only, and sends to this queue only.
    role = r["MailStreamRole"]
    (read,) = [s for s in statements(role) if "dynamodb:GetRecords" in as_list(s["Action"])]
    assert read["Resource"] == {"Fn::GetAtt": ["Table", "StreamArn"]}
    (send,) = [s for s in statements(role) if "sqs:SendMessage" in as_list(s["Action"])]
    assert send["Resource"] == {"Fn::GetAtt": ["MailStreamFailureQueue", "Arn"]}
    (kms,) = [s for s in statements(role) if "kms:GenerateDataKey" in as_list(s["Action"])]
    assert kms["Resource"] == {"Fn::GetAtt": ["MessagingKey", "Arn"]}
    # Watched: its errors, how far behind it reads, and records it gave up.
    alarms = [a["Properties"] for a in resources(template, "AWS::CloudWatch::Alarm").values()]
    on_it = {
        a["MetricName"]
        for a in alarms
        if {"Name": "FunctionName", "Value": {"Ref": "MailStream"}} in a.get("Dimensions", [])
    }
    assert on_it == {"Errors", "IteratorAge"}
    (age,) = [a for a in alarms if a["MetricName"] == "IteratorAge"]
    assert age["Statistic"] == "Maximum" and 0 < age["Threshold"] <= 120_000  # below the sweeper's grace
    queued = [
        a
        for a in alarms
        if {"Name": "QueueName", "Value": {"Fn::GetAtt": ["MailStreamFailureQueue", "QueueName"]}}
        in a.get("Dimensions", [])
    ]
    assert len(queued) == 1 and queued[0]["Threshold"] == 0


def test_the_stream_filter_and_the_code_agree_on_what_is_a_new_mail():
    from chalicelib.adapters.mail_stream import pending_mail_id

    def record(event="INSERT", pk="MAIL#m1", state="pending"):
        return {
            "eventName": event,
            "dynamodb": {"NewImage": {"pk": {"S": pk}, "sk": {"S": "MAIL"}, "state": {"S": state}}},
        }

    assert pending_mail_id(record()) == "m1"
    assert pending_mail_id(record(event="MODIFY")) is None  # a retry is the sweeper's
    assert pending_mail_id(record(state="sent")) is None
    assert pending_mail_id(record(pk="REQ#r1")) is None
    assert FILTER_PATTERN["eventName"] == ["INSERT"]
    image = FILTER_PATTERN["dynamodb"]["NewImage"]
    assert image == {"pk": {"S": [{"prefix": "MAIL#"}]}, "state": {"S": ["pending"]}}


def test_mail_may_be_sent_only_from_the_identity_through_the_configuration_set(template):
    for role in resources(template, "AWS::IAM::Role").values():
        for s in statements(role):
            if set(as_list(s["Action"])) & SEND:
                assert [r["Fn::Sub"] for r in s["Resource"]] == [
                    "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${MailDomain}",
                    "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/${MailConfigurationSet}",
                ]


def test_no_secret_value_in_the_template(template, template_path):
    text = template_path.read_text(encoding="utf-8")
    assert PUBLIC_DEFAULT_SECRET_KEY not in text
    for local_secret in ("secret-key", "admin-token"):  # the local stack's generated ones, if any
        path = ROOT / ".local" / local_secret
        if path.exists() and path.read_text().strip():
            assert path.read_text().strip() not in text
    variables = dict(template["Globals"]["Function"]["Environment"]["Variables"])
    for fn in functions(template).values():
        variables.update(fn["Properties"].get("Environment", {}).get("Variables", {}))
    assert not set(variables) & set(SECRET_NAMES)
    assert not [k for k in variables if re.search(r"SECRET|TOKEN|PASSWORD", k) and k != "SECRETS_PATH"]
    # Only where they are: the SSM path, readable by each role.
    assert variables["SECRETS_PATH"] == {"Ref": "SecretsPath"}


def test_people_use_the_custom_domain_mapped_at_the_root(template):
    r = template["Resources"]
    domain = r["ApiDomain"]["Properties"]
    assert domain["DomainName"] == {"Ref": "DomainName"}
    assert domain["RegionalCertificateArn"] == {"Ref": "CertificateArn"}
    mapping = r["ApiRootMapping"]["Properties"]
    assert "BasePath" not in mapping  # root: /static/site.css and action="/demande" resolve
    assert mapping["RestApiId"] == {"Ref": "RestAPI"}
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert env["PUBLIC_BASE_URL"] == {"Fn::Sub": "https://${DomainName}"}
    (throttle,) = r["RestAPI"]["Properties"]["MethodSettings"]
    assert throttle["ThrottlingRateLimit"] and throttle["ThrottlingBurstLimit"]


def test_alarms_reach_the_alarm_topic(template):
    alarms = {n: a["Properties"] for n, a in resources(template, "AWS::CloudWatch::Alarm").items()}
    assert all(a["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms.values())
    watched = {d["Value"]["Ref"] for a in alarms.values() if a["MetricName"] == "Errors" for d in a["Dimensions"]}
    assert watched == set(functions(template))
    metrics = {(a["Namespace"], a["MetricName"]) for a in alarms.values()}
    assert {
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/SES", "Reputation.BounceRate"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
    } <= metrics


def test_every_function_keeps_its_logs_a_limited_time(template):
    groups = resources(template, "AWS::Logs::LogGroup")
    names = {g["Properties"]["LogGroupName"]["Fn::Sub"] for g in groups.values()}
    expected = {f"/aws/lambda/{fn['Properties']['FunctionName']['Fn::Sub']}" for fn in functions(template).values()}
    assert names == expected
    assert all(0 < g["Properties"]["RetentionInDays"] <= 365 for g in groups.values())


@pytest.mark.parametrize("name", sorted(FUNCTION_ACTIONS))
def test_each_function_may_write_its_own_log_group_only(template, name):
    role = template["Resources"][f"{name}Role"]
    (logs,) = [s for s in statements(role) if "logs:PutLogEvents" in as_list(s["Action"])]
    fn_name = template["Resources"][name]["Properties"]["FunctionName"]["Fn::Sub"]
    assert logs["Resource"]["Fn::Sub"].endswith(f":log-group:/aws/lambda/{fn_name}:*")
