"""One-time codes typed in the chat: recognised in any typed form ("275887", "275 887",
"275-887", "275.887", "mon code : 275 887"), stored masked, checked through core before the
bot sees anything, and replaced by a payload without the code (docs/security.md).

The bot's action reads the outcome from core by the conversation (core.otp_checks.take_check).
"""

from __future__ import annotations

import re

from core.otp_checks import check_typed_code
from hub.deps import HubDeps

MASKED_CODE = "••••••"
# What Rasa receives instead of the code: an intent the domain knows, which fills the
# requested code slot (from_text) without any digit of the code.
CODE_PAYLOAD = "/inform"
_LONGEST = 60  # longer texts are sentences, not a code answer
# Six digits, each group separated by at most one space, dash, dot or slash, and no other
# digit or letter glued to either end (a VIN's digits or a phone number are not codes).
_CODE = re.compile(r"(?<![0-9A-Za-z])(?<!\d[ .\-/])\d(?:[ .\-/]?\d){5}(?![0-9A-Za-z])(?![ .\-/]\d)")


def has_code(text: str) -> bool:
    """Whether the text holds anything written like a code (then masked if one is expected)."""
    return _CODE.search(text) is not None


def find_code(text: str) -> str | None:
    """The six digits of a code typed alone or in a short sentence; None otherwise."""
    if len(text) > _LONGEST:
        return None
    found = _CODE.findall(text)
    if len(found) != 1:
        return None
    return re.sub(r"\D", "", found[0])


async def check_code(deps: HubDeps, conversation_id: int, code: str) -> str:
    """Check the typed code through core (limits included); the outcome awaits the action."""
    return await deps.core(
        check_typed_code,
        conversation_id=conversation_id,
        code=code,
        now=deps.now(),
        limits=deps.otp_limits,
    )
