"""The stack config: typed models, parsed once by `load_stack_config`."""

from .loader import StackConfigError, decode_pulumi_config, parse_stack_config
from .stack import PROFILE_DEFAULTS, StackConfig

__all__ = [
    "PROFILE_DEFAULTS",
    "StackConfig",
    "StackConfigError",
    "decode_pulumi_config",
    "parse_stack_config",
]
