"""gantry's reusable Pulumi components and the pure functions behind them.

Nothing in this package registers a resource when imported, and nothing in it
reads the stack config: each component takes args classes of its own, which
the application (`gantry/`) fills from `Pulumi.<stack>.yaml` and wires together.
"""
