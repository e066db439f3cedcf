"""Admission-time checks: only images CI signed start in opted-in namespaces."""

from .component import SignatureVerification, SignatureVerificationArgs
from .policy import INCLUDE_LABEL

__all__ = ["INCLUDE_LABEL", "SignatureVerification", "SignatureVerificationArgs"]
