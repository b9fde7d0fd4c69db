"""The Telegram channel (python-telegram-bot 22): webhook or polling, text, inline buttons,
files, locations and venues, through the hub like every channel; proactive messages through
`TelegramSender`. See docs/channels.md."""

from channels.telegram.channel import TelegramChannel, telegram_channel
from channels.telegram.send import TelegramSender
from channels.telegram.webhook import router

__all__ = ["TelegramChannel", "TelegramSender", "router", "telegram_channel"]
