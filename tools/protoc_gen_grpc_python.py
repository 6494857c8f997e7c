"""A protoc plugin that produces *_pb2_grpc.py by handing buf's CodeGeneratorRequest to grpc_tools.

grpcio-tools ships the gRPC Python generator only inside its bundled protoc, not as a
protoc-gen-grpc_python binary, so buf calls this script as a local plugin instead."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2


def main() -> None:
    request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
    response = plugin_pb2.CodeGeneratorResponse()
    response.supported_features = plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    with tempfile.TemporaryDirectory() as tmp:
        descriptor_set = Path(tmp) / "set.binpb"
        descriptor_set.write_bytes(
            descriptor_pb2.FileDescriptorSet(file=list(request.proto_file)).SerializeToString()
        )
        out = Path(tmp) / "out"
        out.mkdir()
        cmd = [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"--descriptor_set_in={descriptor_set}",
            f"--grpc_python_out={out}",
            *request.file_to_generate,
        ]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            response.error = result.stderr
        else:
            for path in sorted(out.rglob("*.py")):
                f = response.file.add()
                f.name = os.path.relpath(path, out)
                f.content = path.read_text()
    sys.stdout.buffer.write(response.SerializeToString())


if __name__ == "__main__":
    main()
