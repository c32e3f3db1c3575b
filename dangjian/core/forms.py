"""Form helpers shared by every app's pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError


class StyledForm(forms.Form):
    """Adds Tabler/Bootstrap classes to the widgets."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


def add_service_errors(form: forms.Form, errors: ValidationError | dict[str, Any]) -> None:
    """Attach a service's errors to the form: known fields next to the field, the rest on top."""
    if isinstance(errors, ValidationError):
        errors = errors.message_dict if hasattr(errors, "error_dict") else {None: errors.messages}
    for field, messages in errors.items():
        messages = messages if isinstance(messages, list | tuple) else [messages]
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


def run_form(request: Any, *, form: forms.Form, run: Any, done: str, success: Any, failure: Any) -> Any:
    """A page form posted to a service: on success a message and ``success()`` (a redirect); on
    invalid input or a service's ValidationError, the errors on the form and ``failure(form)``
    (the page again, status 400). Nothing is written when the service refuses."""
    from django.contrib import messages

    if form.is_valid():
        try:
            run(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return success()
    return failure(form)
