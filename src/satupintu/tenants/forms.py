"""Reading a regency's local policies from a form (admin console and onboarding wizard alike)."""

from __future__ import annotations

from typing import Any

from satupintu.forms import Form
from satupintu.i18n import gettext as _
from satupintu.queue.booking import EMAIL


def policy_values(form: Form) -> dict[str, Any]:
    permit_first = form.flag("permit_first")
    return {"permit_first": permit_first,
            "document_deadline_days": form.integer("document_deadline_days", minimum=1, maximum=365,
                                                   required=permit_first),
            "courier_delivery": form.flag("courier_delivery"),
            "courier_note": form.text("courier_note", max_length=300),
            "complaint_response_hours": form.integer("complaint_response_hours", minimum=1, maximum=720),
            "complaint_resolution_hours": form.integer("complaint_resolution_hours", minimum=1, maximum=2000,
                                                       required=False) or 40,
            "complaint_around_the_clock": form.flag("complaint_around_the_clock"),
            "complaint_regent_email": form.text(
                "complaint_regent_email", max_length=254, pattern=EMAIL.pattern,
                pattern_message=_("Enter an e-mail address such as nama@contoh.id, or leave it empty.")),
            "notes": form.text("notes", max_length=2000)}
