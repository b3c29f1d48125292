"""CSV imports of contacts: the job's state and counters, and the rows it refused."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, TimestampMixin, str_enum


class ContactImportStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class ContactImport(IdMixin, TimestampMixin, Base):
    """One uploaded file. Its counters are written in the same transaction as each chunk
    of rows, so they always say what is stored."""

    __tablename__ = "contact_imports"
    __table_args__ = (
        Index("ix_contact_imports_merchant_id_id", "merchant_id", "id"),
        # The reaper looks for running imports whose owner stopped beating.
        Index(
            "ix_contact_imports_running_heartbeat",
            "heartbeat_at",
            postgresql_where=text("status = 'running'"),
        ),
    )

    merchant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("merchants.id", ondelete="CASCADE")
    )
    campaign_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("campaigns.id", ondelete="SET NULL")
    )
    status: Mapped[ContactImportStatus] = mapped_column(
        str_enum(ContactImportStatus, "contact_import_status"), server_default="running"
    )
    file_name: Mapped[str | None] = mapped_column(Text)
    # The column mapping as given (phone, name, attributes, customVariables, tags).
    mapping: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    total_rows: Mapped[int] = mapped_column(Integer, server_default="0")
    processed_rows: Mapped[int] = mapped_column(Integer, server_default="0")
    imported_rows: Mapped[int] = mapped_column(Integer, server_default="0")
    existing_rows: Mapped[int] = mapped_column(Integer, server_default="0")
    duplicate_rows: Mapped[int] = mapped_column(Integer, server_default="0")
    failed_rows: Mapped[int] = mapped_column(Integer, server_default="0")
    stored_errors: Mapped[int] = mapped_column(Integer, server_default="0")
    failure_reason: Mapped[str | None] = mapped_column(Text)
    # Which process runs the import, and when it last said so: a running import whose
    # heartbeat is older than the lease was left by a process that died.
    owner: Mapped[str | None] = mapped_column(String(64))
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class ContactImportError(IdMixin, Base):
    """A row of the file that was not imported, and why (up to a cap per import)."""

    __tablename__ = "contact_import_errors"
    __table_args__ = (Index("ix_contact_import_errors_import_id_id", "import_id", "id"),)

    import_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("contact_imports.id", ondelete="CASCADE")
    )
    line: Mapped[int] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(Text)
    code: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
