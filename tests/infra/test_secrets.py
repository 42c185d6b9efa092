"""Secrets in AWS: read from SSM Parameter Store, never the public default (moto SSM)."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from chalicelib.config import PUBLIC_DEFAULT_SECRET_KEY, InsecureSettings, Settings

STRONG = "k" * 48


@pytest.fixture
def ssm():
    from aws_lambda_powertools.utilities import parameters

    with mock_aws():
        # Powertools keeps one provider (and its boto3 client) per process: start afresh
        # inside the mock, and leave no cached value to other tests.
        parameters.base.DEFAULT_PROVIDERS.clear()
        yield boto3.client("ssm", region_name="eu-west-3")
        parameters.clear_caches()
        parameters.base.DEFAULT_PROVIDERS.clear()


def prod_env(**extra):
    return {"STAGE": "prod", "TABLE_NAME": "t", "AWS_DEFAULT_REGION": "eu-west-3", **extra}


def put(ssm, name, value):
    ssm.put_parameter(Name=f"/mentorat/prod/{name}", Value=value, Type="SecureString")


def test_prod_reads_its_secrets_from_parameter_store(ssm):
    put(ssm, "SECRET_KEY", STRONG)
    put(ssm, "ADMIN_TOKEN", "admin-from-ssm")
    put(ssm, "PREVIOUS_SECRET_KEYS", "old-key-1,old-key-2")
    put(ssm, "PARTNER_TOKENS", "p1,p2")
    ssm.put_parameter(Name="/mentorat/prod/UNRELATED", Value="x", Type="String")
    settings = Settings.from_env(prod_env(SECRETS_PATH="/mentorat/prod", SECRET_KEY="ignored-env-value" * 3))
    assert settings.secret_key == STRONG  # the store wins over the environment
    assert settings.admin_token == "admin-from-ssm"
    assert settings.previous_secret_keys == ("old-key-1", "old-key-2")
    assert settings.partner_tokens == ("p1", "p2")


def test_secrets_are_cached_between_reads(ssm):
    put(ssm, "SECRET_KEY", STRONG)
    put(ssm, "ADMIN_TOKEN", "admin")
    env = prod_env(SECRETS_PATH="/mentorat/prod")
    Settings.from_env(env)
    ssm.delete_parameter(Name="/mentorat/prod/SECRET_KEY")
    assert Settings.from_env(env).secret_key == STRONG  # no second call to SSM within max_age


def test_prod_refuses_to_start_on_the_public_default_key():
    with pytest.raises(InsecureSettings, match="SECRET_KEY"):
        Settings.from_env(prod_env(SECRET_KEY=PUBLIC_DEFAULT_SECRET_KEY, ADMIN_TOKEN="a"))
    with pytest.raises(InsecureSettings, match="SECRET_KEY"):
        Settings.from_env(prod_env(ADMIN_TOKEN="a"))  # nothing set: the default again
    with pytest.raises(InsecureSettings, match="ADMIN_TOKEN"):
        Settings.from_env(prod_env(SECRET_KEY=STRONG))


def test_prod_refuses_to_start_when_the_store_lacks_the_key(ssm):
    put(ssm, "ADMIN_TOKEN", "admin")
    with pytest.raises(InsecureSettings):
        Settings.from_env(prod_env(SECRETS_PATH="/mentorat/prod"))


def test_the_local_stack_still_runs_on_the_default_and_its_environment():
    settings = Settings.from_env({"STAGE": "local"})
    assert settings.secret_key == PUBLIC_DEFAULT_SECRET_KEY
    assert Settings.from_env({"SECRET_KEY": "mine", "ADMIN_TOKEN": "t"}).secret_key == "mine"


def test_the_app_with_prod_settings_and_the_public_key_refuses_every_request(monkeypatch):
    from chalice.test import Client

    import app as application
    from chalicelib import bootstrap

    for name in ("SECRETS_PATH", "SECRET_KEY", "DYNAMODB_ENDPOINT", "DYNAMODB_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.setenv("ADMIN_TOKEN", "an-admin-token")
    monkeypatch.setenv("TABLE_NAME", "t")
    bootstrap.set_services(None)
    try:
        with pytest.raises(InsecureSettings):
            bootstrap.services()
        with Client(application.app) as client:
            response = client.http.get("/demande")
        assert response.status_code == 500
        assert b"MNT-" not in response.body and b"<form" not in response.body
        monkeypatch.setenv("SECRET_KEY", STRONG)
        assert bootstrap.services().settings.secret_key == STRONG  # a real key: it starts
    finally:
        bootstrap.set_services(None)
