"""What happens when a customer says something else inside a form, designed once for every form.

Rasa rules cannot take the form as a parameter, so the "... during <form>" rules are generated
from the table below into rasa_project/data/form_rules.yml (and their test stories into
rasa_project/tests/test_form_digressions.yml). A message that is not an answer to the form's
question is one of:

- a side question (are you a bot, hello, thanks, the phone number, a question the knowledge base
  answers, "menu"): answered, then the form asks its question again;
- a stop ("stop", "annuler", "laisse tomber"): the form is left with its answers kept and the
  bot asks whether to really stop; "oui" ends at the menu, "non" resumes the form where it was;
- a goodbye: the bot says goodbye (the menu stays one message away);
- a new request (another workflow): the form is left and the new workflow starts, with what is
  known about the customer carried over (action_clear_workflow keeps the name and contact);
- an answer the form cannot use: said once with the form's own words, then explained with an
  example and buttons (action_unusable_answer), never the same sentence three times;
- a button of an earlier offer: said to be out of date.

The new workflows start exactly as they do outside any form: their steps are read from the
"start" rules (condition `active_loop: null`) of the other rule files.

    python scripts/form_rules.py            # write the generated files
    python scripts/form_rules.py --check    # exit 1 if they are not up to date
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "rasa_project"
RULES_FILE = PROJECT / "data" / "form_rules.yml"
STORIES_FILE = PROJECT / "tests" / "test_form_digressions.yml"

# Answered, then the form asks its question again.
SIDE: dict[tuple[str, ...], str] = {
    ("bot_challenge",): "utter_iamabot",
    ("greet",): "utter_greet",
    ("thanks",): "utter_welcome",
    ("ask_email", "ask_phone"): "action_give_contact",
    ("cancel_advisor",): "action_cancel_advisor",
    ("show_menu",): "action_menu_resume",
    ("set_language",): "utter_language_set",
    ("ask_question",): "action_answer_question",
}
STOP = ("stop",)
GOODBYE = ("goodbye",)
# Intents that start another workflow from inside a form.
SWITCH = (
    "check_maintenance",
    "vehicle_info",
    "usage_road",
    "usage_offroad",
    "usage_sport",
    "contact_info",
    "ask_advisor",
    "my_bookings",
    "request_callback",
    "complain",
    "complaint_status",
    "find_agency",
    "identify_vehicle",
    "create_mycar",
    "workshop_services",
    "quick_service",
    "diagnostic",
    "repair",
    "visit_1000",
    "show_profile",
    "edit_profile",
    "my_data",
    "delete_account",
    "ask_repair_status",
    "ask_vehicle_history",
    "approve_estimate",
    "decline_estimate",
)
# A form whose answer is free text (a complaint, a comment, a note) keeps only the digressions
# no customer writes as their answer.
FREE_TEXT_DIGRESSIONS = {
    "bot_challenge",
    "greet",
    "thanks",
    "cancel_advisor",
    "show_menu",
    "set_language",
    "stop",
    "goodbye",
    "check_maintenance",
    "vehicle_info",
    "contact_info",
    "ask_advisor",
    "my_bookings",
}


@dataclass(frozen=True)
class Form:
    name: str
    # How the customer reaches the form's first question (the test stories' opening steps).
    opening: list[dict]
    # Intents that are this form's answers (or its own start): never a digression here.
    answers: frozenset[str] = frozenset()
    # Understood, but not an answer to the question: action_unusable_answer.
    unusable: tuple[str, ...] = ()
    # Buttons of an earlier offer: utter_choice_expired.
    old_buttons: tuple[str, ...] = ("choose",)
    free_text: bool = False
    # Digressions a free-text form allows besides FREE_TEXT_DIGRESSIONS.
    also: frozenset[str] = frozenset()
    # What the form sets again when it asks its question after a side question.
    resume: list[dict] = field(default_factory=list)
    # A new request asks first whether to leave the form (something is half done).
    confirm_switch: bool = False

    def digressions(self, intents: tuple[str, ...] | list[str]) -> list[str]:
        allowed = [i for i in intents if i not in self.answers and i not in self.unusable]
        if self.free_text:
            allowed = [i for i in allowed if i in FREE_TEXT_DIGRESSIONS | self.also]
        return allowed

    def ignored_intents(self) -> list[str]:
        """Intents the form must never take as an answer (its `ignored_intents`)."""
        side = [i for intents in SIDE for i in intents]
        return self.digressions([*STOP, *GOODBYE, *side, *SWITCH])


def _form_start(intent: str, form: str, requested: str) -> list[dict]:
    return [
        {"intent": intent},
        {"action": "action_clear_workflow"},
        {"action": form},
        {"active_loop": form},
        {"slot_was_set": [{"requested_slot": requested}]},
    ]


_TEST_RIDE = [
    {"intent": "usage_road"},
    {"action": "action_clear_workflow"},
    {"action": "usage_form"},
    {"active_loop": "usage_form"},
    {"slot_was_set": [{"usage": "road"}]},
    {"slot_was_set": [{"requested_slot": None}]},
    {"active_loop": None},
    {"action": "action_set_test_service"},
    {"slot_was_set": [{"service_code": "road_test"}]},
    {"action": "booking_form"},
    {"slot_was_set": [{"booking_reference": None}]},
    {"active_loop": "booking_form"},
    {"slot_was_set": [{"requested_slot": "agency"}]},
]
_BUTTON_ANSWERS = ("nlu_fallback", "out_of_scope", "inform", "affirm", "deny")

FORMS = [
    Form(
        "maintenance_form",
        _form_start("check_maintenance", "maintenance_form", "vehicle_year"),
        # "demain", "à la prochaine révision" are answers that read like a goodbye; the
        # history of the vehicle is told with the words of the workshop ("vidange en mars").
        answers=frozenset(
            {
                "goodbye",
                "affirm",
                "deny",
                "quick_service",
                "diagnostic",
                "repair",
                "visit_1000",
            }
        ),
        # a value is read as the answer wherever one is asked; the yes/no question rejects it
        unusable=("nlu_fallback", "out_of_scope", "inform", "check_maintenance"),
    ),
    Form(
        "usage_form",
        [
            {"intent": "vehicle_info"},
            {"action": "action_clear_workflow"},
            {"action": "action_vehicle_info"},
            {"action": "usage_form"},
            {"active_loop": "usage_form"},
            {"slot_was_set": [{"requested_slot": "usage"}]},
        ],
        answers=frozenset({"usage_road", "usage_offroad", "usage_sport"}),
        unusable=(*_BUTTON_ANSWERS, "vehicle_info"),
    ),
    Form(
        "booking_form",
        _TEST_RIDE,
        # A place typed at the agency question is the answer; "plutôt mardi après-midi" at
        # the slot offer is a wish that reads like a callback request.
        answers=frozenset({"find_agency", "request_callback"}),
        unusable=(*_BUTTON_ANSWERS,),
        resume=[{"slot_was_set": [{"booking_reference": None}]}],
        confirm_switch=True,
    ),
    Form(
        "identification_form",
        _form_start("identify_vehicle", "identification_form", "vehicle_plate"),
        answers=frozenset({"identify_vehicle"}),
        unusable=("nlu_fallback", "out_of_scope", "inform"),
    ),
    Form(
        "profile_form",
        _form_start("edit_profile", "profile_form", "profile_field"),
        answers=frozenset({"edit_profile", "show_profile"}),
        unusable=("nlu_fallback", "out_of_scope", "inform"),
    ),
    Form(
        "mycar_form",
        _form_start("create_mycar", "mycar_form", "mycar_name"),
        answers=frozenset({"create_mycar", "identify_vehicle", "inform"}),
        # a name, a brand, a model ("CB500F") are typed freely: only the safe digressions
        free_text=True,
    ),
    Form(
        "delete_form",
        _form_start("delete_account", "delete_form", "delete_confirmed"),
        answers=frozenset({"delete_account", "affirm", "deny"}),
        unusable=("nlu_fallback", "out_of_scope", "inform"),
    ),
    Form(
        "workshop_form",
        [
            {"intent": "workshop_services"},
            {"action": "action_clear_workflow"},
            {"action": "workshop_form"},
            {"active_loop": "workshop_form"},
            {"slot_was_set": [{"requested_slot": "service_code"}]},
        ],
        # The four services, a plate, a quote number and a symptom are its answers.
        answers=frozenset(
            {
                "identify_vehicle",
                "workshop_services",
                "quick_service",
                "diagnostic",
                "repair",
                "visit_1000",
                "no_quote_number",
                "find_agency",
            }
        ),
        unusable=(*_BUTTON_ANSWERS, "usage_road", "usage_offroad", "usage_sport"),
        old_buttons=("choose", "choose_service"),
    ),
    Form(
        "complaint_form",
        _form_start("complain", "complaint_form", "complaint_text"),
        answers=frozenset({"complain"}),
        old_buttons=("choose", "rate", "cancel_my_booking", "move_my_booking"),
        free_text=True,
    ),
    Form(
        "survey_comment_form",
        [
            {"intent": "rate", "entities": [{"rating": 2}]},
            {"action": "action_record_rating"},
            {"slot_was_set": [{"survey_rated": True}]},
            {"action": "survey_comment_form"},
            {"active_loop": "survey_comment_form"},
            {"slot_was_set": [{"requested_slot": "survey_comment"}]},
        ],
        old_buttons=("choose", "rate", "cancel_my_booking", "move_my_booking"),
        free_text=True,
    ),
    Form(
        "callback_form",
        _form_start("request_callback", "callback_form", "callback_phone"),
        # "demain matin" answers "when / which number" better than it says goodbye; the
        # advisor is what this form arranges: "a question for an advisor" is its note
        answers=frozenset({"request_callback", "goodbye", "ask_advisor"}),
        old_buttons=("choose", "choose_service", "rate", "cancel_my_booking", "move_my_booking"),
        free_text=True,
        # "et votre mail ?" while the number or the note is asked
        also=frozenset({"ask_email", "ask_phone"}),
    ),
    Form(
        "cancel_booking_form",
        [
            {"intent": "cancel_my_booking", "entities": [{"booking_choice": "PL-4K7Q2"}]},
            {"action": "cancel_booking_form"},
            {"active_loop": "cancel_booking_form"},
            {"slot_was_set": [{"requested_slot": "cancel_confirmed"}]},
        ],
        answers=frozenset({"affirm", "deny"}),
        unusable=("nlu_fallback", "out_of_scope", "inform", "feedback"),
        old_buttons=("choose", "rate"),
    ),
    Form(
        "move_booking_form",
        [
            {"intent": "move_my_booking", "entities": [{"booking_choice": "PL-4K7Q2"}]},
            {"action": "move_booking_form"},
            {"active_loop": "move_booking_form"},
            {"slot_was_set": [{"requested_slot": "move_slot"}]},
        ],
        answers=frozenset({"request_callback"}),
        unusable=(*_BUTTON_ANSWERS, "feedback"),
        old_buttons=("rate",),
    ),
]
FORM_NAMES = [form.name for form in FORMS]


def _intent_step(intents: list[str] | tuple[str, ...]) -> dict:
    if len(intents) == 1:
        return {"intent": intents[0]}
    return {"or": [{"intent": i} for i in intents]}


def _leave(form: Form) -> list[dict]:
    return [
        {"action": "action_deactivate_loop"},
        {"active_loop": None},
        {"slot_was_set": [{"requested_slot": None}]},
    ]


def _back(form: Form) -> list[dict]:
    return [{"action": form.name}, *form.resume, {"active_loop": form.name}]


@dataclass(frozen=True)
class Start:
    """The steps that start a workflow outside any form, and whether its start rule says
    `wait_for_user_input: false` (its last action is followed by more: a form, an answer)."""

    steps: list[dict]
    waits: bool = True
    # what follows in a test story when the start does not wait: the slots its last action
    # sets in the outcome rule that ends the turn ("repair status told")
    tail: tuple[dict, ...] = ()

    def rule_end(self) -> dict:
        """What a generated rule ending with these steps must say as well."""
        return {} if self.waits else {"wait_for_user_input": False}


def start_steps(rule_files: list[Path]) -> dict[str, Start]:
    """Intent -> how its workflow starts outside any form (the "start" rules)."""
    starts: dict[str, Start] = {}
    for path in rule_files:
        for rule in (yaml.safe_load(path.read_text()) or {}).get("rules") or []:
            condition = rule.get("condition") or []
            if {"active_loop": None} not in condition:
                continue
            first, *rest = rule["steps"]
            intents = [first["intent"]] if "intent" in first else []
            intents += [option["intent"] for option in first.get("or", [])]
            waits = rule.get("wait_for_user_input", True) is not False
            for intent in intents:
                starts.setdefault(intent, Start(rest, waits))
    outcomes = [
        rule["steps"]
        for path in rule_files
        for rule in (yaml.safe_load(path.read_text()) or {}).get("rules") or []
        if not rule.get("condition") and rule.get("wait_for_user_input", True) is not False
    ]
    for intent, start in starts.items():
        if start.waits or not start.steps:
            continue
        for steps in outcomes:
            first, *rest = steps
            if first == start.steps[-1] and rest and all("slot_was_set" in s for s in rest):
                starts[intent] = Start(start.steps, start.waits, tuple(rest))
                break
    return starts


def _switch_steps(start: Start) -> list[dict]:
    steps = start.steps
    if steps and steps[0] == {"action": "action_clear_workflow"}:
        return steps
    return [{"action": "action_clear_workflow"}, *steps]


def rules_for(form: Form, starts: dict[str, Start]) -> list[dict]:
    label = form.name.removesuffix("_form").replace("_", " ")
    condition = [{"active_loop": form.name}]
    rules: list[dict] = []
    for intents, action in SIDE.items():
        kept = form.digressions(intents)
        if kept:
            rules.append(
                {
                    "rule": f"{'/'.join(kept)} during the {label}, then its question again",
                    "condition": condition,
                    "steps": [_intent_step(kept), {"action": action}, *_back(form)],
                }
            )
    if form.digressions(STOP):
        rules.append(
            {
                "rule": f"stop during the {label} asks whether to really stop",
                "condition": condition,
                "steps": [
                    _intent_step(STOP),
                    *_leave(form),
                    {"action": "action_confirm_stop"},
                    {"slot_was_set": [{"leaving_form": form.name}]},
                ],
            }
        )
        rules.append(
            {
                "rule": f"the {label} left after a stop was confirmed",
                "steps": [
                    {"action": "action_confirm_stop"},
                    {"slot_was_set": [{"leaving_form": form.name}]},
                    {"or": [{"intent": "affirm"}, {"intent": "stop"}]},
                    {"action": "action_stop_workflow"},
                ],
            }
        )
        rules.append(
            {
                "rule": f"the {label} resumed after a stop was not confirmed",
                "steps": [
                    {"action": "action_confirm_stop"},
                    {"slot_was_set": [{"leaving_form": form.name}]},
                    {"intent": "deny"},
                    {"action": "action_resume_form"},
                    {"slot_was_set": [{"leaving_form": None}]},
                    {"action": form.name},
                    *form.resume,
                    {"active_loop": form.name},
                ],
            }
        )
    if form.digressions(GOODBYE):
        rules.append(
            {
                "rule": f"goodbye during the {label}",
                "condition": condition,
                "steps": [
                    _intent_step(GOODBYE),
                    *_leave(form),
                    {"action": "utter_goodbye"},
                    {"action": "action_clear_workflow"},
                ],
            }
        )
    switches = form.digressions(SWITCH)
    for intent in switches:
        if intent not in starts:
            raise SystemExit(f"no start rule for {intent!r} (condition active_loop: null)")
    if form.confirm_switch and switches:
        rules.extend(_confirm_switch_rules(form, label, switches, starts))
        switches = []
    for intent in switches:
        rules.append(
            {
                "rule": f"{intent} during the {label} starts it",
                "condition": condition,
                "steps": [{"intent": intent}, *_leave(form), *_switch_steps(starts[intent])],
                **starts[intent].rule_end(),
            }
        )
    if form.unusable:
        rules.append(
            {
                "rule": f"an answer the {label} cannot use",
                "condition": condition,
                "steps": [
                    _intent_step(form.unusable),
                    {"action": "action_unusable_answer"},
                    *_back(form),
                ],
            }
        )
    old = [i for i in form.old_buttons if i not in form.answers]
    if old:
        rules.append(
            {
                "rule": f"a button of an earlier offer during the {label}",
                "condition": condition,
                "steps": [_intent_step(old), {"action": "utter_choice_expired"}, *_back(form)],
            }
        )
    return rules


# Only the booking asks: the previous action is enough to know which form was left.
SWITCH_QUESTION = [{"action": "action_confirm_switch"}]


def _resumed(form: Form, question: list[dict]) -> list[dict]:
    return [
        *question,
        {"intent": "deny"},
        {"action": "action_resume_form"},
        {"slot_was_set": [{"leaving_form": None}]},
        *_back(form),
    ]


def _switched(form: Form, intent: str, starts: dict[str, Start]) -> list[dict]:
    """The request said again after the question: the form's answers are forgotten, then the
    request starts as it does anywhere."""
    return [{"intent": intent}, *_switch_steps(starts[intent])]


def _story_switch_steps(start: Start) -> list[dict]:
    """The start's steps in a test story: with the outcome's slots when it does not wait."""
    return [*_switch_steps(start), *start.tail]


def _confirm_switch_rules(
    form: Form, label: str, switches: list[str], starts: dict[str, Start]
) -> list[dict]:
    """A new request asks whether to leave the form: the "yes" button says the request again
    (the form's answers are forgotten, then it starts), "no" resumes the form, a typed "oui"
    leaves it with the request offered as a button."""
    return [
        {
            "rule": f"a new request during the {label} asks whether to leave it",
            "condition": [{"active_loop": form.name}],
            "steps": [_intent_step(switches), *_leave(form), *SWITCH_QUESTION],
        },
        *(
            {
                "rule": f"{intent} after leaving the {label} starts it",
                "steps": [*SWITCH_QUESTION, *_switched(form, intent, starts)],
                **starts[intent].rule_end(),
            }
            for intent in switches
        ),
        {
            "rule": f"the {label} resumed after a new request",
            "steps": _resumed(form, SWITCH_QUESTION),
        },
        {
            "rule": f"the {label} left after a new request, by a typed yes",
            "steps": [
                *SWITCH_QUESTION,
                {"or": [{"intent": "affirm"}, {"intent": "stop"}]},
                {"action": "action_stop_workflow"},
            ],
        },
    ]


def _confirm_switch_stories(
    form: Form, label: str, switches: list[str], starts: dict[str, Start]
) -> list[dict]:
    ask = [*_leave(form), *SWITCH_QUESTION]
    stories = [
        {
            "story": f"{intent} during the {label} asks whether to leave it",
            "steps": [*form.opening, {"intent": intent}, *ask],
        }
        for intent in switches
    ]
    first = switches[0]
    return [
        *stories,
        {
            "story": f"{first} during the {label}, then yes: it starts",
            "steps": [
                *form.opening,
                {"intent": first},
                *ask,
                {"intent": first},
                *_story_switch_steps(starts[first]),
            ],
        },
        {
            "story": f"{first} during the {label}, then no: the {label} resumes",
            "steps": [*form.opening, {"intent": first}, *_leave(form), *_resumed(form, ask[3:])],
        },
        {
            "story": f"{first} during the {label}, then a typed yes",
            "steps": [
                *form.opening,
                {"intent": first},
                *ask,
                {"intent": "affirm"},
                {"action": "action_stop_workflow"},
            ],
        },
    ]


def common_rules() -> list[dict]:
    """What follows the stop question whatever the form was."""
    nothing_answered = [
        {"action": "action_confirm_stop"},
        {"slot_was_set": [{"leaving_form": None}]},
    ]
    return [
        {
            "rule": "a stop before any answer needs no confirmation",
            "steps": nothing_answered,
        },
        {
            "rule": "a yes after a stop that needed no confirmation",
            "steps": [
                *nothing_answered,
                {"or": [{"intent": "affirm"}, {"intent": "stop"}]},
                {"action": "action_stop_workflow"},
            ],
        },
        {
            "rule": "after a stop, wait for the customer",
            "steps": [{"action": "action_stop_workflow"}],
        },
    ]


def stories_for(form: Form, starts: dict[str, Start]) -> list[dict]:
    """One test story per digression kind of the form, from its first question."""
    label = form.name.removesuffix("_form").replace("_", " ")
    stories = []
    for intents, action in SIDE.items():
        for intent in form.digressions(intents):
            stories.append(
                {
                    "story": f"{intent} during the {label}",
                    "steps": [*form.opening, {"intent": intent}, {"action": action}, *_back(form)],
                }
            )
    if form.digressions(STOP):
        stop = [
            {"intent": "stop"},
            *_leave(form),
            {"action": "action_confirm_stop"},
            {"slot_was_set": [{"leaving_form": form.name}]},
        ]
        stories.append(
            {
                "story": f"stop during the {label}, not confirmed: resumed",
                "steps": [
                    *form.opening,
                    *stop,
                    {"intent": "deny"},
                    {"action": "action_resume_form"},
                    {"slot_was_set": [{"leaving_form": None}]},
                    {"action": form.name},
                    *form.resume,
                    {"active_loop": form.name},
                ],
            }
        )
        stories.append(
            {
                "story": f"stop during the {label}, confirmed: the menu",
                "steps": [
                    *form.opening,
                    *stop,
                    {"intent": "affirm"},
                    {"action": "action_stop_workflow"},
                ],
            }
        )
    switches = form.digressions(SWITCH)
    if form.confirm_switch and switches:
        stories.extend(_confirm_switch_stories(form, label, switches, starts))
        switches = []
    for intent in switches:
        stories.append(
            {
                "story": f"{intent} during the {label}",
                "steps": [
                    *form.opening,
                    {"intent": intent},
                    *_leave(form),
                    *_story_switch_steps(starts[intent]),
                ],
            }
        )
    for intent in form.unusable[:1]:
        stories.append(
            {
                "story": f"an unusable answer during the {label}",
                "steps": [
                    *form.opening,
                    {"intent": intent},
                    {"action": "action_unusable_answer"},
                    *_back(form),
                ],
            }
        )
    return stories


HEADER = (
    "# GENERATED by scripts/form_rules.py from its table of forms: do not edit by hand.\n"
    "# What happens when a customer says something else inside a form (docs/dialogue.md).\n"
)


class _Dumper(yaml.SafeDumper):
    """Steps shared by several rules are written out in full (no YAML anchors)."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _dump(key: str, items: list[dict]) -> str:
    body = yaml.dump(
        {"version": "3.1", key: items},
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    return HEADER + body


def render() -> dict[Path, str]:
    rule_files = sorted(p for p in (PROJECT / "data").glob("*.yml") if p != RULES_FILE)
    starts = start_steps(rule_files)
    rules = [rule for form in FORMS for rule in rules_for(form, starts)] + common_rules()
    stories = [story for form in FORMS for story in stories_for(form, starts)]
    return {RULES_FILE: _dump("rules", rules), STORIES_FILE: _dump("stories", stories)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the files are stale")
    args = parser.parse_args(argv)
    stale = []
    for path, text in render().items():
        if path.exists() and path.read_text() == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text)
    if args.check and stale:
        names = ", ".join(str(p.relative_to(ROOT)) for p in stale)
        print(f"stale: {names}; run python scripts/form_rules.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
