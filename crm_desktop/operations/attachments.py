"""Documents attached to cases.

Staff add files to any case they may see; an investigator only to a case assigned to
them (their report, say): the policy's case scope decides, before anything is read.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from crm_desktop.errors import FileProblem
from crm_desktop.operations.core import Change, OpContext, operation
from crm_desktop.operations.policy import AttachmentId, CaseId, Permission
from crm_desktop.services import attachments
from crm_desktop.services.attachments import AttachmentView

__all__ = ["add_attachment", "case_attachments", "open_attachment", "store"]


def store(ctx: OpContext) -> Path:
    """The attachment store of the operation's database."""
    return attachments.store_folder(ctx.session, ctx.require_database().url)


@operation(Permission.SEE_CASES)
def case_attachments(ctx: OpContext, case_id: CaseId) -> list[AttachmentView]:
    """The files kept with a case."""
    return attachments.list_attachments(ctx.session, case_id)


@operation(Permission.ADD_ATTACHMENTS, changes=(Change.ATTACHMENTS,))
def add_attachment(ctx: OpContext, case_id: CaseId, path: Path) -> AttachmentView:
    """Keep a copy of a file with a case (a report, evidence, a signed letter)."""
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    try:
        source = path.open("rb")
    except FileNotFoundError:
        raise FileProblem(f"There is no file {path}. Choose the file again.") from None
    except IsADirectoryError:
        raise FileProblem(f"{path} is a folder. Choose a file.") from None
    except OSError as exc:
        raise FileProblem(
            f"Cannot read {path}: {exc.strerror or exc}. Close it in any other program, or "
            "copy it somewhere you can read, then try again."
        ) from None
    with source:
        return attachments.add_attachment(
            ctx.session, store(ctx), case_id, source, path.name, ctx.actor, content_type
        )


@operation(Permission.SEE_CASES)
def open_attachment(ctx: OpContext, attachment_id: AttachmentId) -> Path:
    """A checked copy of a stored file, under its own name, for the system to open."""
    stored = attachments.open_attachment(ctx.session, store(ctx), attachment_id)
    name = attachments.attachment(ctx.session, attachment_id).name
    return attachments.viewing_copy(stored, attachment_id, name)
