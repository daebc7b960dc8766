"""Scheduled report delivery: any report, by e-mail to a list, on a cadence (issue #6).

A `ReportSchedule` names a report, a period rule (the previous day, week, month...), a format,
a language, recipients and an alert channel, and a cadence in the agreement's time zone. The
worker's tick (`funnelpact.server.watch.scheduler.tick`) calls `services.run_due(now)`: each
schedule's latest due slot gets one `ReportDelivery` row per recipient (unique per schedule,
period and recipient: a restart never queues a report twice), then the due rows are sent through
the channel (apprise; pdf/xlsx/csv/html/json attached) and retried with backoff on failure.
See docs/reports.md, "Scheduled delivery".
"""
