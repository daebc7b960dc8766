"""Reports: the SLA scorecard, the daily sales dashboard, the weekly smarketing meeting, the
monthly marketing report, rep scorecards, sales activity and attribution (docs/reports.md).

Every figure is a registry metric (`funnelpact.analytics`); a report composes them.

    context = ReportContext(engine, period="2026-10", now=now, agreement=agreement, plan=plan)
    report = report_spec("scorecard").build(context, "es")
    render(report, ReportFormat.XLSX, "es")  # bytes

`build_report(...)` does all of it from a data directory or an engine.
"""
