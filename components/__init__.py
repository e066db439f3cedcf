"""gantry's reusable Pulumi components and the pure functions behind them.

Nothing in this package registers a resource when imported: `__main__.py`
parses the stack config once and wires the components together.
"""
