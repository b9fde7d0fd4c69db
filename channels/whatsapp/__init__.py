"""WhatsApp and SMS through Twilio, laid out like channels/telegram/: `send.py` (the sender
the delivery layer uses), `channel.py` (the configured channel), `webhook.py` (the signed
webhooks: parse the envelope only), `inbound.py` (one customer message: keywords, place,
files, numbered choice, then the hub) and `media.py` (the files a message carries).

Inbound: Twilio posts a signed form to `/webhooks/whatsapp` (WhatsApp and SMS alike: a
`From` of "whatsapp:+33..." is the WhatsApp channel, a plain "+33..." is SMS). The
signature is checked over the public URL before anything is read or stored, a retried
`MessageSid` is taken once (`claim_inbound`), the answer is an empty TwiML `<Response/>`
and the processing (media download, the hub, delivery) runs after it. Replies go out
through the REST API (`deliver`), never as TwiML. WhatsApp has no free buttons here: a
message's buttons become a numbered list, and a customer's "2" (or the choice's words) is
mapped back to the payload of the last list offered since their previous message.
"""

from channels.whatsapp.channel import WhatsAppChannel, whatsapp_from_settings
from channels.whatsapp.inbound import process_inbound
from channels.whatsapp.send import TwilioSender, numbered
from channels.whatsapp.webhook import router

__all__ = [
    "TwilioSender",
    "WhatsAppChannel",
    "numbered",
    "process_inbound",
    "router",
    "whatsapp_from_settings",
]
