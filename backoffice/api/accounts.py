"""`/api/staff/accounts`: admins create, deactivate and reactivate staff accounts and reset
their two-factor authentication (issue 14, item 8; core/staff_lifecycle.py)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from backoffice.api.deps import CoreDep
from backoffice.auth import CurrentAdmin
from backoffice.reset_mail import send_reset_mail
from backoffice.session_events import announce_sessions_ended
from backoffice.texts import page_language
from core import staff as staff_core
from core import staff_lifecycle, staff_reset, staff_totp
from core.staff import StaffView

router = APIRouter(prefix="/api/staff/accounts", tags=["admin"])
StaffId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class AccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=254)
    name: str = Field(min_length=1, max_length=100)
    role: str = Field(description="advisor, mechanic, manager or admin")
    password: str | None = Field(
        default=None,
        min_length=staff_core.PASSWORD_MIN,
        max_length=staff_core.PASSWORD_MAX,
        description="none: the new member gets an e-mail link to choose theirs",
    )


class AccountOut(BaseModel):
    id: int
    email: str
    name: str
    role: str
    active: bool
    totp_enabled: bool


def account_out(view: StaffView) -> AccountOut:
    return AccountOut(
        id=view.id,
        email=view.email,
        name=view.name,
        role=view.role,
        active=view.active,
        totp_enabled=view.totp_enabled,
    )


@router.get("", response_model=list[AccountOut])
async def list_accounts(admin: CurrentAdmin, core: CoreDep) -> list[AccountOut]:
    """Every staff account, active or not, with its two-factor state."""
    return [account_out(view) for view in await core.run(staff_core.list_staff)]


@router.post("", response_model=AccountOut, status_code=201)
async def create_account(
    body: AccountIn, request: Request, admin: CurrentAdmin, core: CoreDep
) -> AccountOut:
    """A new staff member (any role); without a password, an e-mail link lets them choose one.

    409 `email_taken`; 422 `invalid_email`, `invalid_role`, `weak_password`."""
    view = await create_and_invite(request, core, body.email, body.name, body.role, body.password)
    return account_out(view)


@router.post("/{staff_id}/deactivate", response_model=AccountOut)
async def deactivate_account(
    staff_id: StaffId, request: Request, admin: CurrentAdmin, core: CoreDep
) -> AccountOut:
    """Deactivate an account: its sessions end now, its open consoles close.
    403 `cannot_deactivate_self`; 409 `last_admin`."""
    view = await core.run(staff_lifecycle.deactivate_staff, staff_id, by=admin.id)
    await announce_sessions_ended(request, view.id)
    return account_out(view)


@router.post("/{staff_id}/reactivate", response_model=AccountOut)
async def reactivate_account(staff_id: StaffId, admin: CurrentAdmin, core: CoreDep) -> AccountOut:
    """Reactivate an account (its owner signs in with their password)."""
    return account_out(await core.run(staff_lifecycle.reactivate_staff, staff_id, by=admin.id))


@router.delete("/{staff_id}/totp", response_model=AccountOut)
async def reset_account_totp(
    staff_id: StaffId, request: Request, admin: CurrentAdmin, core: CoreDep
) -> AccountOut:
    """Turn off another member's two-factor authentication (lost phone): their sessions end
    and they enrol again. 403 `cannot_reset_self`."""
    view = await core.run(staff_totp.reset_totp, staff_id, by=admin.id)
    await announce_sessions_ended(request, view.id)
    return account_out(view)


async def create_and_invite(
    request: Request, core: CoreDep, email: str, name: str, role: str, password: str | None
) -> StaffView:
    """Create the account; with no password, a random one and a reset link by e-mail."""
    chosen = password or secrets.token_urlsafe(32)
    view = await core.run(
        staff_core.create_staff_user, email=email, name=name, role=role, password=chosen
    )
    if not password:
        link = await core.run(
            staff_reset.request_password_reset,
            email=view.email,
            client_ip="admin-invitation",
            now=core.now(),
        )
        if link is not None:
            lang = page_language(request.headers.get("accept-language"))
            await send_reset_mail(request, link, lang)
    return view
