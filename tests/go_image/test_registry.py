"""The ko image against its registry: a lost image is built again, a silent registry is named.

A small Distribution-API stand-in on 127.0.0.1 answers `/v2/` and holds one
manifest; a closed port plays the registry that is down.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from components.go_image.ko import INPUT_KEYS, KoProvider
from components.go_image.registry import (
    RegistryUnavailableError,
    check_answers,
    holds,
    registry_host,
)
from tests.loopback import QuietHandler, closed_address, serving

HELD = "sha256:" + "a" * 64


class _Registry(QuietHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server names the handler
        self.send_response(200 if self.path == "/v2/" else 404)
        self.end_headers()

    def do_HEAD(self) -> None:  # noqa: N802 - http.server names the handler
        held = self.path == f"/v2/hello/manifests/{HELD}" and "oci.image.index" in str(
            self.headers.get("Accept")
        )
        self.send_response(200 if held else 404)
        self.end_headers()


@pytest.fixture
def registry() -> Iterator[str]:
    with serving(_Registry) as address:
        yield address


def _props(repository: str, digest: str) -> dict[str, Any]:
    props: dict[str, Any] = {key: f"value-{key}" for key in INPUT_KEYS}
    return {**props, "repository": repository, "digest": digest}


def test_an_unchanged_image_the_registry_still_serves_is_left_alone(registry: str) -> None:
    olds = _props(f"{registry}/hello", HELD)
    assert KoProvider().diff(HELD, olds, dict(olds)).changes is False


def test_an_unchanged_image_the_registry_lost_is_built_again(registry: str) -> None:
    lost = "sha256:" + "b" * 64
    olds = _props(f"{registry}/hello", lost)
    assert KoProvider().diff(lost, olds, dict(olds)).changes is True


def test_a_registry_that_is_down_fails_the_step_with_its_name() -> None:
    address = closed_address()
    olds = _props(f"{address}/hello", HELD)
    with pytest.raises(RegistryUnavailableError) as down:
        KoProvider().diff(HELD, olds, dict(olds))
    assert f"the registry {address} does not answer (connection refused)" in str(down.value)
    with pytest.raises(RegistryUnavailableError):
        check_answers(f"{address}/hello")


def test_a_changed_input_needs_no_registry_to_say_so() -> None:
    olds = _props(f"{closed_address()}/hello", HELD)
    assert KoProvider().diff(HELD, olds, {**olds, "fingerprint": "other"}).changes is True


def test_registry_answers_and_holds(registry: str) -> None:
    check_answers(f"{registry}/hello")
    assert holds(f"{registry}/hello", HELD)
    assert not holds(f"{registry}/other", HELD)


def test_the_registry_is_the_first_path_element() -> None:
    assert registry_host("127.0.0.1:5001/hello") == "127.0.0.1:5001"
    assert registry_host("[::1]:5001/a/b") == "[::1]:5001"
