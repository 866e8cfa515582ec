"""The Twilio SMS channel: signed webhooks into a durable inbound queue, the transactional outbox
delivered exactly once through the real twilio SDK (or dry-run), delivery status, carrier compliance.

Modules: signature (X-Twilio-Signature), inbound (queue, ordering), routing (what a text becomes),
compliance (OptOutType), http (httpx transport for the SDK), sender (Twilio / dry-run, retry matrix),
outbox_worker (claims, leases, reconciliation), status (callbacks), numbers (error codes).
"""
