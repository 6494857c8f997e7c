"""The shared Mailer delivers to the real SMTP sink, attachments included."""

from __future__ import annotations

from shared.devstack.smtp import SmtpSink
from shared.mail import Attachment, Email, Mailer


async def test_mailer_delivers_text_html_and_attachment(smtp_sink: SmtpSink) -> None:
    mailer = Mailer(smtp_sink.url, sender="SocialProof <no-reply@socialproof.local>")
    await mailer.send(
        Email(
            to=("jana@example.com",),
            subject="Your weekly report",
            text="Impressions: 1204",
            html="<p>Impressions: <b>1204</b></p>",
            attachments=(Attachment("report.html", b"<h1>Report</h1>", "text/html"),),
        )
    )
    [message] = smtp_sink.wait_for(1, to="jana@example.com")
    assert message["Subject"] == "Your weekly report"
    assert "Impressions: 1204" in message.get_body(("plain",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "report.html"
    assert attachment.get_content() == "<h1>Report</h1>"
