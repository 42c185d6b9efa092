"""Deploy one stage to AWS: `make deploy STAGE=prod DOMAIN=... CERTIFICATE_ARN=...`.

`make package` has written the template (build/package/sam.yaml) and the Lambda zip. In
order, this script:

1. creates the secrets that are absent (SSM Parameter Store SecureString under
   /mentorat/<stage>/: SECRET_KEY, ADMIN_TOKEN), random, never printed; existing ones
   are kept, so a redeploy never logs anyone out or breaks a link;
2. uploads the zip and the template to an artifact bucket (created once, private,
   encrypted) and creates or updates the CloudFormation stack through a change set;
3. does what CloudFormation cannot: activates the stack's SES receipt rule set, and
   loads the seed directory (chalicelib/data/directory.json) when the table's directory
   is empty (a directory an operator replaced is kept).

It prints names, ARNs and outcomes only. `--rotate-secret-key` moves the current
SECRET_KEY into PREVIOUS_SECRET_KEYS (links already sent keep working) and draws a new one.
"""

from __future__ import annotations

import argparse
import hashlib
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Created by the deploy when absent. PREVIOUS_SECRET_KEYS and PARTNER_TOKENS are optional
# (SSM refuses empty values): created by --rotate-secret-key, or by an operator.
GENERATED_SECRETS = ("SECRET_KEY", "ADMIN_TOKEN")


def secrets_path(stage: str) -> str:
    return f"/mentorat/{stage}"


def ensure_secrets(ssm: Any, path: str, token: Callable[[], str] = lambda: secrets.token_urlsafe(48)) -> list[str]:
    """Create each absent generated secret; returns the names created (never a value)."""
    created = []
    for name in GENERATED_SECRETS:
        try:
            ssm.put_parameter(Name=f"{path}/{name}", Value=token(), Type="SecureString", Overwrite=False)
            created.append(name)
        except ssm.exceptions.ParameterAlreadyExists:
            pass
    return created


def rotate_secret_key(
    ssm: Any, path: str, keep: int = 2, token: Callable[[], str] = lambda: secrets.token_urlsafe(48)
) -> None:
    """New SECRET_KEY; the old one joins PREVIOUS_SECRET_KEYS (the newest `keep` are kept)."""
    current = ssm.get_parameter(Name=f"{path}/SECRET_KEY", WithDecryption=True)["Parameter"]["Value"]
    try:
        previous = ssm.get_parameter(Name=f"{path}/PREVIOUS_SECRET_KEYS", WithDecryption=True)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        previous = ""
    kept = [current, *[k for k in previous.split(",") if k and k != current]][:keep]
    ssm.put_parameter(Name=f"{path}/PREVIOUS_SECRET_KEYS", Value=",".join(kept), Type="SecureString", Overwrite=True)
    ssm.put_parameter(Name=f"{path}/SECRET_KEY", Value=token(), Type="SecureString", Overwrite=True)


def ensure_artifact_bucket(s3: Any, name: str, region: str) -> None:
    try:
        s3.head_bucket(Bucket=name)
        return
    except s3.exceptions.ClientError:
        pass
    kwargs: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**kwargs)
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )


def upload_artifacts(s3: Any, bucket: str, template_path: Path, prefix: str) -> str:
    """Uploads the zip (key by content hash) and the template naming it; returns the template URL."""
    template = template_path.read_text(encoding="utf-8")
    package_dir = template_path.parent
    for zip_path in sorted(package_dir.glob("*.zip")):
        data = zip_path.read_bytes()
        key = f"{prefix}/{hashlib.sha256(data).hexdigest()}.zip"
        s3.put_object(Bucket=bucket, Key=key, Body=data)
        # Chalice writes `CodeUri: ./deployment.zip`; CloudFormation needs the S3 location.
        template = template.replace(f"./{zip_path.name}", f"s3://{bucket}/{key}")
    key = f"{prefix}/{hashlib.sha256(template.encode()).hexdigest()}.yaml"
    s3.put_object(Bucket=bucket, Key=key, Body=template.encode("utf-8"))
    return f"https://{bucket}.s3.amazonaws.com/{key}"


