"""The five SocialProof domain services, one gRPC server each."""
