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


class DefaultCampaigns(StrEnum):
    """System service templates every merchant gets."""

    HELLO_WORLD = "hello_world"
    MERCHANT_USER_WELCOME = "merchant_user_welcome"
    CUSTOMER_QUESTION_RECEIVED = "customer_question_received"
    CUSTOMER_QUESTION_ANSWERED = "customer_question_answered"
    CONVERSATION_REOPENED = "conversation_reopened"


class CommerceDefaultCampaigns(StrEnum):
    """System service templates commerce merchants get on top of DefaultCampaigns."""

    CUSTOMER_ORDER_RECEIVED = "customer_order_received"
    CUSTOMER_ORDER_PROCESSING = "customer_order_processing"
    CUSTOMER_ORDER_SHIPPED = "customer_order_shipped"
    CUSTOMER_ORDER_OUT_FOR_DELIVERY = "customer_order_out_for_delivery"
    CUSTOMER_ORDER_DELIVERED = "customer_order_delivered"
    CUSTOMER_ORDER_CANCELLED = "customer_order_cancelled"
    CUSTOMER_ORDER_REFUNDED = "customer_order_refunded"
    CUSTOMER_ORDER_STATUS_UPDATED = "customer_order_status_updated"
    CUSTOMER_PAYMENT_RECEIVED = "customer_payment_received"
    CUSTOMER_PAYMENT_FAILED = "customer_payment_failed"
    CUSTOMER_PAYMENT_REMINDER = "customer_payment_reminder"
    CUSTOMER_PRODUCT_BACK_IN_STOCK = "customer_product_back_in_stock"
    CUSTOMER_PRICE_CHANGED = "customer_price_changed"
    MERCHANT_NEW_ORDER = "merchant_new_order"
    MERCHANT_LOW_STOCK = "merchant_low_stock"
    MERCHANT_OUT_OF_STOCK = "merchant_out_of_stock"
    DRIVER_DELIVERY_ASSIGNED = "driver_delivery_assigned"
    DRIVER_PICKUP_READY = "driver_pickup_ready"


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
