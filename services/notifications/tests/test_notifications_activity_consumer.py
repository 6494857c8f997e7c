"""The `activity` topic's handler: dispatch by event type, and the service's own echoes skipped."""

from __future__ import annotations

from services.notifications.adapters.activity_consumer import OWN_PRODUCER, activity_handler
from shared.kafka_bus import ReceivedEvent, make_envelope
from socialproof.events.v1 import activity_pb2

ORG = "0b9f1c9e-5b1f-4c51-9a53-0f4e4a0c0d11"
SITE = "6c1b7a54-2f1e-4d8e-8a51-3b0d6f1b7e22"


class Sink:
    def __init__(self) -> None:
        self.recorded: list[str] = []
        self.retracted: list[str] = []

    async def record_activity_event(
        self, event_id: str, org_id: str, payload: activity_pb2.ActivityRecorded
    ) -> bool:
        self.recorded.append(payload.activity.activity_id)
        return True

    async def retract_activity_event(
        self, event_id: str, org_id: str, payload: activity_pb2.ActivityRetracted
    ) -> bool:
        self.retracted.append(payload.activity_id)
        return True


def _received(
    payload: activity_pb2.ActivityRecorded | activity_pb2.ActivityRetracted, producer: str
) -> ReceivedEvent:
    envelope = make_envelope(payload, ORG, SITE, producer=producer)
    return ReceivedEvent(envelope=envelope, topic="activity", partition=0, offset=0, key=None)


async def test_activities_of_other_producers_are_recorded_and_own_echoes_skipped() -> None:
    sink = Sink()
    handle = activity_handler(sink)
    recorded = activity_pb2.ActivityRecorded(
        site_id=SITE, activity=activity_pb2.ActivityEvent(activity_id="a1")
    )
    await handle(_received(recorded, "integrations"))
    # CreateActivity stored it before publishing: consuming it again would only be a rejected duplicate.
    await handle(
        _received(
            activity_pb2.ActivityRecorded(
                site_id=SITE, activity=activity_pb2.ActivityEvent(activity_id="a2")
            ),
            OWN_PRODUCER,
        )
    )
    assert sink.recorded == ["a1"]
    # Retractions are never skipped, whoever published them.
    await handle(_received(activity_pb2.ActivityRetracted(site_id=SITE, activity_id="a1"), OWN_PRODUCER))
    await handle(_received(activity_pb2.ActivityRetracted(site_id=SITE, activity_id="a3"), "integrations"))
    assert sink.retracted == ["a1", "a3"]
