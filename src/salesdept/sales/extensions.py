"""Where the apps above sales (shipping, billing) hook into the order page without sales
importing them (layers: a lower app never imports a higher one). Each registers, from its
AppConfig.ready(), functions called with (order, user):

- ORDER_ACTIONS: return buttons [{"label", "url", "testid"}] for what `user` may start from
  the order now ("Ship", "Invoice");
- ORDER_DOCUMENTS: return a section {"title", "documents": [document, …]} of the order's
  documents `user` may see (its shipments, its invoices), or None."""

from collections.abc import Callable

ORDER_ACTIONS: list[Callable] = []
ORDER_DOCUMENTS: list[Callable] = []


def order_actions(order, user) -> list[dict]:
    return [button for hook in ORDER_ACTIONS for button in hook(order, user)]


def order_documents(order, user) -> list[dict]:
    return [section for hook in ORDER_DOCUMENTS if (section := hook(order, user))]
