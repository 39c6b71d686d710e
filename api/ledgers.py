"""/quota, /farmland and /land-tickets: the ledgers."""

from __future__ import annotations

from typing import Any

from api.auth import current_actor
from api.base import Blueprint, runtime
from api.schemas.common import PageArgs
from api.schemas.ledgers import (
    CreditArgs,
    FarmlandCreditList,
    FarmlandCreditOut,
    LandTicketList,
    LandTicketOut,
    QuotaAccountList,
    QuotaAccountOut,
    QuotaEntryPage,
    TransferOut,
    YearArgs,
)
from workflow.ledgers import queries as books
from workflow.ledgers import services as ledgers
from workflow.ledgers.schemas import (
    AllocationSchema,
    FarmlandCreditSchema,
    LandTicketSchema,
    QuotaAccountSchema,
    TransferSchema,
)

quota = Blueprint("quota", __name__, url_prefix="/api/v1/quota",
                  description="New-construction-land quota ledger (新增建设用地计划指标)")
farmland = Blueprint("farmland", __name__, url_prefix="/api/v1/farmland",
                     description="Farmland compensation credits (补充耕地指标)")
tickets = Blueprint("land_tickets", __name__, url_prefix="/api/v1/land-tickets",
                    description="Chongqing land tickets (地票)")



@quota.route("/accounts", methods=["POST"])
@quota.arguments(QuotaAccountSchema)
@quota.response(201, QuotaAccountOut)
def create_account(body: dict[str, Any]) -> Any:
    """Open a plan year's account with its allocation (admin)."""
    return ledgers.create_quota_account(runtime().uow(), current_actor(), body), 201


@quota.route("/accounts", methods=["GET"])
@quota.arguments(YearArgs, location="query", as_kwargs=True)
@quota.response(200, QuotaAccountList)
def list_accounts(**args: Any) -> Any:
    """Quota accounts with their balances."""
    return books.list_quota_accounts(runtime().reader(), current_actor(), **args)


@quota.route("/accounts/<int:account_id>/entries", methods=["GET"])
@quota.arguments(PageArgs, location="query", as_kwargs=True)
@quota.response(200, QuotaEntryPage)
def entries(account_id: int, **page: Any) -> Any:
    """The account's immutable entries, oldest first."""
    return books.quota_entries(runtime().reader(), current_actor(), account_id, **page)


@quota.route("/accounts/<int:account_id>/allocations", methods=["POST"])
@quota.arguments(AllocationSchema)
@quota.response(201, QuotaAccountOut)
def allocate(body: dict[str, Any], account_id: int) -> Any:
    """Add an allocation to an account (admin)."""
    return ledgers.allocate_quota(runtime().uow(), current_actor(), account_id, body), 201


@quota.route("/transfers", methods=["POST"])
@quota.arguments(TransferSchema)
@quota.response(201, TransferOut)
def transfer(body: dict[str, Any]) -> Any:
    """Move quota between two accounts (admin)."""
    return ledgers.transfer_quota(runtime().uow(), current_actor(), body), 201


@farmland.route("/credits", methods=["POST"])
@farmland.arguments(FarmlandCreditSchema)
@farmland.response(201, FarmlandCreditOut)
def create_credit(body: dict[str, Any]) -> Any:
    """Record an accepted supplementary-farmland credit (admin, clerk)."""
    return ledgers.create_farmland_credit(runtime().uow(), current_actor(), body), 201


@farmland.route("/credits", methods=["GET"])
@farmland.arguments(CreditArgs, location="query", as_kwargs=True)
@farmland.response(200, FarmlandCreditList)
def list_credits(available: bool) -> Any:
    """Credits with their remaining areas and pairings."""
    return books.list_farmland_credits(runtime().reader(), current_actor(),
                                         available_only=available)


@tickets.route("", methods=["POST"])
@tickets.arguments(LandTicketSchema)
@tickets.response(201, LandTicketOut)
def create_ticket(body: dict[str, Any]) -> Any:
    """Record a land ticket bought at the Chongqing Rural Land Exchange (admin, clerk); it is
    redeemed by naming it in an approval (`land_ticket_ids`)."""
    return ledgers.create_land_ticket(runtime().uow(), current_actor(), body), 201


@tickets.route("", methods=["GET"])
@tickets.response(200, LandTicketList)
def list_tickets() -> Any:
    """Land tickets with their remaining area and proceeds split."""
    return books.list_land_tickets(runtime().reader(), current_actor())
