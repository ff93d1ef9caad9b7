"""Every rule of practice the domain enforces, in one place: rule id -> what it means.

A broken rule is refused with RuleBrokenError(rule id, detail) and nothing is stored.
The README's "Domain rules" section is generated from this table (tests check they agree).
"""

from __future__ import annotations

RULES: dict[str, str] = {
    "occurred_in_future": "An entry cannot have occurred in the future, nor (as corrected) after it was recorded (5 minutes' clock skew allowed).",
    "household_needs_a_child": "A family is registered with at least one child or young person.",
    "child_age": "A child is under 19 when registered, or under 25 with special educational needs or disabilities (SEND).",
    "member_not_found": "An entry naming a member names a member of the household (current, or one who has left since).",
    "member_already_left": "A member who has left cannot leave again.",
    "episode_required": "Outside an open episode only contacts, outcome evidence, consent, information sharing, member changes, corrections and retractions may be recorded, and what opens an episode.",
    "one_open_episode": "A family has at most one open episode of early help: close it before opening another.",
    "support_agreement_required": "Early help is voluntary: the family's agreement to support comes before an assessment or a plan.",
    "support_decision_unchanged": "A support decision must differ from the family's current decision in this episode.",
    "lead_practitioner_unchanged": "The lead practitioner assigned is already the lead practitioner.",
    "lead_practitioner_required": "A plan, a review and an escalation need a lead practitioner for the episode (exactly one at a time).",
    "assessment_in_progress": "Only one early help assessment can be in progress at a time.",
    "assessment_not_in_progress": "Only an assessment that was started, and not yet completed, can be completed.",
    "assessment_before_plan": "A plan is agreed after an early help assessment has been completed in the episode.",
    "plan_exists": "The episode already has a plan: revise it instead.",
    "plan_not_current": "Revisions and reviews refer to the current plan of the open episode.",
    "plan_needs_outcomes": "A plan has at least one outcome, each with a target date on or after the day it is agreed.",
    "action_outcome_unknown": "Every plan action belongs to an outcome of that plan.",
    "outcome_not_in_plan": "A review's progress refers to outcomes of the current plan.",
    "review_needs_progress": "A review records progress for at least one outcome of the current plan, each at most once.",
    "closure_outcomes_incomplete": "A closure states the status of every outcome of the current plan, and only those.",
    "outcomes_met_needs_achieved": "Closing with 'outcomes met' needs a plan, and every one of its outcomes achieved.",
    "step_up_needs_accepted_escalation": "Closing as 'step up' needs an escalation accepted by children's social care in the episode.",
    "escalation_awaiting_response": "An episode cannot close while an escalation awaits its response, and a service has at most one pending escalation.",
    "escalation_not_pending": "Only an escalation that was raised and not yet answered can be responded to.",
    "respondent_not_receiving_service": "A partner responds only to escalations addressed to their own agency.",
    "escalation_to_early_help": "An escalation goes to a statutory or specialist service, not to early help itself.",
    "consent_or_lawful_basis_required": "Sharing with an agency (including an escalation) needs a sharing consent in force covering that agency and purpose, or a recorded lawful basis other than consent.",
    "safeguarding_basis_needs_concern": "Safeguarding as a lawful basis for an escalation needs the safeguarding flag set.",
    "consent_not_in_force": "Only a consent that was given and not yet withdrawn can be withdrawn.",
    "step_down_while_open": "A step-down from social care opens a new episode, so no episode may be open.",
    "chronology": "Entries keep their order in practice, as recorded and as corrected: nothing in an episode before it opened or after it closed, an episode opens after the previous one closed, an assessment completes after it starts, a review or revision after its plan, a response after its escalation, a closure after every entry of its episode.",
    "entry_not_found": "A correction or retraction targets an existing entry of the same family.",
    "entry_retracted": "A retracted entry cannot be corrected or retracted again.",
    "not_retractable": "Only contacts, outcome evidence, information sharing and reviews can be retracted; correct other entries, or record what happened next.",
    "field_not_correctable": "Only the listed fields of an entry can be corrected; ids and structure never change.",
    "correction_unchanged": "A correction changes at least one field (or personal detail).",
    "period_order": "An evidence period ends on or after it starts, and not in the future.",
    "concurrent_change": "Someone else changed this family at the same time; reload and try again.",
    "idempotency_key_reused": "An idempotency key belongs to one command; reusing it for a different one is refused.",
    "legal_hold_in_force": "A family's personal data cannot be erased while a legal hold is in force: lift the hold first.",
    "already_erased": "A family's personal data is erased once; nothing can be erased, or held, after that.",
    "legal_hold_not_in_force": "Only a legal hold that was placed, and not yet lifted, can be lifted.",
    "personal_data_erased": "Once a family's personal data is erased, no entry with personal data (a member's details, notes) can be recorded for it.",
}
