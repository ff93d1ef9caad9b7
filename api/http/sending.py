"""The body -> command step every command route shares: `Annotated[AddMember,
body_of(AddMember, Recording)]` is a dependency answering the command, built from the
request body (its model derived from the dataclass, api.common.schemas.derive), the ids in
the request's path and the sender (actor, idempotency key).

A route then only runs it: `return created(sender.app.handle(command))`.
"""

from __future__ import annotations

import inspect
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path

from api.common.deps import Sender
from api.common.schemas.derive import DerivedBody, path_fields, request_model
from domain.commands import Command

C = TypeVar("C", bound=Command)


def body_of(command: type[C], sender: Any) -> Any:
    """A dependency (`Depends`) that builds `command` from the request; `sender` is the
    route's sender dependency (an `Annotated[Sender, Depends(...)]`, e.g. Recording)."""
    model = request_model(command)
    path = path_fields(command)

    def build(*, body: DerivedBody, sender: Sender, **given: Any) -> C:
        return command(
            actor=sender.actor, idempotency_key=sender.idempotency_key, **given, **body.values()
        )

    keyword = inspect.Parameter.KEYWORD_ONLY
    build.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            *(
                inspect.Parameter(name, keyword, annotation=Annotated[tp, Path(description=about)])
                for name, tp, about in path
            ),
            inspect.Parameter("body", keyword, annotation=model),
            inspect.Parameter("sender", keyword, annotation=sender),
        ]
    )
    return Depends(build)
