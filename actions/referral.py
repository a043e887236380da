"""The referral and the handoff: where the entrepreneur goes, and passing their question on with consent.

The referral is decided once, by ``action_refer``, and kept in the conversation (slot ``referral``): the
consent question names its organisation and the handoff goes to it, never to a new routing.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import catalog, channel_of, domain_text, in_database, language, safely
from actions.statistics import noted_consent, noted_referral
from wegwijzer.handoffs.record import Contact, NotHandedOff, hand_off, refer_and_record
from wegwijzer.referral.contact import NO_COMPANY_NAME
from wegwijzer.referral.conversation import (
    CONSENT_QUESTION, CONTACT_SLOTS, KeptReferral, answered_consent_question, cleared_referral, consent_question, contact_channel,
    facts_from_slots, programs_text, public_contact,
)
from wegwijzer.referral.routing import OUTSIDE_PROVINCE, REFERRED
from wegwijzer.referral.wording import working_days
from wegwijzer.storage.engine import get_engine

logger = logging.getLogger(__name__)
INTAKE_SLOTS = ("place", "municipality", "need", "sector", "employees", "request_text")
LANGUAGES = ("nl", "en")


def company_name(tracker: Tracker) -> str | None:
    name = tracker.get_slot("company_name")
    return None if name in (None, NO_COMPANY_NAME) else name


def kept_referral(tracker: Tracker) -> KeptReferral | None:
    return KeptReferral.from_slot(tracker.get_slot("referral"))


def slot_events(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [SlotSet(name, value) for name, value in values.items()]


class ActionRefer(Action):
    """Decide the referral once, tell it, and keep it; a new referral needs a new contact form and consent."""
    failure_events = (SlotSet("referral_status", "failed"),)

    def name(self) -> str:
        return "action_refer"

    @safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        lang = language(tracker)
        facts = facts_from_slots({name: tracker.get_slot(name) for name in INTAKE_SLOTS}, lang)
        cat = catalog()
        outside_place = None if tracker.get_slot("place") else tracker.get_slot("outside_place")
        recorded = await in_database(lambda: refer_and_record(get_engine(), cat, facts, outside_place=outside_place,
                                                              channel=channel_of(tracker)))
        referral = recorded.referral
        forget = slot_events(cleared_referral()) + await noted_referral(
            tracker, recorded.intake_record, outside=referral.status == OUTSIDE_PROVINCE)
        if referral.status == OUTSIDE_PROVINCE:
            dispatcher.utter_message(response="utter_outside", reason=referral.reason)
            return forget + [SlotSet("referral_status", "outside")]
        if referral.status != REFERRED:
            logger.warning("routing a finished intake gave %s", referral.status)
            dispatcher.utter_message(response="utter_backend_error")
            return forget + [SlotSet("referral_status", "failed")]
        organisation = referral.organisation
        kept = KeptReferral.of(cat, referral, facts, tracker.get_slot("place"))
        if organisation.key != tracker.get_slot("announced_organisation"):  # else told during the intake already
            dispatcher.utter_message(response="utter_referral", organisation=organisation.name, reason=referral.reason)
        if referral.programs:
            dispatcher.utter_message(response="utter_programs" if len(referral.programs) > 1 else "utter_program",
                                     programs=programs_text(referral, lang))
        dispatcher.utter_message(response="utter_ask_want_contact", organisation=organisation.name)
        return forget + [SlotSet("referral_status", "referred"), SlotSet("referral", kept.as_slot()),
                         SlotSet("organisation_name", kept.organisation_name),
                         SlotSet("announced_organisation", organisation.key)]


class ActionPublicContact(Action):
    """No contact wanted (or no consent): nothing is stored, the entrepreneur gets the public contact details."""

    def name(self) -> str:
        return "action_public_contact"

    @safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        kept = kept_referral(tracker)
        organisation = catalog().router.organisations.get(kept.organisation_key) if kept else None
        forget_contact = [SlotSet(name, None) for name in CONTACT_SLOTS]
        if organisation is None:
            dispatcher.utter_message(response="utter_general_contact")
            return forget_contact
        dispatcher.utter_message(response="utter_public_contact", organisation=organisation.name,
                                 contact=public_contact(organisation, language(tracker)))
        dispatcher.utter_message(response="utter_anything_else")
        return forget_contact


class ActionHandoff(Action):
    """After the contact form: with consent for the kept referral's organisation, store the handoff and tell who
    will call and when. Consent is given once: it is cleared after the handoff."""

    def name(self) -> str:
        return "action_handoff"

    @safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if tracker.get_slot("consent") is not True:
            return await ActionPublicContact().run(dispatcher, tracker, domain)
        kept = kept_referral(tracker)
        seen = answered_consent_question(tracker.events)
        asked = {consent_question(domain_text(domain, CONSENT_QUESTION, lang), kept.organisation_name)
                 for lang in LANGUAGES} if kept else set()
        if seen is None or seen not in asked:
            logger.warning("handoff refused: no answered consent question for the kept referral")
            dispatcher.utter_message(response="utter_backend_error")
            return [SlotSet("consent", None)]
        await noted_consent(tracker)
        lang = language(tracker)
        contact = Contact(name=tracker.get_slot("contact_name"), company_name=company_name(tracker),
                          email=tracker.get_slot("contact_email"), phone=tracker.get_slot("contact_phone"))
        cat = catalog()
        try:
            request = await in_database(lambda: hand_off(
                get_engine(), cat, kept, seen, contact, conversation_id=tracker.sender_id, channel=channel_of(tracker),
                language=lang, request_text=tracker.get_slot("request_text")))
        except NotHandedOff as refused:
            logger.warning("handoff refused: %s", refused)
            dispatcher.utter_message(response="utter_backend_error")
            return [SlotSet("consent", None)]
        dispatcher.utter_message(response="utter_handoff_done", name=contact.name, organisation=request.organisation.name,
                                 adviser=request.adviser.name, days=working_days(request.organisation.response_days, lang),
                                 channel=contact_channel(contact.email, contact.phone, lang))
        dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet("consent", None)]