def deploy_stack(cfn: Any, stack: str, template_url: str, parameters: dict[str, str]) -> dict[str, str]:
    """Create or update the stack with a change set; returns its outputs."""
    try:
        cfn.describe_stacks(StackName=stack)
        change_type = "UPDATE"
    except cfn.exceptions.ClientError:
        change_type = "CREATE"
    name = f"deploy-{int(time.time())}"
    cfn.create_change_set(
        StackName=stack,
        ChangeSetName=name,
        ChangeSetType=change_type,
        TemplateURL=template_url,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    try:
        cfn.get_waiter("change_set_create_complete").wait(StackName=stack, ChangeSetName=name)
    except Exception:
        status = cfn.describe_change_set(StackName=stack, ChangeSetName=name)
        if "didn't contain changes" in status.get("StatusReason", "") or "No updates" in status.get("StatusReason", ""):
            print("stack: no change")
            return stack_outputs(cfn, stack)
        raise
    cfn.execute_change_set(StackName=stack, ChangeSetName=name)
    waiter = "stack_create_complete" if change_type == "CREATE" else "stack_update_complete"
    cfn.get_waiter(waiter).wait(StackName=stack, WaiterConfig={"Delay": 15, "MaxAttempts": 240})
    print(f"stack: {change_type.lower()} complete")
    return stack_outputs(cfn, stack)


def stack_outputs(cfn: Any, stack: str) -> dict[str, str]:
    found = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs", [])}


def activate_rule_set(ses: Any, rule_set: str) -> bool:
    """Make the stack's receipt rule set the active one; True when it changed."""
    active = ses.describe_active_receipt_rule_set().get("Metadata", {}).get("Name")
    if active == rule_set:
        return False
    ses.set_active_receipt_rule_set(RuleSetName=rule_set)
    return True


def seed_directory(dynamodb: Any, table: str) -> int:
    """Load the seed directory into an empty one; returns how many entries were loaded."""
    from chalicelib.adapters.dynamodb import DynamoDirectoryStore, DynamoMailLogStore, DynamoTable
    from chalicelib.services.directory import DirectoryService
    from local.setup import seed_entries

    on_table = DynamoTable(table, lambda: dynamodb)
    directory = DirectoryService(
        store=DynamoDirectoryStore(on_table),
        mail_log=DynamoMailLogStore(on_table),
        monotonic=time.monotonic,
        ttl_seconds=0.0,
    )
    if directory.entries():
        return 0
    return directory.replace(seed_entries())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--region", required=True, help="a region with SES receiving (docs/deploy.md)")
    parser.add_argument("--template", default="build/package/sam.yaml", type=Path)
    parser.add_argument("--stack-name", help="default mentorat-<stage>")
    parser.add_argument("--artifact-bucket", help="default mentorat-artifacts-<account>-<region>")
    parser.add_argument("--domain", required=True, help="public host name, e.g. mentorat.example.org")
    parser.add_argument("--certificate-arn", required=True, help="ACM certificate of --domain, same region")
    parser.add_argument("--mail-domain", help="SES identity the service sends from (template default: lementorat.fr)")
    parser.add_argument("--mail-from", help="From header (template default)")
    parser.add_argument("--intake-addresses", help="comma separated (template default: urgence@lementorat.fr)")
    parser.add_argument("--alarm-email", help="address subscribed to the alarms")
    parser.add_argument("--rotate-secret-key", action="store_true", help="only rotate SECRET_KEY, then stop")
    args = parser.parse_args(argv)
    if not args.domain or not args.certificate_arn:
        parser.error("--domain and --certificate-arn are required (make deploy DOMAIN=... CERTIFICATE_ARN=...)")

    import boto3

    session = boto3.session.Session(region_name=args.region)
    path = secrets_path(args.stage)
    ssm = session.client("ssm")
    if args.rotate_secret_key:
        rotate_secret_key(ssm, path)
        print(f"{path}/SECRET_KEY rotated; redeploy (or wait for new Lambda instances) to use it")
        return
    created = ensure_secrets(ssm, path)
    print(f"secrets under {path}: " + (f"created {', '.join(created)}" if created else "all present"))

    account = session.client("sts").get_caller_identity()["Account"]
    stack = args.stack_name or f"mentorat-{args.stage}"
    bucket = args.artifact_bucket or f"mentorat-artifacts-{account}-{args.region}"
    s3 = session.client("s3")
    ensure_artifact_bucket(s3, bucket, args.region)
    template_url = upload_artifacts(s3, bucket, args.template, stack)
    parameters = {"DomainName": args.domain, "CertificateArn": args.certificate_arn, "SecretsPath": path}
    optional = {
        "MailDomain": args.mail_domain,
        "MailFrom": args.mail_from,
        "IntakeAddresses": args.intake_addresses,
        "AlarmEmail": args.alarm_email,
    }
    parameters.update({k: v for k, v in optional.items() if v})
    outputs = deploy_stack(session.client("cloudformation"), stack, template_url, parameters)

    if activate_rule_set(session.client("ses"), outputs["ReceiptRuleSetName"]):
        print(f"receipt rule set {outputs['ReceiptRuleSetName']}: activated")
    seeded = seed_directory(session.client("dynamodb"), outputs["TableName"])
    print(f"directory: {f'seeded with {seeded} associations' if seeded else 'kept as it is'}")
    print(f"point {args.domain} (CNAME) to {outputs['DomainTarget']}; the service is {outputs['PublicURL']}")


if __name__ == "__main__":
    main()
