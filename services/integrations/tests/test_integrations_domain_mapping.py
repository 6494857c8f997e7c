"""The declarative mapping: validation on save and what a payload becomes."""

from __future__ import annotations

from datetime import UTC, datetime

from services.integrations.domain.mapping import apply_mapping, resolve, validate_mapping
from services.integrations.domain.normalize import DeliveryContext
from socialproof.events.v1.activity_pb2 import ActivityKind, ActivityRetractionReason
from socialproof.integrations.v1.mapping_pb2 import (
    FieldMapping,
    MappingTransform,
    PayloadCondition,
    PayloadMapping,
    ViolationSeverity,
)
from socialproof.integrations.v1.mapping_pb2 import (
    MappingTarget as T,
)
from socialproof.integrations.v1.mapping_pb2 import (
    MappingTransformType as X,
)

CTX = DeliveryContext(
    org_id="o", site_id="s", connection_id="c", received_at=datetime(2026, 1, 1, tzinfo=UTC)
)


def mapping() -> PayloadMapping:
    return PayloadMapping(
        default_kind=ActivityKind.ACTIVITY_KIND_SIGNUP,
        fields=[
            FieldMapping(target=T.MAPPING_TARGET_SOURCE_REF, path="/data/id"),
            FieldMapping(
                target=T.MAPPING_TARGET_FIRST_NAME,
                path="/data/user/full name",
                fallback_paths=["/data/user/nick"],
                transforms=[
                    MappingTransform(type=X.MAPPING_TRANSFORM_TYPE_TRIM),
                    MappingTransform(type=X.MAPPING_TRANSFORM_TYPE_TITLE_CASE),
                ],
            ),
            FieldMapping(target=T.MAPPING_TARGET_LAST_INITIAL, path="/data/user/full name"),
            FieldMapping(
                target=T.MAPPING_TARGET_COUNTRY_CODE,
                path="/data/country",
                transforms=[MappingTransform(type=X.MAPPING_TRANSFORM_TYPE_COUNTRY_NAME_TO_CODE)],
            ),
            FieldMapping(target=T.MAPPING_TARGET_CURRENCY_CODE, path="/data/cur", default_value="EUR"),
            FieldMapping(
                target=T.MAPPING_TARGET_AMOUNT,
                path="/data/total",
                transforms=[MappingTransform(type=X.MAPPING_TRANSFORM_TYPE_DECIMAL_TO_MINOR_UNITS)],
            ),
            FieldMapping(
                target=T.MAPPING_TARGET_OCCURRED_AT,
                path="/data/ts",
                transforms=[MappingTransform(type=X.MAPPING_TRANSFORM_TYPE_UNIX_MILLIS)],
            ),
            FieldMapping(
                target=T.MAPPING_TARGET_KIND,
                path="/event",
                transforms=[
                    MappingTransform(
                        type=X.MAPPING_TRANSFORM_TYPE_LOOKUP, lookup={"paid": "purchase", "trial": "signup"}
                    )
                ],
            ),
            FieldMapping(target=T.MAPPING_TARGET_ATTRIBUTE, attribute_key="plan", path="/data/a~1b"),
        ],
        retraction_conditions=[PayloadCondition(path="/event", values=["refunded"])],
        retraction_reason=ActivityRetractionReason.ACTIVITY_RETRACTION_REASON_REFUND,
    )


PAYLOAD = {
    "event": "paid",
    "data": {
        "id": 42,
        "user": {"full name": "  jana novak "},
        "country": "Czechia",
        "total": "19.99",
        "ts": 1767225600000,
        "a/b": "Pro",
    },
}


def test_a_valid_mapping_produces_the_activity() -> None:
    assert [
        v for v in validate_mapping(mapping()) if v.severity == ViolationSeverity.VIOLATION_SEVERITY_ERROR
    ] == []
    result, violations = apply_mapping(mapping(), PAYLOAD, CTX)
    (activity,) = result.activities
    assert activity.kind == ActivityKind.ACTIVITY_KIND_PURCHASE
    assert activity.source_ref == "42"
    assert (activity.actor.first_name, activity.actor.last_initial) == ("Jana", "N")
    assert activity.location.country_code == "CZ"
    assert (activity.amount.amount_minor, activity.amount.currency_code) == (1999, "EUR")
    assert activity.occurred_at.ToDatetime(UTC) == datetime(2026, 1, 1, tzinfo=UTC)
    assert activity.attributes["plan"] == "Pro"
    assert not [v for v in violations if v.severity == ViolationSeverity.VIOLATION_SEVERITY_ERROR]


def test_retraction_condition_and_missing_source_ref() -> None:
    result, _ = apply_mapping(mapping(), {**PAYLOAD, "event": "refunded"}, CTX)
    assert not result.activities and result.retractions[0].source_ref == "42"
    result, violations = apply_mapping(mapping(), {"event": "paid", "data": {}}, CTX)
    assert not result.activities
    assert violations[0].severity == ViolationSeverity.VIOLATION_SEVERITY_ERROR
    assert violations[0].payload_path == "/data/id"


def test_items_path_makes_one_activity_per_element() -> None:
    m = PayloadMapping(
        default_kind=ActivityKind.ACTIVITY_KIND_PURCHASE,
        items_path="/items",
        fields=[
            FieldMapping(target=T.MAPPING_TARGET_SOURCE_REF, path="/sku"),
            FieldMapping(target=T.MAPPING_TARGET_PRODUCT_NAME, path="/name"),
        ],
    )
    result, _ = apply_mapping(m, {"items": [{"sku": "a", "name": "A"}, {"sku": "b", "name": "B"}]}, CTX)
    assert [a.source_ref for a in result.activities] == ["a#0", "b#1"]
    assert [a.product.name for a in result.activities] == ["A", "B"]


def test_validation_names_every_bad_field() -> None:
    bad = PayloadMapping(
        fields=[
            FieldMapping(target=T.MAPPING_TARGET_FIRST_NAME, path="no-slash"),
            FieldMapping(
                target=T.MAPPING_TARGET_FIRST_NAME,
                path="/x",
                transforms=[MappingTransform(type=X.MAPPING_TRANSFORM_TYPE_TRUNCATE, argument="-1")],
            ),
            FieldMapping(target=T.MAPPING_TARGET_ATTRIBUTE, attribute_key="Bad Key", path="/y"),
            FieldMapping(
                target=T.MAPPING_TARGET_CITY,
                path="/t~2",
                transforms=[MappingTransform(type=X.MAPPING_TRANSFORM_TYPE_UNIX_SECONDS)],
            ),
        ],
        conditions=[PayloadCondition(path="/s")],
    )
    fields = {v.field for v in validate_mapping(bad)}
    assert {
        "mapping.fields[0].path",
        "mapping.fields[1].target",
        "mapping.fields[1].transforms[0].argument",
        "mapping.fields[2].attribute_key",
        "mapping.fields[3].path",
        "mapping.fields[3].transforms[0].type",
        "mapping.fields",
        "mapping.conditions[0].values",
        "mapping.default_kind",
    } <= fields


def test_json_pointer_escapes_and_arrays() -> None:
    doc = {"a/b": {"m~n": [10, 20]}}
    assert resolve(doc, "/a~1b/m~0n/1") == 20
    assert resolve(doc, "/a~1b/m~0n/01") is not resolve(doc, "/a~1b/m~0n/1")
    assert resolve(doc, "") == doc
