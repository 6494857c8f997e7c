"""gRPC plumbing shared by all services: server bootstrap, interceptors and peer channels."""

from shared.rpc.client import ContextPropagationInterceptor, connect, peer_channel
from shared.rpc.interceptors import (
    CallInterceptor,
    CallPipeline,
    ServerCall,
    add_response_header,
    current_request_id,
    default_interceptors,
    default_stages,
)
from shared.rpc.server import RpcServer, ServiceRegistration, run_service

__all__ = [
    "CallInterceptor",
    "CallPipeline",
    "ContextPropagationInterceptor",
    "RpcServer",
    "ServerCall",
    "ServiceRegistration",
    "add_response_header",
    "connect",
    "current_request_id",
    "default_interceptors",
    "default_stages",
    "peer_channel",
    "run_service",
]
