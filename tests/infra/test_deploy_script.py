"""scripts/deploy.py, the steps CloudFormation cannot do (moto SSM/SES/S3, DynamoDB Local)."""

from __future__ import annotations

import sys

import boto3
import pytest
from moto import mock_aws

from tests.builders import ROOT, make_services

sys.path.insert(0, str(ROOT / "scripts"))
import deploy


@pytest.fixture
def aws():
    with mock_aws():
        yield


def test_absent_secrets_are_created_random_and_present_ones_kept(aws, capsys):
    ssm = boto3.client("ssm", region_name="eu-west-3")
    ssm.put_parameter(Name="/mentorat/prod/ADMIN_TOKEN", Value="kept-admin-token", Type="SecureString")
    assert deploy.ensure_secrets(ssm, "/mentorat/prod") == ["SECRET_KEY"]
    key = ssm.get_parameter(Name="/mentorat/prod/SECRET_KEY", WithDecryption=True)["Parameter"]
    assert key["Type"] == "SecureString" and len(key["Value"]) >= 48
    assert (
        ssm.get_parameter(Name="/mentorat/prod/ADMIN_TOKEN", WithDecryption=True)["Parameter"]["Value"]
        == "kept-admin-token"
    )
    assert deploy.ensure_secrets(ssm, "/mentorat/prod") == []  # a redeploy changes nothing
    assert key["Value"] not in capsys.readouterr().out


def test_rotation_keeps_the_old_key_verifying_links(aws):
    ssm = boto3.client("ssm", region_name="eu-west-3")
    deploy.ensure_secrets(ssm, "/mentorat/prod")
    first = ssm.get_parameter(Name="/mentorat/prod/SECRET_KEY", WithDecryption=True)["Parameter"]["Value"]
    deploy.rotate_secret_key(ssm, "/mentorat/prod")
    deploy.rotate_secret_key(ssm, "/mentorat/prod")
    values = {
        n: ssm.get_parameter(Name=f"/mentorat/prod/{n}", WithDecryption=True)["Parameter"]["Value"]
        for n in ("SECRET_KEY", "PREVIOUS_SECRET_KEYS")
    }
    previous = values["PREVIOUS_SECRET_KEYS"].split(",")
    assert len(previous) == 2 and previous[1] == first and values["SECRET_KEY"] not in previous


def test_the_receipt_rule_set_is_activated_once(aws):
    ses = boto3.client("ses", region_name="eu-west-3")
    ses.create_receipt_rule_set(RuleSetName="mentorat-prod-inbound")
    assert deploy.activate_rule_set(ses, "mentorat-prod-inbound") is True
    assert ses.describe_active_receipt_rule_set()["Metadata"]["Name"] == "mentorat-prod-inbound"
    assert deploy.activate_rule_set(ses, "mentorat-prod-inbound") is False


def test_the_artifacts_go_to_a_private_bucket_and_the_template_names_the_uploaded_zip(aws, tmp_path):
    s3 = boto3.client("s3", region_name="eu-west-3")
    (tmp_path / "deployment.zip").write_bytes(b"zip bytes")
    (tmp_path / "sam.yaml").write_text("Resources:\n  F:\n    Properties:\n      CodeUri: ./deployment.zip\n")
    deploy.ensure_artifact_bucket(s3, "artifacts", "eu-west-3")
    deploy.ensure_artifact_bucket(s3, "artifacts", "eu-west-3")  # twice: no error
    block = s3.get_public_access_block(Bucket="artifacts")["PublicAccessBlockConfiguration"]
    assert all(block.values())
    url = deploy.upload_artifacts(s3, "artifacts", tmp_path / "sam.yaml", "mentorat-prod")
    key = url.split(".amazonaws.com/")[1]
    template = s3.get_object(Bucket="artifacts", Key=key)["Body"].read().decode()
    (zip_uri,) = [line.split("CodeUri: ")[1] for line in template.splitlines() if "CodeUri" in line]
    assert s3.get_object(Bucket="artifacts", Key=zip_uri.removeprefix("s3://artifacts/"))["Body"].read() == b"zip bytes"


def test_the_seed_directory_fills_an_empty_directory_only(settings, dynamodb_endpoint):
    s = make_services(settings, directory=[])
    client = s.table.client
    assert deploy.seed_directory(client, settings.table_name) > 20
    assert len(s.directory.entries()) > 20
    from tests.builders import association

    s.directory.replace([association("only-asso")])
    assert deploy.seed_directory(client, settings.table_name) == 0  # an operator's directory is kept
    assert [a["id"] for a in s.directory.entries()] == ["only-asso"]
