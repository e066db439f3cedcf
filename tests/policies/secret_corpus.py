"""Values K18 must recognise as secrets, and realistic values it must leave alone.

Token-shaped fakes are assembled from pieces (``_j``) so that no secret scanner or
push protection mistakes this file for a leak; AWS's documented example key is used
where one exists. Negatives are what ConfigMaps and env values really hold: config
files, URLs without credentials, certificates' public parts, base64 that is not a key.
"""

from __future__ import annotations

import base64
import json
from typing import Final


def _j(*parts: str) -> str:
    return "".join(parts)


def _b64url(data: dict[str, object]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_BEGIN, _END = "-----BEGIN ", "-----END "
_KEY_BODY = "MIIEowIBAAKCAQEAx3b5Qm0TqkW9xT3u6fJ4l9Yk1cR2p8sV0nD7aE5gH3iJ6kL\n"
_JWT = ".".join(
    [
        _b64url({"alg": "HS256", "typ": "JWT"}),
        _b64url({"sub": "1234567890", "name": "svc", "iat": 1516239022}),
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    ]
)
_SA_JWT = ".".join(
    [
        _b64url({"alg": "RS256", "kid": "k1"}),
        _b64url({"iss": "kubernetes/serviceaccount", "sub": "system:serviceaccount:apps:hello"}),
        "dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZSBhdCBhbGw",
    ]
)


def _pem(label: str, body: str = _KEY_BODY) -> str:
    return f"{_BEGIN}{label}-----\n{body}{_END}{label}-----\n"


POSITIVES: Final[list[tuple[str, str]]] = [
    ("rsa key", _pem("RSA PRIVATE KEY")),
    ("pkcs8 key", _pem("PRIVATE KEY")),
    ("ec key", _pem("EC PRIVATE KEY")),
    ("openssh key", _pem("OPENSSH PRIVATE KEY", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n")),
    ("encrypted key", _pem("ENCRYPTED PRIVATE KEY")),
    ("dsa key", _pem("DSA PRIVATE KEY")),
    ("pgp key", _pem("PGP PRIVATE KEY BLOCK", "lQOYBF0...\n")),
    ("key inside yaml", "tls:\n  key: |\n    " + _pem("PRIVATE KEY").replace("\n", "\n    ")),
    (
        "key in gcp json",
        json.dumps({"type": "service_account", "private_key": _pem("PRIVATE KEY")}),
    ),
    ("postgres url", "postgres://user:password@host/db"),
    ("mysql url", "mysql://app:S3cr3t!@db.internal:3306/orders"),
    ("mongodb srv url", "mongodb+srv://admin:hunter2@cluster0.abcde.mongodb.net/test"),
    ("redis url", "redis://default:8f2a9c1e@redis-master:6379/0"),
    ("amqp url", "amqp://guest:guest@rabbitmq:5672/"),
    ("https basic auth", "https://deploy:gh-deploy-pass@git.example.com/org/repo.git"),
    ("url in config", "[database]\nurl = postgresql://svc:Zx9!kq@10.0.0.5:5432/app\npool = 5\n"),
    ("url in json", json.dumps({"datasource": {"url": "http://grafana:admin123@grafana:3000"}})),
    ("aws access key", _j("AKIA", "IOSFODNN7EXAMPLE")),
    ("aws sts key", _j("ASIA", "Y34FZKBOKMUTVV7A")),
    ("aws key in ini", _j("[default]\naws_access_key_id = AKIA", "I44QH8DHBEXAMPLE\n")),
    ("github pat classic", _j("ghp_", "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx")),
    ("github oauth", _j("gho_", "16C7e42F292c6912E7710c838347Ae178B4a")),
    ("github app token", _j("ghs_", "1234567890abcdefghijABCDEFGHIJ0123456789")),
    ("github fine-grained", _j("github_pat_", "11ABCDEFG0", "a" * 72)),
    ("slack bot token", _j("xoxb-", "17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy")),
    ("slack user token", _j("xoxp-", "1234567890-1234567890-1234567890-abcdef0123456789")),
    (
        "slack webhook",
        _j("https://hooks.slack.com/services/", "T0000000/B0000000/XXXXXXXXXXXXXXXXXXXXXXXX"),
    ),
    ("jwt", _JWT),
    ("k8s sa token", _SA_JWT),
    ("bearer header", "Authorization: Bearer " + _JWT),
    ("google api key", _j("AIza", "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY")),
    ("stripe live key", _j("sk_live_", "4eC39HqLyjWDarjtT1zdp7dc")),
    ("npm token", _j("npm_", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8")),
]

_CERT = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n"
    "-----END CERTIFICATE-----\n"
)
_PUBLIC = (
    "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"
)
_DASHBOARD = json.dumps(
    {
        "title": "hello",
        "panels": [{"targets": [{"expr": 'sum(rate(http_requests_total{job="hello"}[5m]))'}]}],
        "links": [{"url": "https://grafana.example.com/d/abc?orgId=1&var-ns=apps"}],
    }
)

NEGATIVES: Final[list[tuple[str, str]]] = [
    ("certificate", _CERT),
    ("ca bundle", _CERT + _CERT),
    ("public key", _PUBLIC),
    (
        "ssh public key",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
    ),
    ("plain url", "https://example.com/path?query=1"),
    ("url with port", "http://loki-gateway.observability.svc:80/loki/api/v1/push"),
    ("url with user only", "https://git@github.com/org/repo.git"),
    ("ssh git url", "ssh://git@github.com/org/repo.git"),
    ("env reference password", "postgres://app:$(DB_PASSWORD)@db:5432/app"),
    ("shell reference password", "postgres://app:${DB_PASSWORD}@db:5432/app"),
    ("template password", "postgres://{{ .User }}:{{ .Password }}@db/app"),
    ("masked password", "postgres://app:****@db:5432/app"),
    ("placeholder password", "mysql://user:<password>@host/db"),
    ("email address", "alerts@example.com"),
    ("ipv6 url", "http://[2001:db8::1]:8080/metrics"),
    ("otlp endpoint", "http://alloy.observability.svc:4317"),
    (
        "base64 png",
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    ),
    ("base64 text", base64.b64encode(b"hello world, this is only config").decode()),
    ("sha256 digest", "sha256:" + "a3f1" * 16),
    ("git sha", "9cf20b2d5a95cc9190b4695e5acc0c8741555822"),
    ("uuid", "04da6b54-80e4-46f7-96ec-b56ff0331ba9"),
    (
        "image ref",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/aws-dev/hello:1.0@sha256:" + "b" * 64,
    ),
    ("arn", "arn:aws:iam::123456789012:role/hello-irsa"),
    ("aws-like word", "AKIAMIGHTYMOUSE"),
    (
        "prometheus config",
        "global:\n  scrape_interval: 30s\nscrape_configs:\n  - job_name: hello\n",
    ),
    (
        "loki config",
        "auth_enabled: false\nserver:\n  http_listen_port: 3100\n"
        "common:\n  path_prefix: /var/loki\n",
    ),
    ("alloy config", 'otelcol.exporter.otlp "tempo" {\n  client { endpoint = "tempo:4317" }\n}\n'),
    ("nginx config", "server {\n  listen 8080;\n  location / { proxy_pass http://upstream; }\n}\n"),
    ("grafana dashboard", _DASHBOARD),
    (
        "ini file",
        "[server]\nhttp_port = 3000\nroot_url = %(protocol)s://%(domain)s:%(http_port)s/\n",
    ),
    ("log level", "debug"),
    ("json with eyJ-like word", json.dumps({"key": "eyJustAWord.eyJanother.nothing"})),
    ("slack channel", "#gantry-prod"),
    ("xox word", "xoxo see you"),
    ("go duration", "1m30s"),
    ("s3 endpoint", "s3.eu-west-1.amazonaws.com"),
]
