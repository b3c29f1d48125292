"""Enumerations stored in the database.

They are stored as VARCHAR with a CHECK constraint (not native PostgreSQL enums), so
adding a value is an ordinary migration that replaces a constraint.
"""

from enum import StrEnum


class CampaignStatus(StrEnum):
    UNSUBMITTED = "unsubmitted"
    RECEIVED = "received"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAUSED = "paused"
    DISABLED = "disabled"
    ARCHIVED = "archived"


class CampaignType(StrEnum):
    MARKETING = "marketing"
    SERVICE = "service"


class CampaignAuthorType(StrEnum):
    SYSTEM = "system"
    MERCHANT = "merchant"


class CampaignVariableType(StrEnum):
    """Every value a template placeholder can stand for."""

    MERCHANT_NAME = "merchant_name"
    MERCHANT_USER_NAME = "merchant_user_name"
    LEAD_NAME = "lead_name"
    LEAD_PHONE = "lead_phone"
    ORDER_ID = "order_id"
    ORDER_TOTAL = "order_total"
    ORDER_STATUS = "order_status"
    ORDER_URL = "order_url"
    RECEIPT_URL = "receipt_url"
    PAYMENT_AMOUNT = "payment_amount"
    PAYMENT_URL = "payment_url"
    PAYMENT_DUE_DATE = "payment_due_date"
    PRODUCT_NAME = "product_name"
    SKU_NAME = "sku_name"
    STOCK_QUANTITY = "stock_quantity"
    OLD_PRICE = "old_price"
    NEW_PRICE = "new_price"
    SHIPPING_FEE = "shipping_fee"
    DELIVERY_ADDRESS = "delivery_address"
    DELIVERY_ETA = "delivery_eta"
    TRACKING_URL = "tracking_url"
    DRIVER_NAME = "driver_name"
    DRIVER_PHONE = "driver_phone"
    PICKUP_ADDRESS = "pickup_address"
    QUESTION_TEXT = "question_text"
    ANSWER_TEXT = "answer_text"
    COUPON_CODE = "coupon_code"
    # The customer a message to staff or a driver is about (the recipient is the lead).
    CUSTOMER_NAME = "customer_name"
    CUSTOMER_PHONE = "customer_phone"
    REQUEST_TEXT = "request_text"
    CONVERSATION_URL = "conversation_url"
    FAILURE_REASON = "failure_reason"


class DefaultCampaigns(StrEnum):
    """System service templates every merchant gets (the seed's names)."""

    HELLO_WORLD = "hello_world"
    MERCHANT_USER_WELCOME = "merchant_user_welcome"
    MERCHANT_USER_OVERRIDE_REQUEST = "merchant_user_override_request"
    MERCHANT_USER_QUESTION_REQUEST = "merchant_user_question_request"
    MERCHANT_USER_QUESTION_ANSWER = "merchant_user_question_answer"


class CommerceDefaultCampaigns(StrEnum):
    """System service templates commerce merchants get on top of DefaultCampaigns."""

    OUT_OF_STOCK = "out_of_stock"
    LOW_STOCK = "low_stock"
    IN_STOCK = "in_stock"
    SKU_PRICE_CHANGE = "sku_price_change"
    MERCHANT_USER_ORDER_PLACED = "merchant_user_order_placed"
    CUSTOMER_ORDER_PROCESSING = "customer_order_processing"
    CUSTOMER_ORDER_DELIVERING = "customer_order_delivering"
    CUSTOMER_ORDER_FULFILLED = "customer_order_fulfilled"
    MERCHANT_USER_ORDER_FULFILLED = "merchant_user_order_fulfilled"
    CUSTOMER_ORDER_FAILED = "customer_order_failed"
    MERCHANT_USER_ORDER_FAILED = "merchant_user_order_failed"
    CUSTOMER_CASH_ON_DELIVERY_CONFIRMATION = "customer_cash_on_delivery_confirmation"
    CUSTOMER_ORDER_CONFIRMATION = "customer_order_confirmation"
    CUSTOMER_ORDER_CONFIRMATION_WITH_RECEIPT = "customer_order_confirmation_with_receipt"
    CUSTOMER_ORDER_STATUS_UPDATE = "customer_order_status_update"
    CUSTOMER_ORDER_SHIPPING_FEE_CHANGED = "customer_order_shipping_fee_changed"
    DRIVER_ORDER_REQUEST = "driver_order_request"
    DRIVER_ORDER_REQUEST_NOT_AVAILABLE = "driver_order_request_not_available"


class MessageDirection(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class MessageStatus(StrEnum):
    """Twilio's message statuses, in the order a message moves through them."""

    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    CANCELED = "canceled"
    RECEIVING = "receiving"
    RECEIVED = "received"


class LedgerState(StrEnum):
    """Where one lead's row of a send stands (CampaignLeadMessage.state)."""

    PENDING = "pending"  # waiting to be claimed by a worker
    SENDING = "sending"  # claimed; the Twilio call may be in flight (in doubt if stale)
    SENT = "sent"  # Twilio accepted it; the Message row carries its delivery status
    FAILED = "failed"  # permanently failed for this lead
    SKIPPED = "skipped"  # never sent; skipped_reason says why
    CANCELLED = "cancelled"  # the send was cancelled before this row went out


class CampaignSendStatus(StrEnum):
    SCHEDULED = "scheduled"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"


class TwilioAccountKind(StrEnum):
    """How a merchant's own Twilio account came to be."""

    SUBACCOUNT = "subaccount"  # created by the platform under its account
    CONNECTED = "connected"  # the merchant's existing account, connected with its credentials
