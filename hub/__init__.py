"""The hub: framework-free. ONE way in (`hub.inbound.handle_customer_message`: store the
message, route it to the advisor or to the brain, store the answers, return them) and ONE
way out (`hub.outbound.send_out`: store, deliver through the channel's sender, publish on
the bus) for every proactive message. It reaches the outside through the ports of
`hub.ports` (brain, bus, channel senders, message transports), implemented by channels/,
transports/ and the web app's wiring; it imports no web framework and no channel library.
"""
