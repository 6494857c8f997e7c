"""The notifications service: sites, templates, campaigns, targeting, A/B tests, the activity store,
the widget feed and live stream.
"""
