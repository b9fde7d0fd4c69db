"""The real message transports (SMS through Twilio, e-mail through SMTP) behind core's
`Transport` port (core/notify.py), and the factory choosing them from the settings.

core/ never imports this package: the wiring (the web app's scheduler, the action server)
builds the transports and hands them to core's senders.
"""

from transports.factory import transports_from_settings
from transports.smtp import SmtpEmailTransport
from transports.twilio_sms import TwilioSmsTransport

__all__ = ["SmtpEmailTransport", "TwilioSmsTransport", "transports_from_settings"]
