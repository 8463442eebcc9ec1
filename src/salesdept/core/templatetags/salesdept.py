"""Template tags every page shares: `{% load salesdept %}`.

They work for any core.models.Document, so contracts, shipments and invoices reuse them as they
are:

    {% status_badge doc %}              Bootstrap badge: translated status label, a colour per state
    {% review_actions doc %}            buttons for workflow.allowed_actions(doc, user)
    {% document_history doc %}          who / when / action / comment / round and step
    {% sort_header "time" _("Time") default="-time" %}   a sortable <th> toggling ?sort=
    {% pagination page_obj %}           Bootstrap pagination with "page X of Y"
    {% form_field form.name %}          label, widget with Bootstrap classes, help and errors
    {{ doc|verbose_name }}              "Voucher", "Contract" … (the model's verbose_name)

A document may adjust the generic defaults with class attributes:
    STATUS_COLOURS = {"delivered": "primary"}             badge colours of its own states
    ACTION_LABELS = {"deliver": _("Confirm delivery")}     button and history labels
    DESTRUCTIVE_ACTIONS = {"cancel", "void"}              actions that ask for confirmation
    get_action_url(action)                                where an action button posts to
"""

from django import forms, template
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesdept.core import workflow
from salesdept.core.events import history
from salesdept.core.models import Status

register = template.Library()

SENT_BACK = "sent_back"

STATUS_COLOURS = {
    Status.DRAFT: "secondary",
    Status.SUBMITTED: "warning",
    Status.APPROVED: "success",
    Status.CANCELLED: "dark",
    "rejected": "danger",
    SENT_BACK: "danger",
}

# Labels of workflow actions (buttons) and of logged events (history). pgettext: "Cancel" on a
# document (作废) is not the "Cancel" of a dialog.
ACTION_LABELS = {
    "submit": pgettext_lazy("document action", "Submit for review"),
    "approve": pgettext_lazy("document action", "Approve"),
    "reject": pgettext_lazy("document action", "Send back"),
    "cancel": pgettext_lazy("document action", "Cancel document"),
}
EVENT_LABELS = {
    "create": pgettext_lazy("document event", "Created"),
    "edit": pgettext_lazy("document event", "Edited"),
    "submit": pgettext_lazy("document event", "Submitted for review"),
    "approve_step": pgettext_lazy("document event", "Approved a review step"),
    "approve": pgettext_lazy("document event", "Approved"),
    "reject": pgettext_lazy("document event", "Sent back"),
    "cancel": pgettext_lazy("document event", "Cancelled"),
}
ACTION_STYLES = {
    "submit": "btn-primary",
    "approve": "btn-success",
    "reject": "btn-outline-danger",
    "cancel": "btn-outline-secondary",
}
DESTRUCTIVE_ACTIONS = {"cancel"}
CONFIRM = _("Are you sure? This cannot be undone.")


def _status_labels(doc) -> dict:
    return {str(k): v for k, v in doc._meta.get_field("status").flatchoices}


def _prefix(doc) -> str:
    """A DOM id prefix unique per document on a page ("exampleapp-voucher-7")."""
    return f"{doc._meta.label_lower.replace('.', '-')}-{doc.pk}"


def is_sent_back(doc) -> bool:
    """A draft that went through review at least once came back from a reviewer (see
    web.selectors.sent_back, which uses the same rule)."""
    return doc.status == Status.DRAFT and bool(getattr(doc, "review_round", 0))


@register.simple_tag
def status_badge(doc):
    """A Bootstrap badge with the translated status and a colour per state."""
    key = SENT_BACK if is_sent_back(doc) else str(doc.status)
    label = _("Sent back") if key == SENT_BACK else _status_labels(doc).get(key, key)
    colour = {**STATUS_COLOURS, **getattr(doc, "STATUS_COLOURS", {})}.get(key, "info")
    return format_html(
        '<span class="badge rounded-pill text-bg-{} status-badge" data-status="{}">{}</span>',
        colour,
        key,
        label,
    )


@register.filter
def grouped(value, places=2) -> str:
    """A figure with `places` decimals and thousands grouped by the active language
    (floatformat:"2g" with the places a variable): 1,659,100.00."""
    from django.template.defaultfilters import floatformat

    return floatformat(value, f"{int(places)}g")


@register.filter
def verbose_name(obj) -> str:
    """The model's translated verbose_name, capitalised ("Voucher", "合同")."""
    return capfirst(obj._meta.verbose_name)


def action_label(doc, action: str):
    return {**ACTION_LABELS, **getattr(doc, "ACTION_LABELS", {})}.get(
        action, capfirst(action.replace("_", " "))
    )


