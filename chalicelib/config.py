"""Configuration, read once from the environment (docs/contract.md §1).

Local mode and AWS differ only here and in the adapters `bootstrap` picks from it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .domain.routing import RoutingWeights

# Signs answer links and keys the per-IP counters. It is in the repository, so anyone
# could mint links with it: only the local stack may run on it.
PUBLIC_DEFAULT_SECRET_KEY = "local-dev-secret-change-me"
# Read from SSM Parameter Store (SecureString, under SECRETS_PATH) outside `local`;
# from the environment or `.local/` files on the local stack.
SECRET_NAMES = ("SECRET_KEY", "PREVIOUS_SECRET_KEYS", "ADMIN_TOKEN", "PARTNER_TOKENS")
SECRETS_MAX_AGE_SECONDS = 300
# Settings read as they are from the variable of their name in capitals (RETENTION_DAYS
# for retention_days), the default standing when it is not set; the others have rules
# of their own (Settings._from_mapping).
PLAIN_FIELDS = (
    "stage",
    "table_name",
    "outbox_dir",
    "mail_from",
    "admin_token",
    "secret_key",
    "secrets_path",
    "retention_days",
    "mentor_retention_days",
    "idempotency_hours",
    "mail_retention_days",
    "directory_cache_seconds",
    "simulation_days",
    "link_max_age_days",
    "reminder_days",
    "reroute_days",
    "sweeper_seconds",
    "ack_limit_per_hour",
    "mail_intake_limit_per_day",
    "trusted_authserv_id",
    "raw_mail_dir",
    "raw_mail_bucket",
    "max_mail_bytes",
    "mail_read_seconds",
    "mail_read_memory_mb",
    "ses_configuration_set",
    "mail_max_attempts",
    "mail_grace_seconds",
    "network_name",
    "legal_publisher",
    "legal_publisher_address",
    "legal_publisher_contact",
    "legal_director",
    "legal_host",
    "privacy_contact",
    "accessibility_contact",
    "accessibility_status",
    "accessibility_statement_date",
)


class InsecureSettings(RuntimeError):
    """The service refuses to start: a secret is missing or is the public default."""


def read_secrets(path: str, max_age: int = SECRETS_MAX_AGE_SECONDS) -> dict[str, str]:
    """The secrets stored under `path` (one GetParametersByPath, decrypted, cached).

    Powertools keeps them `max_age` seconds per process; a warm Lambda builds its
    settings once, so a rotated key reaches new instances (a deploy renews them all).
    """
    from aws_lambda_powertools.utilities import parameters

    values = parameters.get_parameters(path, decrypt=True, recursive=False, max_age=max_age)
    return {name: str(value) for name, value in values.items() if name in SECRET_NAMES}


@dataclass(frozen=True)
class Settings:
    stage: str = "local"  # "local": DynamoDB Local + .eml outbox; anything else: AWS
    table_name: str = "mentorat-local"
    dynamodb_endpoint: str | None = None
    aws_region: str = "eu-west-3"
    outbox_dir: str = ".local/outbox"
    mail_from: str = "Réseau Mentorat <ne-pas-repondre@lementorat.fr>"
    intake_addresses: tuple[str, ...] = ("urgence@lementorat.fr",)
    admin_token: str = ""
    partner_tokens: tuple[str, ...] = ()
    public_base_url: str = "http://127.0.0.1:8000"
    rate_limit_count: int = 20
    rate_limit_seconds: int = 600
    partner_origins: tuple[str, ...] = ()  # cross-site posts and thank-you redirects
    operators: tuple[str, ...] = ()  # OPERATORS: `email` or `email:admin` (the local stack's console list)
    retention_days: int = 365  # personal data of a request, from its creation
    mentor_retention_days: int = 90  # a volunteer's sign-up no association accepted, from its creation
    idempotency_hours: int = 24
    mail_retention_days: int = 30  # outbox items (they hold addresses and content)
    directory_cache_seconds: float = 10.0
    simulation_days: int = 30  # "Simuler" in the console routes the requests of this many last days
    routing_weights: RoutingWeights = field(default_factory=RoutingWeights)
    secret_key: str = PUBLIC_DEFAULT_SECRET_KEY  # signs links, hashes IPs
    previous_secret_keys: tuple[str, ...] = ()  # still verify links during a key rotation
    link_max_age_days: int = 30
    reminder_days: int = 5  # an unanswered association is reminded after this
    reroute_days: int = 10  # ...and the request goes on to the next one after this
    sweeper_seconds: float = 15.0
    ack_limit_per_hour: int = 5  # acknowledgements to one mail sender
    mail_intake_limit_per_day: int = 10  # requests one mail sender may make a day; the rest wait for an operator
    # Inbound mail's SPF, DKIM and DMARC results are read from the `Authentication-Results`
    # header of this authserv-id (RFC 8601): the one the relay in front of the SMTP ingress
    # adds (chalicelib/domain/inbound_mail/sender_verdict.py). Headers of any other id are
    # ignored; empty: none is read. In AWS, SES's receipt verdicts are read instead.
    trusted_authserv_id: str = "lementorat.fr"
    raw_mail_dir: str = ".local/raw-mail"  # local stand-in for the SES receiving bucket
    raw_mail_bucket: str = ""  # AWS: where SES receiving stores raw mail
    max_mail_bytes: int = 10 * 1024 * 1024
    # The reading of one inbound mail (parse, attached documents, extraction) runs in a child
    # process stopped past these (chalicelib/adapters/mail_reading.py); the mail is then kept
    # for an operator. Documents stop by themselves at 3 s (Limits.attachment_seconds) and a
    # 200,000-character body reads in under 2 s (make bench): 10 s is twice that on a slower
    # CPU. The inbound Lambda's timeout holds a batch of such mails (infra/template.yaml).
    mail_read_seconds: float = 10.0
    # New memory the reading may take, beyond what it shares with the process it is forked
    # from: a 10 MB mail parses in about 75 MB (measured) and each document is read a piece
    # at a time, in a few MB (make bench); three times that. The inbound Lambda's memory
    # holds it and its parent (infra/template.yaml).
    mail_read_memory_mb: int = 256
    mail_max_attempts: int = 24  # sends of one mail before it is given up (state `failed`)
    # A new mail is due for the sweeper this long after it was stored: the stream sends it
    # first, the sweeper only what the stream missed.
    mail_grace_seconds: int = 120
    secrets_path: str = ""  # AWS: SSM Parameter Store path of SECRET_NAMES
    ses_configuration_set: str = ""  # AWS: sends bounce and complaint events to the bounce topic
    # Texts of the footer and of the legal pages (/mentions-legales, /donnees-personnelles,
    # /accessibilite): who publishes, who hosts, whom to write to. Set them per deployment.
    network_name: str = "Réseau Mentorat"
    legal_publisher: str = "Réseau Mentorat, association loi 1901"
    legal_publisher_address: str = ""  # registered office; the page says it is given on request when empty
    legal_publisher_contact: str = "contact@lementorat.fr"
    legal_director: str = "la présidente ou le président de l'association"
    legal_host: str = "Amazon Web Services EMEA SARL, 38 avenue John F. Kennedy, L-1855 Luxembourg"
    privacy_contact: str = "donnees-personnelles@lementorat.fr"
    accessibility_contact: str = "accessibilite@lementorat.fr"
    accessibility_status: str = "non conforme"  # RGAA: "non conforme" until an audit says otherwise
    accessibility_statement_date: str = "27 novembre 2026"

    @property
    def local(self) -> bool:
        return self.stage == "local"

    def check_secrets(self) -> None:
        """Any stage but `local` refuses to start on the public key or without an admin token."""
        if self.local:
            return
        if not self.secret_key or self.secret_key == PUBLIC_DEFAULT_SECRET_KEY or len(self.secret_key) < 32:
            raise InsecureSettings(f"stage {self.stage}: SECRET_KEY is missing, too short or the public default")
        if PUBLIC_DEFAULT_SECRET_KEY in self.previous_secret_keys:
            raise InsecureSettings(f"stage {self.stage}: PREVIOUS_SECRET_KEYS holds the public default")
        if not self.admin_token:
            raise InsecureSettings(f"stage {self.stage}: ADMIN_TOKEN is missing")

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] = os.environ, secrets: Callable[[str], Mapping[str, str]] | None = None
    ) -> Settings:
        """Settings of this process; outside `local`, secrets come from SECRETS_PATH and are checked."""
        stage = env.get("STAGE", "local")
        if stage != "local" and env.get("SECRETS_PATH"):
            env = {**env, **(secrets or read_secrets)(env["SECRETS_PATH"])}
        settings = cls._from_mapping(env)
        settings.check_secrets()
        return settings

    @classmethod
    def _from_mapping(cls, env: Mapping[str, str]) -> Settings:
        def csv(name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
            raw = env.get(name)
            if raw is None:
                return default
            return tuple(x.strip() for x in raw.split(",") if x.strip())

        count, _, seconds = env.get("RATE_LIMIT", "20/600").partition("/")
        weights = (
            RoutingWeights(**json.loads(env["ROUTING_WEIGHTS"])) if env.get("ROUTING_WEIGHTS") else RoutingWeights()
        )

        def as_set(name: str) -> Any:
            """The field from the variable of its name in capitals, typed as its default."""
            default = getattr(cls, name)
            return type(default)(env.get(name.upper(), default))

        return cls(
            **{name: as_set(name) for name in PLAIN_FIELDS},
            dynamodb_endpoint=env.get("DYNAMODB_ENDPOINT")
            or (f"http://127.0.0.1:{env['DYNAMODB_PORT']}" if env.get("DYNAMODB_PORT") else None),
            aws_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "eu-west-3",
            intake_addresses=csv("INTAKE_ADDRESSES", cls.intake_addresses),
            partner_tokens=csv("PARTNER_TOKENS"),
            public_base_url=env.get("PUBLIC_BASE_URL", cls.public_base_url).rstrip("/"),
            rate_limit_count=int(count),
            rate_limit_seconds=int(seconds or 600),
            partner_origins=csv("PARTNER_ORIGINS"),
            operators=csv("OPERATORS"),
            routing_weights=weights,
            previous_secret_keys=csv("PREVIOUS_SECRET_KEYS"),
        )
