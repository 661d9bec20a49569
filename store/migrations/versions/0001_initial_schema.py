"""Initial schema: every table of the store, as store.models declares it.

Revision ID: 0001
Revises:
Create Date: 2026-12-06 11:56:41.166436
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("name", name=op.f("uq_accounts_name")),
    )
    op.create_table(
        "account_locks",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_locks_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_locks")),
    )
    op.create_table(
        "audit_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sampled", sa.Integer(), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("repaired", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_audit_runs_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_runs")),
    )
    op.create_index("ix_audit_runs_account_at", "audit_runs", ["account_id", "at"])

    op.create_table(
        "calendars",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("config_id", sa.String(), nullable=False),
        sa.Column("gcal_id", sa.String(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("time_zone", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_calendars_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendars")),
        sa.UniqueConstraint("account_id", "config_id", name=op.f("uq_calendars_account_id_config_id")),
    )
    op.create_table(
        "cycle_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("synced_messages", sa.Integer(), nullable=False),
        sa.Column("synced_events", sa.Integer(), nullable=False),
        sa.Column("found", sa.Integer(), nullable=False),
        sa.Column("drafted", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("fix", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('running', 'ok', 'error', 'auth_error')", name=op.f("ck_cycle_runs_outcome_valid")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_cycle_runs_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_runs")),
    )
    op.create_index("ix_cycle_runs_account_started", "cycle_runs", ["account_id", "started_at"])

    op.create_table(
        "gmail_cursors",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("history_id", sa.BigInteger(), nullable=True),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("initial_history_id", sa.BigInteger(), nullable=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("list_page_token", sa.String(), nullable=True),
        sa.Column("listing_done", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("phase IN ('initial', 'incremental')", name=op.f("ck_gmail_cursors_phase_valid")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_gmail_cursors_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_gmail_cursors")),
    )
    op.create_table(
        "labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("gmail_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.CheckConstraint("type IN ('system', 'user')", name=op.f("ck_labels_type_valid")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_labels_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labels")),
        sa.UniqueConstraint("account_id", "gmail_id", name=op.f("uq_labels_account_id_gmail_id")),
    )
    op.create_table(
        "message_intents",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("gmail_id", sa.String(), nullable=False),
        sa.Column("expects_reply", sa.Boolean(), nullable=False),
        sa.Column("trigger", sa.Text(), nullable=True),
        sa.Column("classified_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_message_intents_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "gmail_id", name=op.f("pk_message_intents")),
    )
    op.create_table(
        "pending_messages",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("gmail_id", sa.String(), nullable=False),
        sa.Column("gmail_thread_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_pending_messages_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "gmail_id", name=op.f("pk_pending_messages")),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("primary_email", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_people_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    op.create_index(op.f("ix_people_account_id"), "people", ["account_id"])

    op.create_table(
        "threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("gmail_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_threads_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_threads")),
        sa.UniqueConstraint("account_id", "gmail_id", name=op.f("uq_threads_account_id_gmail_id")),
    )
    op.create_table(
        "calendar_cursors",
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sync_token", sa.Text(), nullable=True),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("page_token", sa.Text(), nullable=True),
        sa.Column("time_min", sa.DateTime(timezone=True), nullable=True),
        sa.Column("time_max", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "phase IN ('initial', 'incremental')", name=op.f("ck_calendar_cursors_phase_valid")
        ),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["calendars.id"],
            name=op.f("fk_calendar_cursors_calendar_id_calendars"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("calendar_id", name=op.f("pk_calendar_cursors")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("gcal_id", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("all_day", sa.Boolean(), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("recurring_event_id", sa.String(), nullable=True),
        sa.Column("organizer_email", sa.String(), nullable=True),
        sa.Column("organizer_self", sa.Boolean(), nullable=False),
        sa.Column("self_response", sa.String(length=16), nullable=True),
        sa.Column("attendees_omitted", sa.Boolean(), nullable=False),
        sa.Column("updated_at_remote", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["calendars.id"],
            name=op.f("fk_events_calendar_id_calendars"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("calendar_id", "gcal_id", name=op.f("uq_events_calendar_id_gcal_id")),
    )
    op.create_index("ix_events_calendar_end", "events", ["calendar_id", "end_at"])

    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("rule_name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("occasion_key", sa.String(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("state_reason", sa.Text(), nullable=True),
        sa.Column("emails", sa.JSON(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("event_gcal_id", sa.String(), nullable=True),
        sa.Column("thread_gmail_id", sa.String(), nullable=True),
        sa.Column("message_gmail_id", sa.String(), nullable=True),
        sa.Column("last_interaction", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('thank_you', 'cold_contact', 'awaiting_reply')", name=op.f("ck_findings_kind_valid")
        ),
        sa.CheckConstraint(
            "state IN ('open', 'drafted', 'dismissed', 'resolved')", name=op.f("ck_findings_state_valid")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_findings_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_findings_person_id_people"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
        sa.UniqueConstraint("account_id", "occasion_key", name=op.f("uq_findings_account_id_occasion_key")),
    )
    op.create_index("ix_findings_account_state", "findings", ["account_id", "state"])
    op.create_index(op.f("ix_findings_person_id"), "findings", ["person_id"])

    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("gmail_id", sa.String(), nullable=False),
        sa.Column("history_id", sa.BigInteger(), nullable=True),
        sa.Column("internal_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("date_header", sa.DateTime(timezone=True), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("message_id_header", sa.Text(), nullable=True),
        sa.Column("in_reply_to", sa.Text(), nullable=True),
        sa.Column("references_header", sa.Text(), nullable=True),
        sa.Column("from_email", sa.String(), nullable=True),
        sa.Column("from_name", sa.Text(), nullable=True),
        sa.Column("sender_email", sa.String(), nullable=True),
        sa.Column("mime_type", sa.String(), nullable=True),
        sa.Column("list_id", sa.Text(), nullable=True),
        sa.Column("list_post", sa.Text(), nullable=True),
        sa.Column("list_unsubscribe", sa.Text(), nullable=True),
        sa.Column("x_mailing_list", sa.Text(), nullable=True),
        sa.Column("mailing_list", sa.Text(), nullable=True),
        sa.Column("precedence", sa.String(), nullable=True),
        sa.Column("auto_submitted", sa.String(), nullable=True),
        sa.Column("rapport_key", sa.String(), nullable=True),
        sa.Column("label_ids", sa.JSON(), nullable=False),
        sa.Column("is_sent", sa.Boolean(), nullable=False),
        sa.Column("is_draft", sa.Boolean(), nullable=False),
        sa.Column("is_inbox", sa.Boolean(), nullable=False),
        sa.Column("snippet", sa.Text(), nullable=True),
        sa.Column("parse_problems", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_messages_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name=op.f("fk_messages_thread_id_threads"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint("account_id", "gmail_id", name=op.f("uq_messages_account_id_gmail_id")),
    )
    op.create_index("ix_messages_account_inbox_date", "messages", ["account_id", "is_inbox", "internal_date"])
    op.create_index("ix_messages_account_sent_date", "messages", ["account_id", "is_sent", "internal_date"])
    op.create_index(op.f("ix_messages_from_email"), "messages", ["from_email"])
    op.create_index(op.f("ix_messages_message_id_header"), "messages", ["message_id_header"])
    op.create_index(op.f("ix_messages_rapport_key"), "messages", ["rapport_key"])
    op.create_index("ix_messages_thread_date", "messages", ["thread_id", "internal_date"])

    op.create_table(
        "person_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_person_addresses_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_person_addresses_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_addresses")),
        sa.UniqueConstraint("account_id", "email", name=op.f("uq_person_addresses_account_id_email")),
    )
    op.create_index(op.f("ix_person_addresses_person_id"), "person_addresses", ["person_id"])

    op.create_table(
        "attendees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("response_status", sa.String(length=16), nullable=True),
        sa.Column("organizer", sa.Boolean(), nullable=False),
        sa.Column("is_self", sa.Boolean(), nullable=False),
        sa.Column("optional", sa.Boolean(), nullable=False),
        sa.Column("resource", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_attendees_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendees")),
    )
    op.create_index(op.f("ix_attendees_email"), "attendees", ["email"])
    op.create_index(op.f("ix_attendees_event_id"), "attendees", ["event_id"])

    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("draft_key", sa.String(), nullable=False),
        sa.Column("gmail_draft_id", sa.String(), nullable=True),
        sa.Column("gmail_message_id", sa.String(), nullable=True),
        sa.Column("gmail_thread_id", sa.String(), nullable=True),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('pending', 'written', 'user_edited', 'deleted_by_user', 'sent', 'withdrawn')",
            name=op.f("ck_drafts_state_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_drafts_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["finding_id"], ["findings.id"], name=op.f("fk_drafts_finding_id_findings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drafts")),
        sa.UniqueConstraint("account_id", "draft_key", name=op.f("uq_drafts_account_id_draft_key")),
    )
    op.create_index(op.f("ix_drafts_finding_id"), "drafts", ["finding_id"])

    op.create_table(
        "message_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("raw_email", sa.String(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "role IN ('from', 'sender', 'reply_to', 'to', 'cc', 'bcc')",
            name=op.f("ck_message_addresses_role_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_addresses_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_addresses")),
    )
    op.create_index("ix_message_addresses_email_role", "message_addresses", ["email", "role"])
    op.create_index(op.f("ix_message_addresses_message_id"), "message_addresses", ["message_id"])


def downgrade() -> None:
    # Dropping a table drops its indexes; children before parents.
    op.drop_table("message_addresses")
    op.drop_table("drafts")
    op.drop_table("attendees")
    op.drop_table("person_addresses")
    op.drop_table("messages")
    op.drop_table("findings")
    op.drop_table("events")
    op.drop_table("calendar_cursors")
    op.drop_table("threads")
    op.drop_table("people")
    op.drop_table("pending_messages")
    op.drop_table("message_intents")
    op.drop_table("labels")
    op.drop_table("gmail_cursors")
    op.drop_table("cycle_runs")
    op.drop_table("calendars")
    op.drop_table("audit_runs")
    op.drop_table("account_locks")
    op.drop_table("accounts")
