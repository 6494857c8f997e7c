"""Cross-cutting code every SocialProof service shares: the one copy, never duplicated."""
