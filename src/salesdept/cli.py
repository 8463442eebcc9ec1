"""The `salesdept` command."""

import argparse
import os
import sys


def _django(settings_module: str = "salesdept.settings") -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django

    django.setup()


def cmd_manage(args) -> int:
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["salesdept manage", *args.rest])
    return 0


def cmd_migrate(args) -> int:
    _django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="salesdept", description="salesdept — sales department management")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("migrate", help="create or update the database tables")
    p.set_defaults(func=cmd_migrate)
    p = sub.add_parser("manage", help="run any Django management command", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    args = parser.parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
