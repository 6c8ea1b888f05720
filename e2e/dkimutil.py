"""DKIM helpers for the e2e suite: keys made with the openssl CLI, the DNS records `pixelgate
check-config` prints, and verification with dkimpy (an independent implementation) whose
`dnsfunc` serves those records.

Contract:
- `make_key(dir, kind)` writes a PEM private key: "rsa2048", "rsa512", "ed25519" or "ec256".
- `check_config(config, env)` runs `pixelgate check-config` and returns the CompletedProcess.
- `dns_records(stdout)` parses its `<sel>._domainkey.<domain> IN TXT "..." ["..."]` lines (strings
  of at most 255 characters, joined as DNS joins them) into the
  {b"name.": b"record"} map `dnsfunc(records)` answers from (None for an unknown name).
- `verify_each(message, records)` verifies every DKIM-Signature of a message with dkimpy and
  returns [(d, s, passed)] in header order.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import dkim

from relayproc import binary_path

KEYGEN = {
    "rsa2048": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    "rsa512": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:512"],
    "ed25519": ["-algorithm", "ED25519"],
    "ec256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
}
RECORD_LINE = re.compile(r'^(\S+\._domainkey\.\S+) IN TXT ((?:"[^"]*" ?)+)$', re.M)


def make_key(directory: Path, kind: str) -> Path:
    path = Path(directory) / f"{kind}.pem"
    subprocess.run(["openssl", "genpkey", *KEYGEN[kind], "-out", str(path)], check=True, capture_output=True)
    path.chmod(0o644)
    return path


def check_config(config: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary_path()), "check-config", "--config", str(config)],
                          capture_output=True, text=True, timeout=60, env=env)


def dns_records(stdout: str) -> dict[bytes, bytes]:
    out = {}
    for name, strings in RECORD_LINE.findall(stdout):
        parts = re.findall(r'"([^"]*)"', strings)
        assert all(len(p) <= 255 for p in parts), f"a TXT string over 255 characters: {name}"
        out[(name + ".").encode()] = "".join(parts).encode()   # DNS joins the strings of one record
    return out


def dnsfunc(records: dict[bytes, bytes]):
    def lookup(name: bytes, timeout: int = 5):
        return records.get(name)
    return lookup


def signature_tags(message: bytes) -> list[dict[bytes, bytes]]:
    """The tags of each DKIM-Signature, in header order."""
    d = dkim.DKIM(message)
    out = []
    for name, value in d.headers:
        if name.lower() == b"dkim-signature":
            out.append(dkim.util.parse_tag_value(value))
    return out


def verify_each(message: bytes, records: dict[bytes, bytes]) -> list[tuple[str, str, bool]]:
    out = []
    for i, tags in enumerate(signature_tags(message)):
        try:
            ok = dkim.DKIM(message).verify(idx=i, dnsfunc=dnsfunc(records))
        except dkim.DKIMException:          # e.g. "body hash mismatch": a failed signature
            ok = False
        out.append((tags[b"d"].decode(), tags[b"s"].decode(), bool(ok)))
    return out
