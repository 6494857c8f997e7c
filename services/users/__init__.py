"""The users service: accounts, organizations, roles, invitations, API keys, the audit log and PII
encryption.
"""
