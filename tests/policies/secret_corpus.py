"""Values K18 must recognise as secrets, and realistic values it must leave alone.

Token-shaped fakes are assembled from pieces (``_j``) or derived from a seed (``_fake``)
so that no secret scanner or push protection mistakes this file for a leak; AWS's
documented example key is used where one exists. Negatives are what ConfigMaps and env
values really hold: config files, URLs without credentials, certificates' public parts,
base64 that is not a key, and the credential-free files of the same CLIs and SDKs whose
credential files are positives.
"""

from __future__ import annotations

import base64
import hashlib
import json
import string
from typing import Final


def _j(*parts: str) -> str:
    return "".join(parts)


def _fake(seed: str, length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    """``length`` characters of ``alphabet``, the same on every run."""
    digest = hashlib.sha256(seed.encode()).digest()
    while len(digest) < length:
        digest += hashlib.sha256(digest).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:length])


def _fake_b64(seed: str, size: int) -> str:
    """The base64 of ``size`` bytes, the shape of a random key, the same on every run."""
    return base64.b64encode(
        _fake(seed, size, "".join(map(chr, range(256)))).encode("latin-1")
    ).decode()


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


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
    *[
        # Private keys in the forms env values and config files carry them.
        ("pem key in env, escaped newlines", _pem("PRIVATE KEY").replace("\n", "\\n")),
        ("pem key on one line", _pem("RSA PRIVATE KEY").replace("\n", " ")),
        ("pkcs8 any-algorithm label", _pem("ANY PRIVATE KEY")),
        (
            "ssh2 encrypted key",
            _j("---- BEGIN SSH2 ENCRYPTED ", 'PRIVATE KEY ----\nComment: "rsa-key"\n')
            + _fake("ssh2", 64)
            + _j("\n---- END SSH2 ENCRYPTED ", "PRIVATE KEY ----\n"),
        ),
        (
            "putty key",
            "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy\n"
            f"Public-Lines: 2\n{_fake('putty-pub', 64)}\n{_fake('putty-pub2', 20)}\n"
            f"Private-Lines: 1\n{_fake('putty-priv', 44)}\nPrivate-MAC: {_fake('mac', 64)}\n",
        ),
        (
            "openvpn static key",
            _j(_BEGIN, "OpenVPN Static key V1-----\n")
            + _fake("ovpn", 32, "0123456789abcdef")
            + _j("\n", _END, "OpenVPN Static key V1-----\n"),
        ),
        (
            "age identity",
            _j("AGE-SECRET-", "KEY-1") + _fake("age", 58, "023456789ACDEFGHJKLMNPQRSTUVWXYZ"),
        ),
        (
            "wireguard config",
            f"[Interface]\nAddress = 10.8.0.2/32\nPrivateKey = {_fake_b64('wg', 32)}\n"
            "ListenPort = 51820\n",
        ),
        (
            "private jwk",
            json.dumps(
                {"kty": "RSA", "kid": "k1", "n": _fake("n", 86), "e": "AQAB", "d": _fake("d", 86)}
            ),
        ),
        (
            "kubeconfig client key",
            "users:\n- name: admin\n  user:\n    client-key-data: " + _b64(_pem("RSA PRIVATE KEY")),
        ),
        ("base64 pem in env", _b64(_pem("EC PRIVATE KEY"))),
        (
            "base64 gcp service account",
            _b64(
                json.dumps(
                    {
                        "type": "service_account",
                        "project_id": "gantry-prod",
                        "private_key": _pem("PRIVATE KEY"),
                        "client_email": "loki@gantry-prod.iam.gserviceaccount.com",
                    },
                    indent=2,
                )
            ),
        ),
        # AWS credentials files and SDK output without an access key id beside the secret.
        (
            "aws credentials file secret",
            "[default]\nregion = eu-west-1\naws_secret_access_key = "
            + _j("wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYEXAMPLEKEY\n"),
        ),
        (
            "aws env file secret",
            _j("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYEXAMPLEKEY"),
        ),
        (
            "aws sdk json secret",
            json.dumps({"SecretAccessKey": _fake("aws-secret", 40, string.ascii_letters + "/+")}),
        ),
        (
            "aws session token",
            "aws_session_token = " + _fake("sts", 300, string.ascii_letters + "/+"),
        ),
        # Azure: connection strings, SAS, client secrets, CLI files.
        (
            "azure storage connection string",
            "DefaultEndpointsProtocol=https;AccountName=gantrylogs;AccountKey="
            + _fake_b64("account-key", 64)
            + ";EndpointSuffix=core.windows.net",
        ),
        (
            "azure service bus connection string",
            "Endpoint=sb://gantry.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;"
            "SharedAccessKey=" + _fake_b64("sb-key", 32),
        ),
        (
            "azure sas url",
            "https://gantrylogs.blob.core.windows.net/loki?sv=2022-11-02&ss=b&srt=co&sp=rwdlac"
            "&se=2026-12-31T00:00:00Z&spr=https&sig=" + _fake("sig", 43) + "%3D",
        ),
        (
            "azure ad client secret",
            _fake("cs", 3) + _j("8Q", "~") + _fake("cs2", 34, string.ascii_letters + "_~.-"),
        ),
        (
            "azure sdk-auth json",
            json.dumps(
                {
                    "clientId": "00000000-0000-0000-0000-000000000001",
                    "clientSecret": _fake("sdk-auth", 40),
                    "subscriptionId": "00000000-0000-0000-0000-000000000002",
                    "tenantId": "00000000-0000-0000-0000-000000000003",
                },
                indent=2,
            ),
        ),
        (
            "azure sp create-for-rbac output",
            json.dumps(
                {
                    "appId": "00000000-0000-0000-0000-000000000001",
                    "displayName": "gantry-ci",
                    "password": _fake("sp", 40),
                    "tenant": "00000000-0000-0000-0000-000000000003",
                }
            ),
        ),
        (
            "azure cli msal token cache",
            json.dumps(
                {
                    "RefreshToken": {
                        "uid.utid-login.microsoftonline.com-refreshtoken-client--": {
                            "credential_type": "RefreshToken",
                            "secret": "0.A" + _fake("rt", 120),
                        }
                    }
                }
            ),
        ),
        # Google: OAuth tokens and the gcloud authorized-user file.
        (
            "gcloud application default credentials",
            json.dumps(
                {
                    "client_id": "764086051850-x.apps.googleusercontent.com",
                    "client_secret": _fake("adc-secret", 24),
                    "refresh_token": _j("1//0", _fake("adc-rt", 60)),
                    "type": "authorized_user",
                }
            ),
        ),
        ("google oauth access token", _j("ya29", ".") + _fake("ya29", 60)),
        ("google oauth client secret", _j("GOC", "SPX-") + _fake("gocspx", 28)),
        (
            "gcs hmac key id",
            _j("GOO", "G1") + _fake("hmac", 56, string.ascii_uppercase + string.digits),
        ),
        ("oauth refresh token field", json.dumps({"refreshToken": _fake("oauth-rt", 40)})),
        # Other clouds' and tools' CLI configuration.
        (
            "doctl config",
            "access-token: " + _j("dop_", "v1_") + _fake("do", 64, "0123456789abcdef"),
        ),
        ("alibaba access key id", "access_key_id = " + _j("LT", "AI") + _fake("ali", 20)),
        ("vault token", "VAULT_TOKEN=" + _j("hv", "s.") + _fake("vault", 90)),
        (
            "terraform cloud credentials",
            json.dumps(
                {
                    "credentials": {
                        "app.terraform.io": {
                            "token": _fake("tfc", 14) + _j(".atlas", "v1.") + _fake("tfc2", 67)
                        }
                    }
                }
            ),
        ),
        (
            "docker config auth",
            json.dumps(
                {"auths": {"registry.example.com": {"auth": _b64("deploy:" + _fake("reg", 20))}}}
            ),
        ),
    ],
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
    *[
        # The credential-free files of the same CLIs and SDKs.
        (
            "aws config profile",
            "[profile deploy]\nregion = eu-west-1\n"
            "role_arn = arn:aws:iam::123456789012:role/deploy\n"
            "source_profile = default\n",
        ),
        (
            "aws credentials from env references",
            "[default]\naws_access_key_id = ${AWS_ACCESS_KEY_ID}\n"
            "aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}\n"
            "aws_session_token = ${AWS_SESSION_TOKEN}\n",
        ),
        (
            "aws web identity env",
            "AWS_ROLE_ARN=arn:aws:iam::123456789012:role/loki\n"
            "AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token\n",
        ),
        (
            "azure connection string placeholder",
            "DefaultEndpointsProtocol=https;AccountName=gantrylogs;AccountKey=<account-key>;"
            "EndpointSuffix=core.windows.net",
        ),
        ("azurite", "UseDevelopmentStorage=true"),
        ("azure blob url", "https://gantrylogs.blob.core.windows.net/loki/chunks/index_1"),
        (
            "sig parameter that is no sas",
            "https://cdn.example.com/logo.png?sig=" + _fake("cdn", 30),
        ),
        (
            "azure profile",
            json.dumps(
                {
                    "subscriptions": [
                        {
                            "id": "00000000-0000-0000-0000-000000000002",
                            "name": "prod",
                            "tenantId": "00000000-0000-0000-0000-000000000003",
                            "user": {"name": "gantry-ci", "type": "servicePrincipal"},
                        }
                    ]
                }
            ),
        ),
        (
            "azure workload identity env",
            "AZURE_CLIENT_ID=00000000-0000-0000-0000-000000000001\n"
            "AZURE_TENANT_ID=00000000-0000-0000-0000-000000000003\n"
            "AZURE_FEDERATED_TOKEN_FILE=/var/run/secrets/azure/tokens/azure-identity-token\n",
        ),
        (
            "gcp external account",
            json.dumps(
                {
                    "type": "external_account",
                    "audience": "//iam.googleapis.com/projects/1/locations/global/"
                    "workloadIdentityPools/github/providers/gantry",
                    "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
                    "token_url": "https://sts.googleapis.com/v1/token",
                    "credential_source": {"file": "/var/run/secrets/tokens/gcp-ksa/token"},
                }
            ),
        ),
        (
            "gcp service account without key",
            json.dumps(
                {
                    "type": "service_account",
                    "project_id": "gantry-prod",
                    "client_email": "loki@gantry-prod.iam.gserviceaccount.com",
                    "client_id": "112233445566778899001",
                }
            ),
        ),
        (
            "gcloud config",
            "[core]\naccount = ci@gantry-prod.iam.gserviceaccount.com\nproject = gantry-prod\n",
        ),
        (
            "kubeconfig with exec credentials",
            "clusters:\n- cluster:\n    certificate-authority-data: "
            + _b64(_CERT)
            + "\n    server: https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com\n  name: aws-dev\n"
            "users:\n- name: aws-dev\n  user:\n    exec:\n      command: aws\n"
            "      args: [eks, get-token, --cluster-name, aws-dev]\n",
        ),
        ("base64 certificate", _b64(_CERT)),
        ("base64 public key", _b64(_PUBLIC)),
        ("base64 config", _b64("log_level: info\nlisten: :8080\notlp: http://alloy:4317\n")),
        (
            "public jwks",
            json.dumps(
                {
                    "keys": [
                        {"kty": "RSA", "kid": "k1", "use": "sig", "n": _fake("n", 86), "e": "AQAB"}
                    ]
                }
            ),
        ),
        (
            "docker config with credential helpers",
            json.dumps(
                {
                    "credHelpers": {"123456789012.dkr.ecr.eu-west-1.amazonaws.com": "ecr-login"},
                    "auths": {"ghcr.io": {}},
                }
            ),
        ),
        ("refresh token from env", json.dumps({"refresh_token": "${REFRESH_TOKEN}"})),
        (
            "wireguard peer",
            f"[Peer]\nPublicKey = {_fake_b64('wg-peer', 32)}\nAllowedIPs = 0.0.0.0/0\n"
            "Endpoint = vpn.example.com:51820\n",
        ),
        (
            "pgp public key",
            "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQENBF0\n-----END PGP PUBLIC KEY BLOCK-----\n",
        ),
        ("openvpn client config", "client\ndev tun\nremote vpn.example.com 1194\nca ca.crt\n"),
        (
            "key path setting",
            "PRIVATE_KEY_PATH=/etc/tls/tls.key\nprivate_key_file: /etc/ssh/id_ed25519\n",
        ),
        ("age recipient", "age1" + _fake("age-pub", 58, "023456789acdefghjklmnpqrstuvwxyz")),
    ],
]
