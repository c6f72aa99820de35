import factory

from accounts.tests.factories import CustomerFactory
from notifications.models import Channel, Notification, PushSubscription, Status


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(CustomerFactory)
    channel = Channel.SMS
    address = "+14155550123"
    kind = "general"
    title = "Your technician is on the way"
    body = "Tom will arrive at 10:30."
    status = Status.QUEUED
    dedupe_key = factory.Sequence(lambda n: f"test:{n}")


class PushSubscriptionFactory(factory.django.DjangoModelFactory):
    """A Chrome subscription: its endpoint is on Firebase Cloud Messaging."""

    class Meta:
        model = PushSubscription

    user = factory.SubFactory(CustomerFactory)
    endpoint = factory.Sequence(lambda n: f"https://fcm.googleapis.com/fcm/send/device-{n}")
    p256dh = "BPublicKey"
    auth = "secret"
