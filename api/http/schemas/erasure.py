"""Bodies of erasure and legal holds. Reasons are codes; a hold's reference names the
instruction (an inquiry's or a claim's reference), never a person."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from api.http.schemas.common import Code, RequestBody, _encodable

Reference = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._/:#()-]*$",
    ),
    AfterValidator(_encodable),
]


class ErasureCreate(RequestBody):
    reason: Code = Field(
        description="Code of `erasure_reason`: right_to_erasure, recorded_in_error, ..."
    )


class LegalHoldCreate(RequestBody):
    reason: Code = Field(description="Code of `legal_hold_reason`: public_inquiry, litigation, ...")
    reference: Reference = Field(
        description="The instruction's reference (letters, digits, spaces and . _ / : # ( ) -), "
        "e.g. IICSA-2015/041. Not personal data: no names."
    )


class LegalHoldLiftCreate(RequestBody):
    reason: Code = Field(description="Code of `legal_hold_lift_reason`: instruction_withdrawn, ...")
