"""The referral and the handoff: where the entrepreneur goes, and passing their question on with consent."""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import catalog, channel_of, domain_text, in_database, language, safely
from wegwijzer.catalog.cache import last_assigned
from wegwijzer.referral.contact import NO_COMPANY_NAME
from wegwijzer.referral.conversation import contact_channel, facts_from_slots, programs_text, public_contact
from wegwijzer.storage.engine import get_engine, session_scope
from wegwijzer.handoffs.lifecycle import HandoffRequest, record_handoff, record_intake
from wegwijzer.referral.places import Location
from wegwijzer.referral.routing import REFERRED, Referral
from wegwijzer.referral.size import parse_size

logger = logging.getLogger(__name__)
INTAKE_SLOTS = ("place", "municipality", "need", "sector", "employees", "request_text")
CONTACT_SLOTS = ("contact_name", "company_name", "contact_info", "contact_email", "contact_phone", "consent")


def company_name(tracker: Tracker) -> str | None:
    name = tracker.get_slot("company_name")
    return None if name in (None, NO_COMPANY_NAME) else name


async def current_referral(tracker: Tracker) -> Referral:
    """Route what the intake learned; the adviser choice reads the assignment history from the database."""
    slots = {name: tracker.get_slot(name) for name in INTAKE_SLOTS}
    history = await in_database(lambda: last_assigned(get_engine()))
    return catalog().router.route(facts_from_slots(slots, language(tracker)), history)


def _size_band(tracker: Tracker) -> str | None:
    size = parse_size(tracker.get_slot("employees") or "")
    return size.band if size else None


class ActionRefer(Action):
    failure_events = (SlotSet("referral_status", "failed"),)

    def name(self) -> str:
        return "action_refer"

    @safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        lang = language(tracker)
        channel = channel_of(tracker)
        outside = tracker.get_slot("outside_place")
        if outside and not tracker.get_slot("place"):
            dispatcher.utter_message(response="utter_outside", reason=catalog().router.outside(outside, lang).reason)
            await in_database(lambda: self._record(outcome="outside", need=tracker.get_slot("need"),
                                                   sector=tracker.get_slot("sector"), size_band=_size_band(tracker),
                                                   channel=channel, language=lang))
            return [SlotSet("referral_status", "outside")]
        referral = await current_referral(tracker)
        if referral.status != REFERRED:
            logger.warning("routing a finished intake gave %s", referral.status)
            dispatcher.utter_message(response="utter_backend_error")
            return [SlotSet("referral_status", "failed")]
        organisation = referral.organisation
        dispatcher.utter_message(response="utter_referral", organisation=organisation.name, reason=referral.reason)
        if referral.programs:
            dispatcher.utter_message(response="utter_programs", programs=programs_text(referral, lang))
        dispatcher.utter_message(response="utter_ask_want_contact", organisation=organisation.name)
        await in_database(lambda: self._record(
            outcome="referred", region=tracker.get_slot("region"), municipality=tracker.get_slot("municipality"),
            sector=tracker.get_slot("sector"), size_band=_size_band(tracker), need=tracker.get_slot("need"),
            organisation_key=organisation.key, channel=channel, language=lang))
        return [SlotSet("referral_status", "referred"), SlotSet("organisation_name", organisation.name)]

    @staticmethod
    def _record(**fields: Any) -> None:
        with session_scope(get_engine()) as session:
            record_intake(session, **fields)


class ActionPublicContact(Action):
    """No contact wanted (or no consent): nothing is stored, the entrepreneur gets the public contact details."""

    def name(self) -> str:
        return "action_public_contact"

    @safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        referral = await current_referral(tracker)
        if referral.organisation is None:
            dispatcher.utter_message(response="utter_general_contact")
            return []
        dispatcher.utter_message(response="utter_public_contact", organisation=referral.organisation.name,
                                 contact=public_contact(referral.organisation, language(tracker)))
        dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet(name, None) for name in CONTACT_SLOTS]


class ActionHandoff(Action):
    """After the contact form: with consent, store the handoff and tell who will call and when."""

    def name(self) -> str:
        return "action_handoff"

    @safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if tracker.get_slot("consent") is not True:
            return await ActionPublicContact().run(dispatcher, tracker, domain)
        lang = language(tracker)
        referral = await current_referral(tracker)
        if referral.status != REFERRED:
            logger.warning("routing for a handoff gave %s", referral.status)
            dispatcher.utter_message(response="utter_backend_error")
            return []
        organisation, adviser = referral.organisation, referral.adviser
        consent_text = domain_text(domain, "utter_ask_consent", lang).replace("{organisation_name}", organisation.name)
        email, phone = tracker.get_slot("contact_email"), tracker.get_slot("contact_phone")
        request = HandoffRequest(
            conversation_id=tracker.sender_id,
            organisation=organisation,
            adviser=adviser,
            location=Location(tracker.get_slot("place") or referral.place.location.place,
                              referral.place.location.municipality, referral.place.location.region),
            region_name=tracker.get_slot("region_name") or referral.place.location.region,
            need=tracker.get_slot("need"),
            consent_text=consent_text,
            channel=channel_of(tracker),
            language=lang,
            sector=tracker.get_slot("sector"),
            employees=tracker.get_slot("employees"),
            request_text=tracker.get_slot("request_text"),
            programs=[{"name": s.program.name, "reason": s.reason} for s in referral.programs],
            contact_name=tracker.get_slot("contact_name"),
            company_name=company_name(tracker),
            contact_email=email,
            contact_phone=phone,
        )

        def store() -> None:
            with session_scope(get_engine()) as session:
                record_handoff(session, request)

        await in_database(store)
        dispatcher.utter_message(response="utter_handoff_done", name=request.contact_name, organisation=organisation.name,
                                 adviser=adviser.name, days=organisation.response_days,
                                 channel=contact_channel(email, phone, lang))
        dispatcher.utter_message(response="utter_anything_else")
        return []
