"""Identity's event store, written: one thin eventsourcing ``Application``.

As in eventsourcing's bank-accounts example, its methods load aggregates, call them and
save them; who may act and what a request means is decided by the verb-family services
(``organisations``, ``accounts``, ``persons``, ``legacy``) that hold it. Organisations,
persons and accounts share this one store because the relay and the search projector read
its one notification log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from hourbank_common.errors import Conflict
from hourbank_identity.application.event_log import IdentityEventLog
from hourbank_identity.application.results import Activation
from hourbank_identity.domain.account import Account, Scope
from hourbank_identity.domain.organisation import Organisation
from hourbank_identity.domain.passwords import activation_code_digest, new_activation_code
from hourbank_identity.domain.person import Person, Registration

_A = TypeVar("_A", bound=Aggregate)


class ChangedConcurrently(Conflict):
    """Someone else changed the same aggregate first (optimistic concurrency)."""

    def __init__(self) -> None:
        super().__init__("changed concurrently; retry the request")


class IdentityApplication(IdentityEventLog):
    # eventsourcing names each subclass after itself unless told: the writer must use the
    # same tables as the relay and the projector that read through IdentityEventLog.
    name = "identity"

    # --- loading ------------------------------------------------------------------------

    def _get(self, aggregate_id: UUID, kind: type[_A]) -> _A | None:
        """The aggregate, or None when there is none of this kind under the id (ids of
        the three kinds share one store)."""
        try:
            found: Any = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, kind) else None

    def organisation(self, organisation_id: UUID) -> Organisation | None:
        return self._get(organisation_id, Organisation)

    def person(self, person_id: UUID) -> Person | None:
        return self._get(person_id, Person)

    def account(self, account_id: UUID) -> Account | None:
        return self._get(account_id, Account)

    # --- saving ---------------------------------------------------------------------------

    def commit(self, *aggregates: Aggregate) -> None:
        """Save what one verb changed, in one transaction."""
        try:
            self.save(*aggregates)
        except IntegrityError as error:
            raise ChangedConcurrently from error

    def provision_account(
        self, account_id: UUID, *, login: str | None, scope: Scope, now: datetime
    ) -> Activation:
        """A new account that its holder activates with the one-time code returned."""
        account, activation = _new_account(account_id, login, scope, now)
        self.commit(account)
        return activation

    def enrol_person(
        self,
        person_id: UUID,
        *,
        name: str,
        organisation_ids: list[UUID],
        region_code: str,
        registration: Registration,
        account_id: UUID,
        scope: Scope,
        now: datetime,
    ) -> tuple[Person, Activation]:
        """A new person and their account, saved together."""
        person = Person.register(
            person_id,
            name=name,
            region_code=region_code,
            organisation_ids=organisation_ids,
            registration=registration,
        )
        account, activation = _new_account(account_id, None, scope, now)
        self.commit(person, account)
        return person, activation


def _new_account(
    account_id: UUID, login: str | None, scope: Scope, now: datetime
) -> tuple[Account, Activation]:
    code = new_activation_code()
    account = Account.provision(
        account_id,
        login=login,
        scope=scope,
        activation_digest=activation_code_digest(code),
        now=now,
    )
    return account, Activation(account_id, login, code, account.activation_expires_at)
