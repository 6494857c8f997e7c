"""Reads the `google.api.http` rules out of a descriptor set (`buf build -o x.binpb`), so edge
routes follow the contracts instead of a hand-kept list."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from google.api import annotations_pb2
from google.protobuf import descriptor_pb2

_VERBS = ("get", "put", "post", "delete", "patch")


@dataclass(frozen=True)
class HttpBinding:
    """One REST binding of one RPC (primary rule or an additional_binding)."""

    service: str  # fully qualified, e.g. socialproof.notifications.v1.WidgetService
    method: str  # e.g. GetWidgetFeed
    http_method: str  # GET, POST, ... (custom kinds as given)
    path: str  # path template, e.g. /v1/widget/sites/{site_key}/feed
    body: str
    server_streaming: bool
    client_streaming: bool
    response_body: str = ""
    response_body_type: str = ""  # fully qualified type of the response_body field, if any

    @property
    def grpc_path(self) -> str:
        return f"/{self.service}/{self.method}"

    @property
    def literal_prefix(self) -> str:
        """The template up to its first variable or wildcard."""
        return re.split(r"[{*]", self.path, maxsplit=1)[0]

    def path_regex(self) -> str:
        return template_regex(self.path)


def _segment_regex(pattern: str) -> str:
    """Regex for a path-template fragment made of `/`-separated literal, `*`, `**` segments."""
    parts = []
    for seg in pattern.split("/"):
        if seg == "**":
            parts.append(".*")
        elif seg == "*":
            parts.append("[^/]+")
        else:
            parts.append(re.escape(seg))
    return "/".join(parts)


def template_regex(template: str) -> str:
    """RE2 regex that a request path (without query) matches iff it matches the http template.

    `/v1/{parent=organizations/*/sites/*}/campaigns:batchGet` ->
    `/v1/organizations/[^/]+/sites/[^/]+/campaigns:batchGet`"""
    verb = ""
    # a custom verb is ":literal" after the last variable/segment (not inside braces)
    m = re.search(r":([A-Za-z0-9_.-]+)$", template)
    if m and "}" not in template[m.start() :]:
        verb = re.escape(m.group(0))
        template = template[: m.start()]
    out, pos = [], 0
    for var in re.finditer(r"\{([^}=]+)(?:=([^}]*))?\}", template):
        out.append(_segment_regex(template[pos : var.start()]))
        out.append(_segment_regex(var.group(2)) if var.group(2) else "[^/]+")
        pos = var.end()
    out.append(_segment_regex(template[pos:]))
    return "".join(out) + verb


def load_descriptor_set(path: Path | str) -> descriptor_pb2.FileDescriptorSet:
    fds = descriptor_pb2.FileDescriptorSet()
    fds.ParseFromString(Path(path).read_bytes())
    return fds


HTTP_BODY = "google.api.HttpBody"


def _message_fields(fds: descriptor_pb2.FileDescriptorSet) -> dict[str, dict[str, str]]:
    """fully qualified message name -> {field name: fully qualified type name (or scalar type)}."""
    out: dict[str, dict[str, str]] = {}

    def walk(prefix: str, msgs: Iterable[descriptor_pb2.DescriptorProto]) -> None:
        for m in msgs:
            full = f"{prefix}.{m.name}" if prefix else m.name
            out[full] = {f.name: f.type_name.lstrip(".") or str(f.type) for f in m.field}
            walk(full, m.nested_type)

    for fd in fds.file:
        walk(fd.package, fd.message_type)
    return out


def http_bindings(path: Path | str) -> list[HttpBinding]:
    """Every REST binding in the descriptor set, in file/service/method order."""
    out: list[HttpBinding] = []
    fds = load_descriptor_set(path)
    fields = _message_fields(fds)
    for fd in fds.file:
        for svc in fd.service:
            full = f"{fd.package}.{svc.name}" if fd.package else svc.name
            for m in svc.method:
                if not m.options.HasExtension(annotations_pb2.http):
                    continue
                rule = m.options.Extensions[annotations_pb2.http]
                for r in [rule, *rule.additional_bindings]:
                    kind = r.WhichOneof("pattern")
                    if kind is None:
                        continue
                    if kind == "custom":
                        verb, tmpl = r.custom.kind.upper(), r.custom.path
                    else:
                        verb, tmpl = kind.upper(), getattr(r, kind)
                    rb_type = fields.get(m.output_type.lstrip("."), {}).get(r.response_body, "")
                    out.append(
                        HttpBinding(
                            full,
                            m.name,
                            verb,
                            tmpl,
                            r.body,
                            m.server_streaming,
                            m.client_streaming,
                            r.response_body,
                            rb_type,
                        )
                    )
    return out


def unsupported_by_envoy(bindings: list[HttpBinding]) -> list[str]:
    """Bindings Envoy 1.40's transcoder refuses at config load (the whole edge then fails):
    `response_body` naming a field that is not a google.api.HttpBody."""
    return [
        f'{b.service}.{b.method} ({b.http_method} {b.path}): response_body "{b.response_body}"'
        for b in bindings
        if b.response_body and b.response_body_type != HTTP_BODY
    ]


def transcoded_services(path: Path | str) -> list[str]:
    """Fully qualified names of every service with at least one google.api.http rule."""
    seen: dict[str, None] = {}
    for b in http_bindings(path):
        seen.setdefault(b.service, None)
    return list(seen)


def all_services(path: Path | str) -> list[str]:
    out = []
    for fd in load_descriptor_set(path).file:
        out += [f"{fd.package}.{s.name}" for s in fd.service]
    return out


def streaming_methods(path: Path | str) -> list[str]:
    """gRPC paths (`/pkg.Service/Method`) of every server-streaming RPC in the set."""
    out = []
    for fd in load_descriptor_set(path).file:
        for s in fd.service:
            out += [f"/{fd.package}.{s.name}/{m.name}" for m in s.method if m.server_streaming]
    return out


def strip_unsupported_response_body(src: Path | str, dst: Path | str) -> list[str]:
    """Copy the descriptor set to `dst` with every non-HttpBody `response_body` removed, so Envoy
    can load it; REST then returns the whole response message (e.g. {"feed": {...}}) for those
    RPCs instead of the bare field. Returns the RPCs changed. A stop-gap, not the contract."""
    fds = load_descriptor_set(src)
    fields = _message_fields(fds)
    changed = []
    for fd in fds.file:
        for svc in fd.service:
            for m in svc.method:
                if not m.options.HasExtension(annotations_pb2.http):
                    continue
                rule = m.options.Extensions[annotations_pb2.http]
                out_fields = fields.get(m.output_type.lstrip("."), {})
                for r in [rule, *rule.additional_bindings]:
                    if r.response_body and out_fields.get(r.response_body) != HTTP_BODY:
                        r.response_body = ""
                        changed.append(f"{fd.package}.{svc.name}.{m.name}")
    Path(dst).write_bytes(fds.SerializeToString())
    return changed
