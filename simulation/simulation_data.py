"""The data the simulator's families are made of: code weights, and obviously invented people.

Weights are relative. Codes are those of the code lists (domain/codelists); names and streets
are made up from small lists so that nobody could mistake them for a real person.
"""

from __future__ import annotations

from collections.abc import Mapping

LEAD_AGENCIES = {"early_help": 80, "school": 10, "health_visiting": 5, "school_nursing": 5}
AREAS = {"gillingham": 0.30, "chatham": 0.30, "strood": 0.22, "luton_and_rainham": 0.18}
# CIN census referral sources of requests for early help (relative weights).
REFERRAL_SOURCES = {
    "2A": 24, "2B": 3, "3A": 4, "3B": 6, "3C": 3, "3D": 2, "3E": 2, "3F": 3, "6": 16,
    "1A": 4, "1B": 1, "1C": 6, "1D": 1, "4": 4, "5A": 5, "5B": 3, "5C": 2, "5D": 8, "7": 1,
    "8": 1, "9": 1,
}  # fmt: skip
NEEDS = {
    "good_education": 20, "family_relationships": 15, "health": 15, "domestic_abuse": 10,
    "financial_stability": 10, "housing": 7, "crime": 6, "safe_from_abuse": 6,
    "early_years": 6, "substance_use": 5,
}  # fmt: skip
# Where each headline outcome's CIN assessment factors and plan actions come from.
FACTORS = {
    "good_education": ("19A", "10A"), "family_relationships": ("19A", "7A", "10A"),
    "health": ("4A", "4B", "6A", "6B", "11A"), "domestic_abuse": ("3A", "3B"),
    "financial_stability": ("23A",), "housing": ("24A",), "crime": ("10A", "15A", "18A"),
    "safe_from_abuse": ("8D", "8E", "12A", "13A", "18A", "22A"), "early_years": ("8D", "19A"),
    "substance_use": ("1B", "2B", "2A"),
}  # fmt: skip
OWNERS = {
    "good_education": ("school", "education_welfare"),
    "family_relationships": ("early_help", "voluntary_sector"),
    "health": ("gp", "camhs", "adult_mental_health", "school_nursing"),
    "domestic_abuse": ("domestic_abuse", "police"),
    "financial_stability": ("jobcentre", "voluntary_sector"),
    "housing": ("housing",),
    "crime": ("youth_justice", "police"),
    "safe_from_abuse": ("early_help", "police"),
    "early_years": ("health_visiting",),
    "substance_use": ("substance_misuse",),
}
# Outcome evidence for a headline outcome: its measure and who reports it.
EVIDENCE: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "good_education": ("attendance_percent", ("school", "education_welfare")),
    "early_years": ("early_years_check", ("health_visiting",)),
    "health": ("treatment_engaged", ("family",)),
    "substance_use": ("treatment_engaged", ("substance_misuse",)),
    "safe_from_abuse": ("missing_episodes", ("police",)),
    "crime": ("offences", ("police",)),
    "domestic_abuse": ("domestic_abuse_incidents", ("police", "domestic_abuse")),
    "housing": ("tenancy_sustained", ("housing",)),
    "financial_stability": ("in_employment", ("jobcentre",)),
}
# Counting measures, and the most a family has before support.
COUNT_MEASURES = {"offences": 5, "domestic_abuse_incidents": 4, "missing_episodes": 6}
# How a plan's last review decides, by ending; endings without a last review; good endings.
FINAL_DECISIONS = {"step_up": "step_up", "universal_services": "step_down"}
NO_FINAL_REVIEW = frozenset({"lost_contact", "moved_away", "family_declined"})
GOOD_ENDINGS = frozenset({"outcomes_met", "universal_services", "no_further_action"})
# Specialist services a plan may hand over to, by headline outcome.
SPECIALISTS = {"health": "camhs", "substance_use": "substance_misuse", "crime": "youth_justice"}
# Who makes contact, how, and why (relative weights); who consent is usually given for.
CONTACT_AGENCIES = {
    "school": 30, "health_visiting": 10, "gp": 8, "police": 12, "housing": 6,
    "voluntary_sector": 8, "school_nursing": 5, "education_welfare": 6, "jobcentre": 3,
    "domestic_abuse": 4, "camhs": 4, "youth_justice": 2, "early_help": 10,
}  # fmt: skip
CHANNELS = {"phone": 35, "face_to_face": 20, "home_visit": 15, "email": 20, "video": 5,
            "meeting": 5}  # fmt: skip
BACKGROUND_REASONS = {"concern": 30, "information": 25, "attendance": 20, "health_appointment": 15,
                      "incident": 10}  # fmt: skip
CONSENT_AGENCIES = ("school", "health_visiting", "gp", "police", "housing", "camhs",
                    "children_social_care", "voluntary_sector", "education_welfare")  # fmt: skip
# What is shared with an agency.
CATEGORIES = {
    "school": ("education", "plan"), "education_welfare": ("education",),
    "police": ("police", "safeguarding_concern"),
    "children_social_care": ("request_for_support", "assessment", "coordination", "plan"),
    "gp": ("health",), "camhs": ("health", "request_for_support", "assessment"),
    "health_visiting": ("health", "coordination", "plan"),
}  # fmt: skip
# Obviously invented people: common given names, made-up family names and streets.
GIVEN_NAMES = ("Alex", "Sam", "Jordan", "Charlie", "Riley", "Casey", "Jamie", "Morgan",
               "Taylor", "Robin", "Frankie", "Drew", "Ellis", "Harper", "Quinn", "Rowan",
               "Noor", "Zara", "Leo", "Mia", "Oscar", "Ava", "Kit", "Remy")  # fmt: skip
FAMILY_NAMES = ("Exampleton", "Sampleford", "Demowood", "Mockley", "Testerby",
                "Fictionson", "Placeholdt", "Pretendly", "Inventon", "Madeupson", "Synthwell",
                "Fakebury")  # fmt: skip
ESCALATION_REASONS = {"risk_of_significant_harm": 45, "needs_escalated": 30, "no_progress": 15,
                      "family_not_engaging": 10}  # fmt: skip
STREETS = ("Example Street", "Sample Road", "Placeholder Avenue", "Fictional Close",
           "Imaginary Lane", "Pretend Way", "Notreal Crescent", "Demo Gardens")  # fmt: skip
NOTES = ("{name} seemed settled today.", "Talked with the family about {name}'s routines.",
         "{name} missed two days this week; parent says illness.",
         "Parent asked for help with {name}'s sleep.", "{name} was upset at drop-off.")  # fmt: skip
