"""Who may read whose hours: the person directory gives each person's scope, and the pure
rules of ``hourbank_common.access`` compare it with the caller's token."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from fastapi import Request

from hourbank_common.access import Principal, ResourceScope, may_read
from hourbank_common.auth import authorize_read
from hourbank_common.errors import Forbidden
from hourbank_common.http import add_log_context
from hourbank_ledger.application.directory import PersonDirectory


class PersonsNotReadable(Forbidden):
    """A batch names persons the caller may not read; the problem names each of them
    (opaque ids) so that the client can drop them and retry."""

    def __init__(self, principal: Principal, refused: Sequence[UUID]) -> None:
        super().__init__(
            f"role {principal.role.value} may not read {len(refused)} of the persons asked for"
        )
        self.refused = tuple(refused)

    def problem_errors(self) -> list[dict[str, str]]:
        return [
            {
                "field": "person_ids",
                "person_id": str(person_id),
                "message": "not readable with this token",
            }
            for person_id in self.refused
        ]


def scopes(directory: PersonDirectory, person_ids: Sequence[UUID]) -> dict[UUID, ResourceScope]:
    """Each person's scope; one the directory has not heard of has no region and no
    organisation, so only province-wide roles and the person themself may read it (a
    regional role fails closed until identity's registration has reached this ledger)."""
    found = directory.scopes(person_ids)
    return {pid: found.get(pid) or ResourceScope(person_id=pid) for pid in person_ids}


def authorize_person(
    directory: PersonDirectory, principal: Principal, person_id: UUID, request: Request
) -> None:
    """Raise ``Forbidden`` unless the caller may read the person (and name the person on
    the request's log line)."""
    add_log_context(request, person_id=str(person_id))
    authorize_read(principal, scopes(directory, [person_id])[person_id])


def authorize_batch(
    directory: PersonDirectory, principal: Principal, person_ids: Sequence[UUID]
) -> None:
    """All or nothing: a batch with one person the caller may not read is refused whole."""
    refused = [
        person_id
        for person_id, scope in scopes(directory, person_ids).items()
        if not may_read(principal, scope)
    ]
    if refused:
        raise PersonsNotReadable(principal, refused)
