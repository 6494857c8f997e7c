"""The analytics service: widget event ingest, ClickHouse storage, metrics, attribution, experiments,
exports and reports.
"""
