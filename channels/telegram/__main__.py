"""`python -m channels.telegram set-webhook URL`: tell Telegram where to post updates
(with the configured secret), once per deployment; `delete-webhook` undoes it."""

from __future__ import annotations

import argparse
import asyncio
import sys

from telegram import Bot

from channels.telegram.settings import TelegramSettings


async def _run(command: str, url: str | None, settings: TelegramSettings) -> str:
    if settings.telegram_token is None:
        return "PITLANE_TELEGRAM_TOKEN is not set"
    bot = Bot(
        settings.telegram_token.get_secret_value(),
        base_url=settings.telegram_api_url,
        base_file_url=settings.telegram_file_url,
    )
    async with bot:
        if command == "delete-webhook":
            await bot.delete_webhook()
            return "webhook deleted"
        if settings.telegram_webhook_secret is None:
            return "PITLANE_TELEGRAM_WEBHOOK_SECRET is not set: refusing an open webhook"
        await bot.set_webhook(
            url,
            secret_token=settings.telegram_webhook_secret.get_secret_value(),
            allowed_updates=["message", "callback_query"],
        )
        return f"webhook set to {url}"


def main(argv: list[str] | None = None, settings: TelegramSettings | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m channels.telegram")
    commands = parser.add_subparsers(dest="command", required=True)
    set_webhook = commands.add_parser("set-webhook", help="register the webhook URL")
    set_webhook.add_argument("url", help="https://<public host>/webhooks/telegram")
    commands.add_parser("delete-webhook", help="stop webhook delivery (e.g. to poll)")
    args = parser.parse_args(argv)
    url = getattr(args, "url", None)
    if url is not None and not url.startswith("https://"):
        print("Telegram only posts to https:// URLs", file=sys.stderr)
        return 2
    result = asyncio.run(_run(args.command, url, settings or TelegramSettings()))
    print(result)
    return 0 if result.startswith("webhook") else 1


if __name__ == "__main__":
    sys.exit(main())
