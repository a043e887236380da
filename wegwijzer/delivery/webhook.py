"""Webhook delivery for organisations' CRMs: a JSON POST signed with HMAC-SHA256.

The receiver checks ``X-Wegwijzer-Signature: sha256=<hex HMAC-SHA256 of the raw body>`` with the
shared secret, and can drop repeats by ``X-Wegwijzer-Delivery`` (the same for every attempt).
"""
from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx

from wegwijzer.delivery import PermanentFailure, TemporaryFailure

SIGNATURE_HEADER = "X-Wegwijzer-Signature"
DELIVERY_HEADER = "X-Wegwijzer-Delivery"


def sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


async def post_webhook(url: str, secret: bytes, payload: dict[str, Any], delivery_id: str,
                       timeout: float = 15.0) -> None:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body), DELIVERY_HEADER: delivery_id,
               "User-Agent": "Wegwijzer-Overijssel"}
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise TemporaryFailure(f"webhook {type(exc).__name__}") from None
    if response.is_success:
        return
    if 400 <= response.status_code < 500 and response.status_code not in (408, 425, 429):
        raise PermanentFailure(f"webhook HTTP {response.status_code}")
    raise TemporaryFailure(f"webhook HTTP {response.status_code}")
