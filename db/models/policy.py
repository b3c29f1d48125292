"""A merchant's sending policy (services/policy): a merchant without a row has the defaults."""

from datetime import datetime, time

from sqlalchemy import BigInteger, CheckConstraint, Double, ForeignKey, Integer, Time, func
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base

_RATE = "{0} IS NULL OR ({0} > 0 AND {0} <= 1)"


class SendingPolicyRow(Base):
    """Quiet hours (both ends or neither), the marketing frequency cap (both or neither),
    the circuit breaker (a NULL rate turns that check off) and the validity periods."""

    __tablename__ = "sending_policies"
    __table_args__ = (
        CheckConstraint(
            "(quiet_start IS NULL AND quiet_end IS NULL) OR quiet_start <> quiet_end",
            name="quiet_hours",
        ),
        CheckConstraint(
            "(cap_messages IS NULL) = (cap_days IS NULL) AND cap_messages >= 1 AND cap_days >= 1",
            name="marketing_cap",
        ),
        CheckConstraint(
            " AND ".join(
                f"({_RATE.format(c)})"
                for c in ("breaker_failure_rate", "breaker_opt_out_rate", "breaker_limited_rate")
            ),
            name="breaker_rates",
        ),
        CheckConstraint("breaker_window >= 1", name="breaker_window"),
        CheckConstraint(
            "validity_marketing BETWEEN 1 AND 36000 AND validity_utility BETWEEN 1 AND 36000",
            name="validity",
        ),
    )

    merchant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("merchants.id", ondelete="CASCADE"), primary_key=True
    )
    quiet_start: Mapped[time | None] = mapped_column(Time)
    quiet_end: Mapped[time | None] = mapped_column(Time)
    cap_messages: Mapped[int | None] = mapped_column(Integer)
    cap_days: Mapped[int | None] = mapped_column(Integer)
    breaker_failure_rate: Mapped[float | None] = mapped_column(Double)
    breaker_opt_out_rate: Mapped[float | None] = mapped_column(Double)
    breaker_limited_rate: Mapped[float | None] = mapped_column(Double)
    breaker_window: Mapped[int] = mapped_column(Integer)
    validity_marketing: Mapped[int] = mapped_column(Integer)
    validity_utility: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
