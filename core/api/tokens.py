"""API tokens of other systems: created with a one-time key, stored hashed, revocable."""

from django.utils import timezone

from core.models import ApiToken, Role


def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for an API client; returns the token and its key (shown once)."""
    if user.role != Role.API_CLIENT:
        raise ValueError("tokens are issued to API clients only")
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[: ApiToken.PREFIX_LENGTH], key_hash=ApiToken.hash_key(key)
    )
    return token, key


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
