"""The `search_text` column of customers, contacts and leads: one narrow, lower-cased text per
row holding every key the search box matches, so a search is ONE `LIKE '%key%'` per table over a
short column instead of five LIKEs over the wide rows.

    customer  name | English name | pinyin (full, initials) | number | tax ID | phone digits
    contact   name | pinyin | phone digits
    lead      number | name | pinyin | contact person | phone digits

Each part is folded (NFKC, lower case, spaces and punctuation removed) and the parts are joined
by a space, which a folded query never contains, so a match never spans two parts. The query is
folded the same way (`query_key`). SearchTextField computes the column in `pre_save`, like
auto_now, so every save(), create() and bulk_create() keeps it true whoever writes the row
(services, demo data, tests); core.imports.insert_rows calls the same hook. A queryset
`update()` of a name or phone must set `search_text` itself (none does today)."""

import re
import unicodedata

from django.db import models
from django.db.models import Q

from .text import COMPANY_SUFFIXES, normalize_phone

__all__ = [
    "SearchTextField",
    "contact_text",
    "customer_text",
    "fold",
    "lead_text",
    "matches",
    "query_key",
    "refresh_search_text",
]

_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)
_PHONE_LIKE = re.compile(r"^[\d\s()+\-.]+$")
_LATIN = re.compile(r"[a-z]")


def fold(text) -> str:
    """'上海华强机械（集团）有限公司' → '上海华强机械集团有限公司'; 'Co., Ltd.' → 'coltd'."""
    return _PUNCTUATION.sub("", unicodedata.normalize("NFKC", str(text or "")).lower())


def _join(*parts) -> str:
    return " ".join(p for p in parts if p)


def customer_text(c) -> str:
    pinyin = (c.name_pinyin or "").split()
    return _join(fold(c.name), fold(c.name_en), *pinyin, fold(c.code), fold(c.tax_id), c.phone_normalized)


def contact_text(c) -> str:
    return _join(fold(c.name), *(c.name_pinyin or "").split(), c.phone_normalized)


def lead_text(lead) -> str:
    pinyin = (lead.name_pinyin or "").split()
    return _join(fold(lead.code), fold(lead.name), *pinyin, fold(lead.contact_name), lead.phone_normalized)


TEXTS = {"crm.customer": customer_text, "crm.contact": contact_text, "crm.lead": lead_text}


class SearchTextField(models.TextField):
    """A text column computed from the row's other fields just before it is written."""

    computed = True  # core.imports.insert_rows calls pre_save() for such fields

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        # rows written around the ORM (COPY, raw INSERT) get '' instead of failing; they are
        # not found by the search until refresh_search_text() runs over them
        kwargs.setdefault("db_default", "")
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance, add):
        value = TEXTS[model_instance._meta.label_lower](model_instance)
        setattr(model_instance, self.attname, value)
        return value


def refresh_search_text(model, *, using: str = "default", batch: int = 2000) -> int:
    """Compute search_text again for every row of `model` (Customer, Contact or Lead, or the
    migration's historical model), in primary-key batches; for rows written around the ORM
    (bench data seeded with COPY) and for migration 0004. Returns the number of rows."""
    from django.db import connections

    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    text = TEXTS[model._meta.label_lower]
    done, last = 0, 0
    while rows := list(model._base_manager.using(using).filter(pk__gt=last).order_by("pk")[:batch]):
        values = [(row.pk, text(row)) for row in rows]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # one statement per batch
                marks = ", ".join(["(%s, %s)"] * len(values))
                sql = f"UPDATE {table} AS t SET search_text = v.s FROM (VALUES {marks}) AS v(id, s)"
                cursor.execute(f"{sql} WHERE t.id = v.id", [x for pair in values for x in pair])
            else:
                cursor.executemany(
                    f"UPDATE {table} SET search_text = %s WHERE id = %s", [(s, pk) for pk, s in values]
                )
        done += len(rows)
        last = rows[-1].pk
    return done


def _strip_suffix(text: str) -> str:
    # A query typed with the legal form ('华强机械有限公司') also finds '上海华强机械' stored
    # without it; a Latin suffix counts only as a word of its own ('zinc' is not 'z' + 'inc').
    for suffix in COMPANY_SUFFIXES:
        if text.endswith(suffix):
            rest = text[: -len(suffix)]
            if _LATIN.match(suffix) and rest and rest[-1].isalnum() and rest[-1].isascii():
                return text
            return rest
    return text


def query_key(q: str) -> str:
    """The query folded as the column is: the digits of a phone-like query in their domestic
    form (crm.text.normalize_phone), otherwise the folded text without a company suffix."""
    text = unicodedata.normalize("NFKC", " ".join((q or "").split())).lower()
    if _PHONE_LIKE.match(text) and (digits := normalize_phone(text)):
        return digits
    return fold(_strip_suffix(text)) or fold(text)


def matches(q: str) -> Q:
    """The one condition of every search: search_text contains the query's key."""
    key = query_key(q)
    return Q(search_text__contains=key) if key else Q(pk__in=[])
