"""Feedback recorded before 0.1.0's hardening (issue 16) may have come from anyone: 👎
counts were GitHub's totals (who reacted was never known), `/ignore` had no permission
check, a thread resolved by the PR's author counted. None of it can be attributed now, so
it is dropped: what was dismissed on PRs and ignored repository-wide, and the people's
part of each comment's record (reactions, ignores, resolutions). What reviewbot itself saw
(a comment posted, a finding fixed by a push) is kept. A maintainer dismisses again what
still should be; from now on only people with write access are recorded.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM ignored"))
    op.execute(sa.text("UPDATE comment_feedback SET up = 0, down = 0, ignored = :no, "
                       "resolved = :no").bindparams(no=False))


def downgrade() -> None:
    """Nothing to restore: the dropped records were not attributable."""
