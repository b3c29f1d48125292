"""`campaigns serve | migrate | merchant create | token create|list|revoke | sandbox reply |
sandbox status | dashboard | emulator`."""

import argparse
import sys
from pathlib import Path

from cli.merchants import add_merchant_commands, merchant_command
from cli.tokens import add_token_commands, token_command
from services.settings import Settings, get_settings

DASHBOARD = Path(__file__).parent / "grafana_dashboard.json"
MESSAGE_STATUSES = ("queued", "sending", "sent", "delivered", "read", "undelivered", "failed")


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="campaigns", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="apply migrations and serve the API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    commands.add_parser("migrate", help="apply database migrations")
    add_merchant_commands(commands)
    add_token_commands(commands)
    _sandbox_parser(commands)
    commands.add_parser(
        "dashboard", help="print the Grafana dashboard for /metrics (JSON, to import)"
    )
    # prefix_chars="\0": every word after `emulator` is its flag (`campaigns emulator --help`).
    emulator_cmd = commands.add_parser("emulator", help="Twilio emulator", prefix_chars="\0")
    emulator_cmd.add_argument("emulator_args", nargs="*")
    return parser


def _sandbox_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    sandbox = commands.add_parser(
        "sandbox", help="play the customer against the running sandbox (`campaigns serve`)"
    )
    sandbox_commands = sandbox.add_subparsers(dest="sandbox_command", required=True)
    reply = sandbox_commands.add_parser(
        "reply", help="the person at PHONE sends TEXT (STOP, START, anything) to the sender"
    )
    reply.add_argument("phone", help="E.164, e.g. +447911123456")
    reply.add_argument("text", nargs="+")
    reply.add_argument("--name", default="", help="the person's WhatsApp profile name")
    status = sandbox_commands.add_parser(
        "status", help="a message (its SM sid, or the latest to PHONE) takes STATUS"
    )
    status.add_argument("message", metavar="SID_OR_PHONE")
    status.add_argument("status", choices=MESSAGE_STATUSES)
    status.add_argument("--error-code", type=int, help="Twilio's ErrorCode, e.g. 63049")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "emulator":
        from emulator.cli import run

        return run(args.emulator_args)
    if args.command == "dashboard":
        sys.stdout.write(DASHBOARD.read_text())
        return 0

    from cli.serve import configure_logging

    settings = get_settings()
    configure_logging(settings)
    try:
        return _run(settings, args)
    except KeyboardInterrupt:
        return 130


def _run(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "serve":
        from cli.serve import serve_command

        return serve_command(settings, args.host, args.port)
    if args.command == "sandbox":
        return _sandbox_command(settings, args)
    if args.command == "migrate":
        return migrate_command(settings)
    if args.command == "token":
        return token_command(settings, args)
    return merchant_command(settings, args)


def _sandbox_command(settings: Settings, args: argparse.Namespace) -> int:
    from cli.customer import CustomerError, reply_command, status_command

    try:
        if args.sandbox_command == "reply":
            return reply_command(settings, args.phone, " ".join(args.text), args.name)
        return status_command(settings, args.message, args.status, args.error_code)
    except CustomerError as error:
        print(f"campaigns: {error}", file=sys.stderr)
        return 1


def migrate_command(settings: Settings) -> int:
    from cli.database import database_url
    from db.migrate import upgrade

    upgrade(database_url(settings))
    print("migrations applied")
    return 0


if __name__ == "__main__":
    sys.exit(main())
