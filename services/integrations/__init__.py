"""The integrations service: connections, signed inbound webhooks, payload mapping, OAuth connect, form
capture and outbound webhooks.
"""
