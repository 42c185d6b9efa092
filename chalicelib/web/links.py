"""Signed links put in mails: the association answers without an account."""

from __future__ import annotations

from ..config import Settings

ANSWER_SALT = "mentorat.answer.v1"  # per purpose: a token for one use opens nothing else


def answer_url(settings: Settings, request_id: str, association_id: str) -> str:
    from itsdangerous import URLSafeTimedSerializer

    token = URLSafeTimedSerializer(settings.secret_key, salt=ANSWER_SALT).dumps({"r": request_id, "a": association_id})
    return f"{settings.public_base_url}/reponse/{token}"
