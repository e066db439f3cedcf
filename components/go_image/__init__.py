"""GoImage: the service image for every platform, by digest, in every target's registry."""

from .component import GoImage, GoImageArgs

__all__ = ["GoImage", "GoImageArgs"]
