"""The local mesh PKI: an EC P-256 CA and one leaf certificate per workload identity (the edge
and each service) carrying its SPIFFE URI SAN (plus DNS localhost / IP 127.0.0.1 SANs).

Layout of a cert directory (keys are 0600, the directory 0700):
    ca.crt ca.key               the mesh CA
    <identity>.crt <identity>.key   leaf cert + key, e.g. edge.crt, users.key

Envoy reads these files at start: after `rotate()` restart the Envoy processes (the services
themselves hold no mesh certs).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .topology import Topology, default_topology, spiffe_id

CA_DAYS = 3650
LEAF_DAYS = 90
RENEW_BEFORE = dt.timedelta(days=7)
ORG = "SocialProof mesh"


@dataclass(frozen=True)
class CertPaths:
    """Where one identity's files are."""

    name: str
    cert: Path
    key: Path
    ca: Path


def cert_paths(cert_dir: Path | str, name: str) -> CertPaths:
    d = Path(cert_dir)
    return CertPaths(name, d / f"{name}.crt", d / f"{name}.key", d / "ca.crt")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _write(path: Path, data: bytes, mode: int) -> None:
    """Atomically replace path with data (mode set before the rename)."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _new_ca(cert_dir: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORG),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{ORG} CA {_now():%Y%m%d%H%M%S}"),
        ]
    )
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write(cert_dir / "ca.key", _key_pem(key), 0o600)
    _write(cert_dir / "ca.crt", cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return cert, key


def _load_ca(cert_dir: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    crt, key = cert_dir / "ca.crt", cert_dir / "ca.key"
    if not (crt.exists() and key.exists()):
        return None
    cert = x509.load_pem_x509_certificate(crt.read_bytes())
    pkey = serialization.load_pem_private_key(key.read_bytes(), password=None)
    if not isinstance(pkey, ec.EllipticCurvePrivateKey) or cert.not_valid_after_utc - RENEW_BEFORE < _now():
        return None
    return cert, pkey


def issue_leaf(
    cert_dir: Path,
    name: str,
    uri: str,
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey],
    days: int = LEAF_DAYS,
) -> CertPaths:
    """Issue (or re-issue) the leaf for `name` with URI SAN `uri`, signed by `ca`."""
    ca_cert, ca_key = ca
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORG),
                    x509.NameAttribute(NameOID.COMMON_NAME, name),
                ]
            )
        )
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(now + dt.timedelta(days=days), ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_agreement=True,
                key_cert_sign=False,
                crl_sign=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.UniformResourceIdentifier(uri),
                    x509.DNSName("localhost"),
                    x509.DNSName(f"{name}.socialproof.local"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = cert_paths(cert_dir, name)
    # key first, then cert: a reader never sees a new cert with an old key for long
    _write(paths.key, _key_pem(key), 0o600)
    _write(paths.cert, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return paths


def _leaf_ok(paths: CertPaths, uri: str, ca_cert: x509.Certificate) -> bool:
    if not (paths.cert.exists() and paths.key.exists()):
        return False
    try:
        cert = x509.load_pem_x509_certificate(paths.cert.read_bytes())
        key = serialization.load_pem_private_key(paths.key.read_bytes(), password=None)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        uris = san.get_values_for_type(x509.UniformResourceIdentifier)
        cert.verify_directly_issued_by(ca_cert)
    except Exception:
        return False
    pub = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return (
        uris == [uri]
        and pub
        == cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        and cert.not_valid_after_utc - RENEW_BEFORE > _now()
    )


def _identities(topology: Topology | None, names: Iterable[str] | None) -> dict[str, str]:
    topo = topology or default_topology()
    if names is None:
        return {n: topo.spiffe_id(n) for n in topo.identities}
    return {n: spiffe_id(n, topo.trust_domain, topo.namespace) for n in names}


def ensure_certs(
    cert_dir: Path | str, topology: Topology | None = None, names: Iterable[str] | None = None
) -> dict[str, CertPaths]:
    """Create the CA and any missing, invalid, mismatched or soon-expiring leaf; keep valid ones.

    Idempotent: a second call changes nothing. Returns identity name -> paths."""
    d = Path(cert_dir)
    d.mkdir(parents=True, exist_ok=True)
    os.chmod(d, 0o700)
    ca = _load_ca(d) or _new_ca(d)
    out = {}
    for name, uri in _identities(topology, names).items():
        paths = cert_paths(d, name)
        out[name] = paths if _leaf_ok(paths, uri, ca[0]) else issue_leaf(d, name, uri, ca)
    return out


def rotate(
    cert_dir: Path | str,
    topology: Topology | None = None,
    names: Iterable[str] | None = None,
    *,
    new_ca: bool = False,
) -> dict[str, CertPaths]:
    """Issue new leaf certs (new keys) for every identity; with `new_ca` first a new CA.

    Note: with a new CA every Envoy must be restarted together (old and new leaves do not trust
    each other); leaf-only rotation can restart Envoys one at a time."""
    d = Path(cert_dir)
    d.mkdir(parents=True, exist_ok=True)
    os.chmod(d, 0o700)
    ca = None if new_ca else _load_ca(d)
    ca = ca or _new_ca(d)
    return {name: issue_leaf(d, name, uri, ca) for name, uri in _identities(topology, names).items()}


def uri_sans(cert_file: Path | str) -> list[str]:
    """URI SANs of a PEM certificate (for checks and tests)."""
    cert = x509.load_pem_x509_certificate(Path(cert_file).read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return san.get_values_for_type(x509.UniformResourceIdentifier)
