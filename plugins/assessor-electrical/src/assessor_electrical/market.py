"""Market share (市场份额) from the regional market figures."""

from __future__ import annotations

from typing import Any

from assessor_electrical._common import within
from assessor_electrical.tables import MARKET


def market_share(context: Any) -> Any:
    """Own sales / the whole market of the team's region, per month (both in whole 万元).

    At store level it is the company's sales over the markets of all its regions together,
    not a mean of the regions' shares.
    """
    market = context.table(MARKET)
    rows = within(market.mutate(period=market.month), context)
    keys = ["period", *context.scope]
    if context.subject_column is not None:
        rows = rows.mutate(subject=rows.team.cast("string"))
        keys.append("subject")
    return rows.group_by(keys).aggregate(num=rows.own_sales.sum(), den=rows.market_total.sum())
