"""The dashboard: flagged posts, time to rebuttal, SLA breaches and partner uptake, as
server-rendered SVG charts with their numbers, each exportable as CSV."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep
from api.ui import metrics
from api.ui.charts import horizontal_bars, stacked_bars
from api.ui.deps import StaffUi, lang_of
from api.ui.forms import csv_response
from api.ui.i18n import translate
from api.ui.render import render, topic_name

router = APIRouter(prefix="/ui")

PERIODS = (7, 30, 90)
# Hours from detection to publication, grouped for the histogram.
BUCKETS = ((0, 6), (6, 12), (12, 24), (24, 48), (48, None))


def _bucket_label(low: int, high: int | None) -> str:
    return f"{low}–{high} h" if high is not None else f"≥ {low} h"


@router.get("/dashboard", summary="Dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request,
    session: SessionDep,
    principal: StaffUi,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
    topic: Annotated[str, Query(max_length=64)] = "",
    format: Annotated[str, Query(max_length=8)] = "html",
    table: Annotated[str, Query(max_length=16)] = "flagged",
) -> Response:
    lang = lang_of(request)
    window = metrics.Window(days=days, topic=topic.strip() or None)
    flagged = metrics.flagged_posts(session=session, window=window)
    ttr = metrics.time_to_rebuttal(session=session, window=window)
    breaches = metrics.sla_breaches(session=session, window=window)
    uptake = metrics.partner_uptake(session=session, window=window)
    day_list = window.day_list
    if format == "csv":
        if table == "sla":
            return csv_response(
                "sla-breaches.csv",
                ["day", "breaches"],
                [[d.isoformat(), breaches.by_day.get(d, 0)] for d in day_list],
            )
        if table == "partners":
            return csv_response(
                "partner-uptake.csv",
                ["partner", "briefs_sent", "acknowledged", "publications", "reported_reach"],
                [[p.name, p.sent, p.acknowledged, p.publications, p.reach] for p in uptake],
            )
        if table == "rebuttal":
            return csv_response("time-to-rebuttal.csv", ["hours"], [[h] for h in ttr.hours])
        return csv_response(
            "flagged-posts.csv",
            ["day", *flagged.labels],
            [
                [
                    d.isoformat(),
                    *(flagged.count(d, lbl) for lbl in flagged.labels),
                ]
                for d in day_list
            ],
        )
    short = [d.strftime("%d/%m") for d in day_list]
    histogram = [
        (
            _bucket_label(low, high),
            float(sum(1 for h in ttr.hours if h >= low and (high is None or h < high))),
        )
        for low, high in BUCKETS
    ]
    return render(
        request,
        "dashboard.html",
        {
            "days": days,
            "periods": PERIODS,
            "topic": topic,
            "flagged": flagged,
            "day_list": day_list,
            "ttr": ttr,
            "breaches": breaches,
            "uptake": uptake,
            "flagged_chart": stacked_bars(
                title=translate(lang, "chart_flagged"),
                labels=short,
                series={lbl: [flagged.count(d, lbl) for d in day_list] for lbl in flagged.labels}
                or {"—": [0] * len(day_list)},
            ),
            "topic_chart": horizontal_bars(
                title=translate(lang, "chart_topics"),
                items=[
                    (topic_name(lang, name), float(n))
                    for name, n in flagged.by_topic.most_common(10)
                ],
            ),
            "ttr_chart": horizontal_bars(title=translate(lang, "chart_ttr"), items=histogram),
            "sla_chart": stacked_bars(
                title=translate(lang, "chart_sla"),
                labels=short,
                series={
                    translate(lang, "sla_breached"): [breaches.by_day.get(d, 0) for d in day_list]
                },
            ),
            "uptake_chart": horizontal_bars(
                title=translate(lang, "chart_uptake"),
                items=[(p.name, float(p.reach)) for p in uptake[:10]],
            ),
        },
        principal=principal,
    )
