"""E-mail delivery of a report through the watch's alert channels (apprise).

`funnelpact report NAME --email a@b,c@d [--channel email]` sends the report to each address
through an e-mail alert channel of the store (`funnelpact alerts add email mailto://...`): the
subject is the report's title and period, the body the report as text tables. Each run sends
once, now; scheduled delivery (a cadence, once per period, retries, the file attached) is
`funnelpact report schedule` (`funnelpact.server.schedules`).
"""

from __future__ import annotations

from collections.abc import Sequence

from funnelpact.errors import InputError
from funnelpact.reports.model import Report
from funnelpact.reports.render import render_terminal


class DeliveryError(InputError):
    """The channel refused the message (named, with apprise's reason)."""


def report_subject(report: Report, language: str) -> str:
    return f"{report.title.get(language)} · {report.period}"


def send_report(report: Report, language: str, recipients: Sequence[str], channel_name: str) -> int:
    """Send to every recipient; the number sent. Nothing is retried: the error names who failed."""
    if not recipients:
        raise InputError("--email: give at least one address (a@b,c@d)")
    invalid = [address for address in recipients if "@" not in address]
    if invalid:
        raise InputError(f"--email: {', '.join(invalid)} is not an e-mail address")
    from funnelpact.server import setup_django

    setup_django()
    from funnelpact.server.watch import channels, models

    channel = channels.get_channel(channel_name)
    if channel.kind != models.ChannelKind.EMAIL:
        raise InputError(f"alert channel {channel_name!r} is {channel.kind}, not e-mail")
    subject = report_subject(report, language)
    body = render_terminal(report, language, width=100)
    sent = 0
    for address in recipients:
        try:
            channels.apprise_send(channels.target_url(channel, address), subject, body)
        except OSError as exc:
            raise DeliveryError(
                f"report {report.slug}: sending to {address} through channel {channel_name!r} "
                f"failed ({exc}); sent to {sent} of {len(recipients)} before"
            ) from None
        sent += 1
    return sent
