"""`python -m gantry.driver COMMAND --stack NAME`: gantry's stacks without a language host.

`services` prints the local services the stack needs before `up` (registry,
cluster), read from its config, for scripts/local-up.sh. `unlock` breaks the
stack's locks in the file backend, except those of a process still running
on this host.

SIGINT or SIGTERM cancels like Ctrl-C in the Pulumi CLI (operations in flight
finish, the state is written, the lock released); a second one stops at once.
Either way no engine or plugin process outlives the driver.

Exit codes: 0 done; 1 the engine or the program failed; 2 bad usage or a
missing toolchain; 3 the policy pack refused the change; 4 changes were found
where `--expect-no-changes` said there would be none; 5 interrupted by SIGINT
or SIGTERM (the next `up` reconciles what was left in progress); 6 refused
because another run holds the stack (the message names it).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from gantry.config.loader import StackConfigError

from .apiwatch import endpoints
from .command import run
from .guard import unlock
from .locks import backend_dir
from .progress import condensed
from .reaper import Reaper
from .results import Exit, Result
from .stack import DEFAULT_CANCEL_GRACE, Options, load_config, local_services
from .supervisor import Supervisor
from .toolchain import ToolchainError, backend_url, find_toolchain

COMMANDS = ("up", "preview", "refresh", "destroy", "outputs", "services", "unlock")
REPO = Path(__file__).resolve().parents[2]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m gantry.driver", description=__doc__)
    parser.add_argument("command", choices=COMMANDS)
    parser.add_argument("--stack", default="local", help="stack name (default: local)")
    parser.add_argument(
        "--expect-no-changes",
        action="store_true",
        help="preview/refresh: exit 4 when the engine finds any change",
    )
    parser.add_argument(
        "--pack-config",
        type=Path,
        help="pack config (default: the stack's gantry:policy.pack_config)",
    )
    parser.add_argument(
        "--no-policy", action="store_true", help="run without the policy pack (never in CI)"
    )
    parser.add_argument(
        "--config-file", type=Path, help="stack config file instead of Pulumi.<stack>.yaml"
    )
    parser.add_argument("--show-unchanged", action="store_true", help="print unchanged steps too")
    parser.add_argument("--json", type=Path, help="also write the result as JSON to this file")
    parser.add_argument(
        "--cancel-grace",
        type=float,
        default=DEFAULT_CANCEL_GRACE,
        metavar="SECONDS",
        help="after SIGINT/SIGTERM, how long operations in flight may take to finish "
        f"before the engine is stopped at once (default {DEFAULT_CANCEL_GRACE:.0f})",
    )
    return parser.parse_args(argv)


def echo(line: str) -> None:
    print(line, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    config_file = args.config_file.resolve() if args.config_file else None
    try:
        # Bad config stops here, with every problem and its line, before the engine starts.
        config = load_config(REPO, args.stack, config_file)
    except StackConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return int(Exit.USAGE)
    if args.command == "services":
        print(" ".join(local_services(config)))
        return int(Exit.OK)
    if args.command == "unlock":
        return _unlock(args.stack)
    try:
        toolchain = find_toolchain(dict(os.environ))
    except ToolchainError as error:
        print(f"error: {error}", file=sys.stderr)
        return int(Exit.USAGE)
    options = Options(
        repo=REPO,
        stack=args.stack,
        expect_no_changes=args.expect_no_changes,
        policy=not args.no_policy,
        pack_config=args.pack_config or REPO / config.policy.pack_config,
        show_unchanged=args.show_unchanged,
        config_file=config_file,
        cancel_grace=args.cancel_grace,
        endpoints=tuple(endpoints(config, os.environ)),
    )
    echo(f"==> {args.command} {args.stack} (pulumi: {toolchain.pulumi})")
    reaper = Reaper()
    supervisor = Supervisor(echo, grace=args.cancel_grace, reaper=reaper)
    supervisor.install()
    try:
        result = run(args.command, options, toolchain, echo, supervisor)
    finally:
        supervisor.uninstall()
        reaper.close()
    report(result)
    if args.json:
        args.json.write_text(result.to_json() + "\n", encoding="utf-8")
    return int(result.exit)


def _unlock(stack: str) -> int:
    backend = backend_dir(backend_url(dict(os.environ), REPO / ".pulumi"))
    if backend is None:
        print("error: unlock is for the file backend; use `pulumi cancel` for others")
        return int(Exit.USAGE)
    project = Options(repo=REPO, stack=stack, pack_config=REPO).project
    return int(Exit.OK if unlock(backend, project, stack, echo) else Exit.LOCKED)


def report(result: Result) -> None:
    for error in result.errors:
        print(f"error: {condensed(error)}", file=sys.stderr)
    for finding in result.blocking_findings:
        print(f"refused by policy {finding.policy}: {finding.message}", file=sys.stderr)
    if result.outputs:
        width = max(len(key) for key in result.outputs)
        for key, value in sorted(result.outputs.items()):
            print(f"  {key:<{width}}  {value}")
    print(result.summary())


if __name__ == "__main__":
    sys.exit(main())