def event_label(doc, action: str):
    labels = {**EVENT_LABELS, **getattr(doc, "EVENT_LABELS", {})}
    return labels.get(action) or action_label(doc, action)


def action_url(doc, action: str, base: str | None = None) -> str:
    """Where the button for `action` posts: an explicit `base` URL (one endpoint that reads the
    `action` field), the document's get_action_url(action), or <absolute url><action>/."""
    if base:
        return base
    if hasattr(doc, "get_action_url"):
        return doc.get_action_url(action)
    if hasattr(doc, "get_absolute_url"):
        return f"{doc.get_absolute_url().rstrip('/')}/{action}/"
    return ""


@register.inclusion_tag("components/review_actions.html", takes_context=True)
def review_actions(context, doc, url=None):
    """Buttons for what the signed-in user may do next with `doc` — the same function the engine
    checks with, so a page never offers an action the engine would refuse."""
    user = context["request"].user
    destructive = getattr(doc, "DESTRUCTIVE_ACTIONS", DESTRUCTIVE_ACTIONS)
    actions = []
    for name in workflow.allowed_actions(doc, user):
        transition = doc.TRANSITIONS[name]
        actions.append(
            {
                "name": name,
                "label": action_label(doc, name),
                "style": ACTION_STYLES.get(name, "btn-outline-primary"),
                "needs_reason": transition.needs_reason,
                "confirm": CONFIRM if name in destructive else "",
                "url": action_url(doc, name, url),
            }
        )
    return {
        "doc": doc,
        "actions": actions,
        "prefix": _prefix(doc),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("components/document_history.html")
def document_history(doc):
    """The document's review history (core.events.history), oldest first."""
    labels = _status_labels(doc)
    rows = [
        {
            "event": e,
            "label": event_label(doc, e.action),
            "from": labels.get(e.from_status, e.from_status),
            "to": labels.get(e.to_status, e.to_status),
            "moved": e.from_status != e.to_status,
            "step": None if e.step is None else e.step + 1,
            "colour": "danger"
            if e.action == "reject"
            else "success"
            if e.action.startswith("approve")
            else "",
        }
        for e in history(doc)
    ]
    return {"doc": doc, "rows": rows, "prefix": _prefix(doc)}


@register.simple_tag(takes_context=True)
def sort_header(context, field: str, label, default: str = "", param: str = "sort", css_class: str = ""):
    """A <th> whose link toggles ?sort=field / ?sort=-field and keeps the other filters;
    `css_class` is set on the <th> (e.g. "d-none d-md-table-cell" to hide it on phones)."""
    request = context["request"]
    current = request.GET.get(param) or default
    if current == field:
        state, target, arrow = "ascending", f"-{field}", "▲"
    elif current == f"-{field}":
        state, target, arrow = "descending", field, "▼"
    else:
        state, target, arrow = "none", field, ""
    query = request.GET.copy()
    query[param] = target
    query.pop("page", None)
    return format_html(
        '<th scope="col"{} aria-sort="{}"><a href="?{}" class="sort-link">{} '
        '<span aria-hidden="true">{}</span></a></th>',
        format_html(' class="{}"', css_class) if css_class else "",
        state,
        query.urlencode(),
        label,
        arrow,
    )


@register.inclusion_tag("components/pagination.html", takes_context=True)
def pagination(context, page_obj, param: str = "page"):
    """Bootstrap pagination for a django.core.paginator Page, keeping the current filters."""
    request = context["request"]
    paginator = page_obj.paginator

    def link(number):
        query = request.GET.copy()
        query[param] = number
        return f"?{query.urlencode()}"

    pages = [
        {"number": n, "url": link(n) if n != paginator.ELLIPSIS else "", "current": n == page_obj.number}
        for n in paginator.get_elided_page_range(page_obj.number, on_each_side=1, on_ends=1)
    ]
    return {
        "page_obj": page_obj,
        "pages": pages,
        "ellipsis": paginator.ELLIPSIS,
        "previous_url": link(page_obj.previous_page_number()) if page_obj.has_previous() else "",
        "next_url": link(page_obj.next_page_number()) if page_obj.has_next() else "",
    }


def widget_class(field) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    return f"{css} is-invalid" if field.errors else css


@register.simple_tag
def field_widget(field, **attrs):
    """Render a bound field's widget with Bootstrap classes and error wiring."""
    attrs = {"class": widget_class(field), **attrs}
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}-errors"
    elif field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}-help"
    return field.as_widget(attrs=attrs)


@register.inclusion_tag("components/form_field.html")
def form_field(field, **attrs):
    """A whole Bootstrap form group: label, widget, help text and the field's own errors."""
    return {
        "field": field,
        "widget": field_widget(field, **attrs),
        "is_checkbox": isinstance(field.field.widget, forms.CheckboxInput),
    }
