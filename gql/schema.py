"""The schema, assembled from per-domain query types and per-mutation modules."""

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from gql.errors import RequestErrorCodes, map_service_errors, report_errors
from gql.execution import CooperativeExecutionContext
from gql.input_guard import guard_inputs
from gql.introspection import IntrospectionSwitch
from gql.limits import RequestLimits
from gql.mutations.add_campaign_leads_from_segment import add_campaign_leads_from_segment
from gql.mutations.add_sender import add_sender
from gql.mutations.archive_campaign import archive_campaign
from gql.mutations.campaign_leads import add_campaign_leads, remove_campaign_leads
from gql.mutations.cancel_campaign_send import cancel_campaign_send
from gql.mutations.connect_twilio_account import connect_twilio_account
from gql.mutations.create_api_token import create_api_token
from gql.mutations.create_campaign import create_campaign
from gql.mutations.create_contacts import create_contacts
from gql.mutations.create_segment import create_segment
from gql.mutations.delete_segment import delete_segment
from gql.mutations.import_contacts import import_contacts
from gql.mutations.make_default_sender import make_default_sender
from gql.mutations.pause_campaign_send import pause_campaign_send
from gql.mutations.remove_sender import remove_sender
from gql.mutations.resume_campaign_send import resume_campaign_send
from gql.mutations.retry_failed_messages import retry_failed_messages
from gql.mutations.revoke_api_token import revoke_api_token
from gql.mutations.send_campaign import send_campaign
from gql.mutations.send_template_message import send_template_message
from gql.mutations.submit_campaign import submit_campaign
from gql.mutations.sync_campaign_status import sync_campaign_status
from gql.mutations.tag_contacts import tag_contacts
from gql.mutations.untag_contacts import untag_contacts
from gql.mutations.update_campaign import update_campaign
from gql.mutations.update_contacts import update_contacts
from gql.mutations.update_segment import update_segment
from gql.mutations.update_sending_policy import update_sending_policy
from gql.operation_metrics import OperationMetrics
from gql.parse_cache import ParseCache
from gql.queries.api_tokens import ApiTokenQueries
from gql.queries.campaigns import CampaignQueries
from gql.queries.contact_imports import ContactImportQueries
from gql.queries.contacts import ContactQueries
from gql.queries.node import NodeQueries
from gql.scalars import SCALAR_OVERRIDES
from gql.shared_reads import QueryHoldsReads
from gql.subscriptions.campaign_send_progress import campaign_send_progress
from gql.subscriptions.campaign_status import campaign_status_changed
from gql.subscriptions.import_progress import import_progress
from gql.subscriptions.message_status import message_status_changed
from gql.types.accounts import Sender
from gql.types.campaign import Campaign
from gql.types.contact_import import ContactImport
from gql.types.lead import CampaignLead, CampaignLeadMessage
from gql.types.people import ConversationUser, Merchant, Message
from gql.types.segments import Segment
from gql.types.send import CampaignSend
from gql.validation_cache import ValidationCache

Query = merge_types(
    "Query",
    (NodeQueries, CampaignQueries, ApiTokenQueries, ContactQueries, ContactImportQueries),
)


@strawberry.type
class Mutation:
    create_campaign = create_campaign
    update_campaign = update_campaign
    archive_campaign = archive_campaign
    add_campaign_leads = add_campaign_leads
    remove_campaign_leads = remove_campaign_leads
    submit_campaign = submit_campaign
    sync_campaign_status = sync_campaign_status
    send_campaign = send_campaign
    pause_campaign_send = pause_campaign_send
    resume_campaign_send = resume_campaign_send
    cancel_campaign_send = cancel_campaign_send
    retry_failed_messages = retry_failed_messages
    send_template_message = send_template_message
    create_api_token = create_api_token
    revoke_api_token = revoke_api_token
    add_sender = add_sender
    remove_sender = remove_sender
    make_default_sender = make_default_sender
    connect_twilio_account = connect_twilio_account
    import_contacts = import_contacts
    create_contacts = create_contacts
    update_contacts = update_contacts
    tag_contacts = tag_contacts
    untag_contacts = untag_contacts
    create_segment = create_segment
    update_segment = update_segment
    delete_segment = delete_segment
    add_campaign_leads_from_segment = add_campaign_leads_from_segment
    update_sending_policy = update_sending_policy


@strawberry.type
class Subscription:
    campaign_status_changed = campaign_status_changed
    message_status_changed = message_status_changed
    campaign_send_progress = campaign_send_progress
    import_progress = import_progress


class CampaignsSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Strawberry logs every error at ERROR, the client's mistakes included (a 1 MB
        # document with 100 errors wrote 106 MB); report_errors logs only unexpected ones.
        settings: Any = getattr(execution_context and execution_context.context, "settings", None)
        report_errors(errors, getattr(settings, "statement_timeout_ms", None))


guard_inputs(Query, Mutation)
map_service_errors(Mutation)

schema = CampaignsSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    types=[
        Campaign,
        CampaignLead,
        CampaignLeadMessage,
        CampaignSend,
        ContactImport,
        ConversationUser,
        Merchant,
        Message,
        Segment,
        Sender,
    ],
    extensions=[
        OperationMetrics,  # first: it times all the others too
        RequestLimits,  # before ParseCache: a document over the length limit is not looked up
        ParseCache,
        IntrospectionSwitch,
        ValidationCache,
        RequestErrorCodes,
        QueryHoldsReads,
    ],
    execution_context_class=CooperativeExecutionContext,
    scalar_overrides=SCALAR_OVERRIDES,
)
