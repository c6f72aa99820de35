"""What a provider's public page follows live: anyone's tab on it, signed in or not, joins the
provider's public group and fetches the page's score and reviews again when told.

The event says only which provider changed. Everything else is what the page shows to every
visitor, and the page reads it again through its own view: no reviewer, comment or staff
member ever travels on a group that anonymous sockets join.
"""

from accounts.models import Organization
from csportal.realtime import public_group, publish, register_public_group

KIND = "provider"
CHANGED = "provider.changed"


def provider_group(organization_id: int) -> str:
    return public_group(KIND, organization_id)


def announce_provider_changed(organization_id: int) -> None:
    """Tell the provider's public page that its score or reviews changed. Call it inside the
    transaction of the change, like `publish`."""
    publish(CHANGED, {"organization": organization_id}, groups=[provider_group(organization_id)])


def _provider_exists(object_id: str) -> bool:
    return object_id.isdigit() and Organization.objects.filter(pk=int(object_id)).exists()


def register() -> None:
    register_public_group(KIND, _provider_exists)
